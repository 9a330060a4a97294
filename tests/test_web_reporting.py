"""The reporting pages as each member of the cast sees and uses them: the home with its progress per
locality, the entry form and its buttons, evidence files, a value's history."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planwatch.demo.sample import load_sample
from planwatch.ledgers import services
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import (
    Evidence,
    PeriodException,
    ReportedValue,
    RevisionRequest,
    ValueComment,
)
from planwatch.reporting.sample import yearly_period
from tests.audit import events
from tests.fed import save_reported

S = ReportedValue.Status
CAST = ["alice", "pat", "lena", "zoe", "zack", "fred", "fay", "vic"]
PDF = b"%PDF-1.4\n% a tiny test file\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def zh(plan):
    return plan.localities.get(code="ZH")


@pytest.fixture
def fs(plan):
    return plan.localities.get(code="FS")


def as_user(client, user):
    client.force_login(user)
    return client


def home_url(plan, period=None):
    url = reverse("reporting:home", args=[plan.code])
    return f"{url}?period={period.code}" if period else url


def form_url(plan, locality, period):
    return reverse("reporting:entry", args=[plan.code, locality.code, period.code])


def history_url(plan, locality, period, code):
    return reverse("reporting:history", args=[plan.code, locality.code, period.code, code])


def upload_url(plan, locality, period, code):
    return reverse("reporting:upload_evidence", args=[plan.code, locality.code, period.code, code])


def fill_all(plan, user, locality, period, **overrides):
    """Every indicator of the period as drafts, with values that pass the plan's checks."""
    values = {i.code: Decimal(10) for i in wf.required_indicators(period)}
    values.update({"I22": Decimal(20), "I24": Decimal(7), "I25": Decimal(35)})
    values.update({"C05": Decimal(8), "C06": Decimal(6), "I28": Decimal(75)})
    values.update({k: Decimal(str(v)) for k, v in overrides.items()})
    items = [wf.Entry(plan.indicators.get(code=c), v, expected_version=0) for c, v in values.items()]
    return save_reported(user, locality, period, items)  # I01, I10…: as the ledger writes them


def bring_to(state, plan, cast, locality, period):
    """Take a locality's values to draft, submitted, approved or accepted through the workflow."""
    reporter, approver = (cast.zoe, cast.zack) if locality.code == "ZH" else (cast.fred, cast.fay)
    fill_all(plan, reporter, locality, period)
    if state in {"submitted", "approved", "accepted"}:
        wf.submit(reporter, locality, period)
    if state in {"approved", "accepted"}:
        wf.approve(approver, locality, period)
    if state == "accepted":
        wf.accept(cast.pat, locality, period)


def value_of(locality, period, code):
    return ReportedValue.objects.get(locality=locality, period=period, indicator__code=code)


def statuses(locality, period):
    return dict(
        ReportedValue.objects.filter(locality=locality, period=period).values_list(
            "indicator__code", "status"
        )
    )


def row_html(html, code):
    match = re.search(rf'<tr id="row-{code}".*?</tr>', html, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def post_values(client, plan, locality, period, action="save", **values):
    """Post the form as the browser would: the versions and values the user saw, with changes."""
    data = {"action": action}
    for code, new in values.items():
        current = ReportedValue.objects.filter(locality=locality, period=period, indicator__code=code).first()
        data[f"value-{code}"] = str(new)
        data[f"version-{code}"] = str(current.version if current else 0)
        data[f"orig-{code}"] = str(current.value.normalize()) if current and current.value is not None else ""
    return client.post(form_url(plan, locality, period), data)


# --- the pages, for everyone -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home", "entry", "history"])
def test_pages_need_a_login(client, plan, period, zh, name):
    url = {
        "home": home_url(plan),
        "entry": form_url(plan, zh, period),
        "history": history_url(plan, zh, period, "I07"),
    }[name]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))


@pytest.mark.parametrize("who", CAST)
def test_every_page_opens_for_every_role(client, plan, cast, period, zh, who):
    bring_to("submitted", plan, cast, zh, period)
    as_user(client, getattr(cast, who))
    assert client.get(home_url(plan, period)).status_code == 200
    response = client.get(form_url(plan, zh, period))
    assert response.status_code == 200
    assert "I07" in response.content.decode()
    assert client.get(history_url(plan, zh, period, "I07")).status_code == 200


def test_the_navigation_links_to_reporting(client, plan, bob):
    html = as_user(client, bob).get(reverse("web:plan", args=[plan.code])).content.decode()
    assert f'href="{home_url(plan)}"' in html


def test_unknown_locality_period_or_non_pilot_is_404(client, plan, cast, period):
    as_user(client, cast.zoe)
    assert client.get(reverse("reporting:entry", args=[plan.code, "XX", "2018"])).status_code == 404
    assert client.get(reverse("reporting:entry", args=[plan.code, "ZH", "1999"])).status_code == 404
    assert client.get(reverse("reporting:entry", args=[plan.code, "GD", "2018"])).status_code == 404
    assert client.get(home_url(plan) + "?period=1999").status_code == 404


# --- the home: progress per locality, late, waiting for whom ---------------------------------------


def test_home_counts_statuses_per_locality_and_who_is_waiting(client, plan, cast, period, zh, fs):
    bring_to("submitted", plan, cast, fs, period)
    wf.save_values(cast.zoe, zh, period, [wf.Entry(plan.indicators.get(code="I07"), Decimal(5), 0)])
    response = as_user(client, cast.alice).get(home_url(plan, period))
    rows = {r.locality.code: r for r in response.context["rows"]}
    assert len(rows) == 7
    required = wf.required_indicators(period).count()
    assert (rows["ZH"].draft, rows["ZH"].missing, rows["ZH"].submitted) == (1, required - 1, 0)
    assert (rows["FS"].submitted, rows["FS"].missing) == (required, 0)
    assert rows["ZH"].waiting == ["Reporter"] or rows["ZH"].waiting == ["填报人"]
    assert len(rows["FS"].waiting) == 1 and rows["FS"].waiting != rows["ZH"].waiting
    # 2018 was due on 2019-03-31: whoever has not submitted everything is late
    assert rows["ZH"].late and rows["ZS"].late and not rows["FS"].late
    html = response.content.decode()
    assert 'id="locality-ZH" class=" late"' in html


def test_home_is_not_late_before_the_due_date(client, plan, cast):
    future = yearly_period(plan, timezone_year() + 1)
    response = as_user(client, cast.alice).get(home_url(plan, future))
    assert not any(r.late for r in response.context["rows"])


def test_the_base_year_is_never_late(client, plan, cast):
    """2016 holds the bases of the growth rates: history, not a report that falls due."""
    base = yearly_period(plan, plan.base_year)
    response = as_user(client, cast.alice).get(home_url(plan, base))
    assert response.context["late_count"] == 0 and not any(r.late for r in response.context["rows"])
    assert "基期" in response.content.decode()


def timezone_year():
    return dt.date.today().year


def test_home_waits_for_approver_then_province_then_nobody(client, plan, cast, period, zh):
    as_user(client, cast.alice)

    def waiting():
        rows = client.get(home_url(plan, period)).context["rows"]
        return next(r for r in rows if r.locality.code == "ZH").waiting

    bring_to("submitted", plan, cast, zh, period)
    approver = waiting()
    wf.approve(cast.zack, zh, period)
    province = waiting()
    wf.accept(cast.lena, zh, period)  # the lead unit accepts its own indicators only
    assert waiting() == province
    wf.accept(cast.pat, zh, period)
    assert waiting() == []
    assert approver != province and len(approver) == len(province) == 1


def test_a_locality_user_sees_their_own_locality_first(client, plan, cast, period):
    for user, first in [(cast.fred, "FS"), (cast.zoe, "ZH"), (cast.pat, "ZH")]:
        rows = as_user(client, user).get(home_url(plan, period)).context["rows"]
        assert rows[0].locality.code == first
        assert rows[0].own == (user != cast.pat)


def test_home_hides_draft_counts_of_other_localities(client, plan, cast, period, zh):
    wf.save_values(cast.zoe, zh, period, [wf.Entry(plan.indicators.get(code="I07"), Decimal(5), 0)])
    for who, visible in [("zoe", True), ("zack", True), ("alice", True), ("fred", False), ("pat", False)]:
        response = as_user(client, getattr(cast, who)).get(home_url(plan, period))
        row = re.search(r'<tr id="locality-ZH".*?</tr>', response.content.decode(), re.S).group(0)
        assert ('data-count="draft">1<' in row) == visible
        assert ('data-count="not_submitted"' in row) == (not visible)


def test_home_shows_closed_localities_and_exceptions(client, plan, cast, period, zh):
    period.locks_on = dt.date(2019, 4, 15)
    period.save()
    PeriodException.objects.create(
        period=period, locality=zh, open_until=dt.date(2099, 1, 1), reason="系统故障"
    )
    rows = {r.locality.code: r for r in as_user(client, cast.pat).get(home_url(plan, period)).context["rows"]}
    assert rows["ZH"].open and not rows["FS"].open
    html = as_user(client, cast.zoe).get(form_url(plan, zh, period)).content.decode()
    assert 'name="value-I07"' in html  # the exception keeps 珠海's form open


@pytest.mark.usefixtures("sampled")
def test_home_defaults_to_the_latest_started_period(client, plan, cast):
    yearly_period(plan, timezone_year() + 1)  # not started yet
    response = as_user(client, cast.zoe).get(home_url(plan))
    assert response.context["period"].code == str(plan.end_year)


def test_home_without_periods(client, plan, cast):
    response = as_user(client, cast.zoe).get(home_url(plan))
    assert response.status_code == 200
    assert response.context["period"] is None


def test_home_query_count_does_not_grow_with_values(
    client, plan, cast, period, zh, django_assert_max_num_queries
):
    as_user(client, cast.zoe)
    client.get(home_url(plan, period))  # warm the session
    with django_assert_max_num_queries(12) as empty:
        client.get(home_url(plan, period))
    load_sample(plan)  # every pilot unit's values for every year
    ReportedValue.objects.filter(locality=zh, period=period, indicator__code="I07").update(status=S.DRAFT)
    with django_assert_max_num_queries(len(empty.captured_queries)):
        response = client.get(home_url(plan, period))
    assert response.context["rows"][0].draft == 1


# --- the entry form: what each role sees -----------------------------------------------------------


@pytest.mark.usefixtures("sampled")
def test_the_reporter_sees_every_indicator_with_unit_target_previous_and_change(client, plan, cast, zh):
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    ReportedValue.objects.filter(locality=zh, period=p2018).delete()
    i01_2017 = value_of(zh, p2017, "I07").value
    wf.save_values(
        cast.zoe, zh, p2018, [wf.Entry(plan.indicators.get(code="I07"), i01_2017 + 6, expected_version=0)]
    )
    response = as_user(client, cast.zoe).get(form_url(plan, zh, p2018))
    html = response.content.decode()
    for indicator in wf.required_indicators(p2018):
        assert f'id="row-{indicator.code}"' in html
    row = row_html(html, "I07")
    assert "引进军民两用技术成果数" in row and ">项<" in row
    assert f">{int(i01_2017)}<" in row  # the previous period's value
    assert f'value="{int(i01_2017) + 6}"' in row and 'name="value-I07"' in row
    assert 'name="version-I07" value="1"' in row
    assert "+6 (" in row  # the change against 2017
    assert "示例数据" in row  # the 2017 value and the target are sample data
    target = plan.indicators.get(code="I07").targets.get(locality=zh, year=2018).value
    assert f">{int(target)}<" in row
    # a row without a value yet: an empty input and no history link
    assert 'value=""' in row_html(html, "I08") and "/history/" not in row_html(html, "I08")
    assert 'value="save"' in html and 'value="submit"' in html


def test_a_period_not_started_is_read_only(client, plan, cast, zh):
    future = yearly_period(plan, timezone_year() + 1)
    html = as_user(client, cast.zoe).get(form_url(plan, zh, future)).content.decode()
    assert 'class="note"' in html and 'name="value-I07"' not in html


def test_the_previous_period_shows_no_drafts(client, plan, cast, zh):
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    fill_all(plan, cast.zoe, zh, p2017, I07=4321)
    html = as_user(client, cast.zoe).get(form_url(plan, zh, p2018)).content.decode()
    assert "4,321" not in row_html(html, "I07") and "4321" not in row_html(html, "I07")
    wf.submit(cast.zoe, zh, p2017)
    html = client.get(form_url(plan, zh, p2018)).content.decode()
    assert "4,321" in row_html(html, "I07")


def test_the_viewer_sees_a_read_only_form(client, plan, cast, period, zh):
    bring_to("submitted", plan, cast, zh, period)
    html = as_user(client, cast.vic).get(form_url(plan, zh, period)).content.decode()
    assert 'name="value-I07"' not in html
    assert "disabled" in row_html(html, "I07")
    for action in ["save", "submit", "approve", "accept_all", "return_all"]:
        assert f'name="action" value="{action}" class' not in html
    assert "comment-I07" not in html


@pytest.mark.parametrize("who", CAST)
def test_drafts_show_only_to_their_locality_and_admins(client, plan, cast, period, zh, who):
    wf.save_values(
        cast.zoe,
        zh,
        period,
        [
            wf.Entry(plan.indicators.get(code="I07"), Decimal(4321), 0),
            wf.Entry(plan.indicators.get(code="I24"), Decimal(8765), 0),  # led by lena's 省科技厅
        ],
    )
    html = as_user(client, getattr(cast, who)).get(form_url(plan, zh, period)).content.decode()
    assert ("4321" in html) == (who in {"zoe", "zack", "alice"})
    assert ("8765" in html) == (who in {"zoe", "zack", "alice", "lena"})
    history = client.get(history_url(plan, zh, period, "I07"))
    assert history.status_code == (200 if who in {"zoe", "zack", "alice"} else 404)


def test_returned_values_are_hidden_from_other_localities(client, plan, cast, period, zh):
    bring_to("submitted", plan, cast, zh, period)
    wf.return_values(cast.zack, zh, period, "请核对")
    html = as_user(client, cast.fred).get(form_url(plan, zh, period)).content.decode()
    assert "已退回" not in row_html(html, "I07") and "Returned" not in row_html(html, "I07")
    assert 'value=""' in row_html(html, "I07")


@pytest.mark.usefixtures("sampled")
def test_sample_rows_are_marked(client, plan, cast, period, zh):
    html = as_user(client, cast.zoe).get(form_url(plan, zh, period)).content.decode()
    row = row_html(html, "I07")
    assert "示例数据" in row and "disabled" in row and 'name="value-I07"' not in row


@pytest.mark.usefixtures("sampled")
def test_form_query_count_does_not_grow_with_values(
    client, plan, cast, period, zh, django_assert_max_num_queries
):
    as_user(client, cast.zoe)
    client.get(form_url(plan, zh, period))
    with django_assert_max_num_queries(16) as few:
        client.get(form_url(plan, zh, period))
    for value in ReportedValue.objects.filter(locality=zh, period=period):
        for n in range(3):
            wf.add_comment(cast.zoe, value, f"说明 {n}")
            Evidence.objects.create(
                value=value,
                file="evidence/x.pdf",
                original_name="x.pdf",
                size=1,
                content_type="application/pdf",
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(form_url(plan, zh, period))
    assert "x.pdf" in response.content.decode()


# --- the role × action × own/other locality matrix -------------------------------------------------

LOCALITY_USERS = {"ZH": {"zoe", "zack"}, "FS": {"fred", "fay"}}
APPROVERS = {"ZH": {"zack"}, "FS": {"fay"}}


def may(action, who, loc):
    """Who may do what, per the issue: the locality's own users, the province, the lead unit."""
    own = who in LOCALITY_USERS[loc]
    return {
        "save": own or who in {"alice", "lena"},
        "submit": own or who in {"alice", "lena"},
        "approve": who in APPROVERS[loc] or who == "alice",
        "accept": who in {"alice", "pat", "lena"},
        "return": who in {"alice", "pat", "lena"},
        "revise": own or who in {"alice", "lena"},
        "evidence": own or who in {"alice", "lena"},
    }[action]


STATE_BEFORE = {
    "save": "draft",
    "submit": "draft",
    "approve": "submitted",
    "accept": "approved",
    "return": "approved",
    "revise": "accepted",
    "evidence": "submitted",
}


@pytest.mark.parametrize("loc", ["ZH", "FS"])
@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("action", list(STATE_BEFORE))
def test_role_action_locality_matrix(client, plan, cast, period, action, who, loc):
    locality = plan.localities.get(code=loc)
    bring_to(STATE_BEFORE[action], plan, cast, locality, period)
    code = "I22" if who == "lena" else "I07"  # the lead unit works on the indicators it leads
    before = statuses(locality, period)
    value = value_of(locality, period, code)
    url = form_url(plan, locality, period)
    as_user(client, getattr(cast, who))
    if action == "save":
        response = post_values(client, plan, locality, period, **{code: "12"})
    elif action == "submit":
        response = client.post(url, {"action": "submit"})
    elif action == "approve":
        response = client.post(url, {"action": "approve"})
    elif action == "accept":
        response = client.post(url, {"action": "accept_all"})
    elif action == "return":
        response = client.post(url, {"action": "return_all", "return_comment": "请核实"})
    elif action == "revise":
        response = client.post(
            url,
            {"action": f"revise:{code}", f"revise-value-{code}": "13", f"revise-reason-{code}": "口径更正"},
        )
    else:
        response = client.post(
            upload_url(plan, locality, period, code),
            {"file": SimpleUploadedFile("台账.pdf", PDF, "application/pdf")},
        )

    after = statuses(locality, period)
    if not may(action, who, loc):
        assert response.status_code == 403
        assert after == before
        assert ReportedValue.objects.get(pk=value.pk).value == value.value
        assert not RevisionRequest.objects.exists() and not Evidence.objects.exists()
        return
    assert response.status_code == 302, response.content.decode()[:2000]
    expected = {
        "save": lambda: value_of(locality, period, code).value == 12,
        "submit": lambda: after[code] == S.SUBMITTED,
        "approve": lambda: set(after.values()) == {S.APPROVED},
        "accept": lambda: after[code] == S.ACCEPTED,
        "return": lambda: after[code] == S.RETURNED,
        "revise": lambda: RevisionRequest.objects.filter(value__pk=value.pk, new_value=13).exists(),
        "evidence": lambda: Evidence.objects.filter(value__pk=value.pk, original_name="台账.pdf").exists(),
    }[action]
    assert expected()
    if who == "lena" and action in {"submit", "accept", "return"}:
        assert after["I07"] == before["I07"]  # not hers: untouched


# --- saving: validation, warnings, comments, conflicts, closed periods ----------------------------


def test_validation_errors_show_next_to_the_field_and_save_nothing(client, plan, cast, period, zh):
    as_user(client, cast.zoe)
    response = post_values(client, plan, zh, period, I07="5", I08="-1", I25="130", I13="2.5")
    assert response.status_code == 200
    assert not ReportedValue.objects.exists()
    html = response.content.decode()
    assert (
        "field-error" in row_html(html, "I08")
        and "negative" in row_html(html, "I08")
        or "负数" in row_html(html, "I08")
    )
    assert "field-error" in row_html(html, "I25") and "100" in row_html(html, "I25")
    assert "field-error" in row_html(html, "I13")
    assert "field-error" not in row_html(html, "I07")
    # the user's inputs are shown again, to be corrected
    assert 'value="-1"' in row_html(html, "I08") and 'value="5"' in row_html(html, "I07")
    assert 'aria-invalid="true"' in row_html(html, "I25")


def test_every_problem_of_a_save_is_listed_at_the_top_with_a_link_to_its_field(
    client, plan, cast, period, zh
):
    """Without JavaScript: text, a negative count and a share above 100 at once, each kind said."""
    as_user(client, cast.zoe)
    response = post_values(client, plan, zh, period, I07="五", I08="-1", I25="130")
    html = response.content.decode()
    top = html[html.index('id="form-problems"') : html.index("</nav>", html.index('id="form-problems"'))]
    for code in ("I07", "I08", "I25"):
        assert f'href="#value-{code}"' in top and f'id="value-{code}"' in html
        assert "field-error" in row_html(html, code)
    assert top.count("<li>") == 3 and not ReportedValue.objects.exists()


def test_text_in_a_number_field_saves_nothing(client, plan, cast, period, zh):
    as_user(client, cast.zoe)
    response = post_values(client, plan, zh, period, I07="5", I08="十二")
    assert response.status_code == 200
    assert not ReportedValue.objects.exists()
    assert "field-error" in row_html(response.content.decode(), "I08")


def test_numbers_as_officials_type_them(client, plan, cast, period, zh):
    as_user(client, cast.zoe)
    post_values(client, plan, zh, period, I11="1,200", I13="１２", C01=" 35.5 ")
    assert value_of(zh, period, "I11").value == 1200
    assert value_of(zh, period, "I13").value == 12
    assert value_of(zh, period, "C01").value == Decimal("35.5")


def test_cross_check_error_is_shown_on_its_row(client, plan, cast, period, zh):
    as_user(client, cast.zoe)
    response = post_values(client, plan, zh, period, I22="20", I24="25")
    assert not ReportedValue.objects.exists()
    assert "field-error" in row_html(response.content.decode(), "I24")


def test_unchanged_values_are_not_saved_again(client, plan, cast, period, zh):
    bring_to("draft", plan, cast, zh, period)
    as_user(client, cast.zoe)
    response = post_values(client, plan, zh, period, I07="10", I08="10")
    assert response.status_code == 302
    assert value_of(zh, period, "I07").version == 1
    assert events(kind="value", verb="save").count() == wf.required_indicators(period).count()


def test_save_then_submit_the_whole_form(client, plan, cast, period, zh):
    # The ledger writes the indicators it feeds (I01, I10…: 0 rows accepted yet); zoe types the rest.
    written = services.derive_values(plan, period.year, cast.zoe).written
    fed = {code for _, code, _ in written}
    assert "I01" in fed and "I26" in fed
    values = {i.code: "10" for i in wf.required_indicators(period) if i.code not in fed}
    values.update({"I22": "20", "I24": "7", "I25": "35", "C05": "8", "C06": "6", "I28": "75"})
    as_user(client, cast.zoe)
    response = post_values(client, plan, zh, period, action="submit", **values)
    assert response.status_code == 302
    assert set(statuses(zh, period).values()) == {S.SUBMITTED}
    assert len(statuses(zh, period)) == wf.required_indicators(period).count()
    assert events(value_of(zh, period, "I07"), source="web").count() == 2
    assert [(e.source, e.verb) for e in events(value_of(zh, period, "I01"))] == [
        ("ledger", "save"),
        ("web", "submit"),
    ]


def test_submit_with_missing_values_saves_and_says_what_is_missing(client, plan, cast, period, zh):
    as_user(client, cast.zoe)
    response = post_values(client, plan, zh, period, action="submit", I07="5")
    assert response.status_code == 302
    assert statuses(zh, period) == {"I07": S.DRAFT}
    html = client.get(response.url).content.decode()
    assert "I08" in re.search(r'class="message error">(.*?)</p>', html, re.S).group(1)


def test_a_warning_needs_a_comment_before_submitting(client, plan, cast, zh):
    p2017, p2018 = yearly_period(plan, 2017), yearly_period(plan, 2018)
    bring_to("accepted", plan, cast, zh, p2017)
    fill_all(plan, cast.zoe, zh, p2018)
    as_user(client, cast.zoe)
    response = post_values(client, plan, zh, p2018, I11="40")  # 10 → 40: a 300 % jump
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert "I11" in re.search(r'class="message warning">(.*?)</p>', html, re.S).group(1)
    assert "field-warning" in row_html(html, "I11") and "<details open" in row_html(html, "I11")
    client.post(form_url(plan, zh, p2018), {"action": "submit"})
    assert set(statuses(zh, p2018).values()) == {S.DRAFT}
    client.post(
        form_url(plan, zh, p2018), {"action": "submit", "comment-I11": "新建一批省级智能制造示范基地"}
    )
    assert set(statuses(zh, p2018).values()) == {S.SUBMITTED}
    assert (
        ValueComment.objects.get(value__indicator__code="I11", value__period=p2018).text
        == "新建一批省级智能制造示范基地"
    )


def test_comments_from_an_approver_on_a_submitted_value(client, plan, cast, period, zh):
    bring_to("submitted", plan, cast, zh, period)
    as_user(client, cast.zack)
    response = client.post(form_url(plan, zh, period), {"action": "save", "comment-I09": "已与台账核对"})
    assert response.status_code == 302
    assert ValueComment.objects.get().author == cast.zack
    html = client.get(form_url(plan, zh, period)).content.decode()
    assert "已与台账核对" in row_html(html, "I09")


def test_conflict_second_saver_sees_the_current_value(client, plan, cast, period, zh):
    wf.save_values(cast.zoe, zh, period, [wf.Entry(plan.indicators.get(code="I07"), Decimal(5), 0)])
    seen = value_of(zh, period, "I07")  # both open the form and see version 1, value 5
    stale = {"action": "save", "value-I07": "7", "version-I07": str(seen.version), "orig-I07": "5"}
    as_user(client, cast.zack)
    client.post(form_url(plan, zh, period), {**stale, "value-I07": "6"})
    assert value_of(zh, period, "I07").value == 6

    as_user(client, cast.zoe)
    response = client.post(form_url(plan, zh, period), stale)
    assert response.status_code == 200
    assert value_of(zh, period, "I07").value == 6  # never silently overwritten
    row = row_html(response.content.decode(), "I07")
    assert "zack" in row and "6" in row
    assert 'value="7"' in row  # what zoe typed is kept ...
    assert 'name="version-I07" value="2"' in row  # ... against the current version
    # having seen the message, she saves again on purpose
    client.post(form_url(plan, zh, period), {**stale, "version-I07": "2", "orig-I07": "6"})
    assert value_of(zh, period, "I07").value == 7


def test_a_closed_period_is_read_only(client, plan, cast, period, zh):
    wf.save_values(cast.zoe, zh, period, [wf.Entry(plan.indicators.get(code="I07"), Decimal(5), 0)])
    period.locks_on = dt.date(2019, 4, 15)
    period.save()
    as_user(client, cast.zoe)
    html = client.get(form_url(plan, zh, period)).content.decode()
    assert 'class="note"' in html and "2019-04-15" in html
    assert 'name="value-I07"' not in html and "disabled" in row_html(html, "I07")
    response = post_values(client, plan, zh, period, I07="6")
    assert response.status_code == 200
    assert value_of(zh, period, "I07").value == 5
    assert "2019-04-15" in re.search(
        r'class="message error">(.*?)</p>', response.content.decode(), re.S
    ).group(1)


def test_another_localitys_user_gets_403_for_writing(client, plan, cast, period, fs):
    as_user(client, cast.zoe)
    assert post_values(client, plan, fs, period, I07="5").status_code == 403
    assert client.post(form_url(plan, fs, period), {"action": "save"}).status_code == 403
    assert not ReportedValue.objects.exists()


def test_unknown_action_is_refused(client, plan, cast, period, zh):
    assert as_user(client, cast.zoe).post(form_url(plan, zh, period), {"action": "x"}).status_code == 400


# --- review: approve, accept per indicator, return with a comment, revision requests ---------------


def test_accept_selected_indicators_only(client, plan, cast, period, zh):
    bring_to("approved", plan, cast, zh, period)
    as_user(client, cast.pat)
    html = client.get(form_url(plan, zh, period)).content.decode()
    assert 'name="select" value="I07"' in html
    client.post(form_url(plan, zh, period), {"action": "accept_selected", "select": ["I07", "I08"]})
    after = statuses(zh, period)
    assert (after["I07"], after["I08"], after["I09"]) == (S.ACCEPTED, S.ACCEPTED, S.APPROVED)


def test_accept_selected_without_a_selection_changes_nothing(client, plan, cast, period, zh):
    bring_to("approved", plan, cast, zh, period)
    response = as_user(client, cast.pat).post(form_url(plan, zh, period), {"action": "accept_selected"})
    assert response.status_code == 302
    assert set(statuses(zh, period).values()) == {S.APPROVED}


def test_lead_unit_selects_only_its_indicators(client, plan, cast, period, zh):
    bring_to("approved", plan, cast, zh, period)
    html = as_user(client, cast.lena).get(form_url(plan, zh, period)).content.decode()
    assert 'name="select" value="I22"' in html and 'name="select" value="I07"' not in html
    client.post(form_url(plan, zh, period), {"action": "accept_selected", "select": ["I22", "I07"]})
    after = statuses(zh, period)
    assert (after["I22"], after["I07"]) == (S.ACCEPTED, S.APPROVED)


def test_return_needs_a_comment(client, plan, cast, period, zh):
    bring_to("submitted", plan, cast, zh, period)
    as_user(client, cast.zack)
    response = client.post(form_url(plan, zh, period), {"action": "return_all", "return_comment": " "})
    assert response.status_code == 302
    assert set(statuses(zh, period).values()) == {S.SUBMITTED}
    client.post(
        form_url(plan, zh, period),
        {"action": "return_selected", "select": ["I05"], "return_comment": "与统计年鉴不符"},
    )
    assert statuses(zh, period)["I05"] == S.RETURNED
    html = as_user(client, cast.zoe).get(form_url(plan, zh, period)).content.decode()
    assert "与统计年鉴不符" in row_html(html, "I05") and 'name="value-I05"' in row_html(html, "I05")


def test_accepted_values_are_locked_and_offer_a_revision_request(client, plan, cast, period, zh):
    bring_to("accepted", plan, cast, zh, period)
    as_user(client, cast.zoe)
    html = client.get(form_url(plan, zh, period)).content.decode()
    row = row_html(html, "I07")
    assert "disabled" in row and 'name="value-I07"' not in row
    assert 'value="revise:I07"' in row
    assert "Save draft" not in html and 'value="submit"' not in html
    # a locked value cannot be saved even by a forged post
    response = post_values(client, plan, zh, period, I07="99")
    assert response.status_code == 200
    assert value_of(zh, period, "I07").value == 10


def test_revision_request_needs_a_valid_value_and_a_reason(client, plan, cast, period, zh):
    bring_to("accepted", plan, cast, zh, period)
    as_user(client, cast.zoe)
    url = form_url(plan, zh, period)
    response = client.post(url, {"action": "revise:I07", "revise-value-I07": "-3", "revise-reason-I07": "x"})
    assert response.status_code == 200 and "field-error" in row_html(response.content.decode(), "I07")
    response = client.post(url, {"action": "revise:I07", "revise-value-I07": "12", "revise-reason-I07": ""})
    assert response.status_code == 200 and "field-error" in row_html(response.content.decode(), "I07")
    assert 'value="12"' in row_html(response.content.decode(), "I07")
    assert not RevisionRequest.objects.exists()
    client.post(url, {"action": "revise:I07", "revise-value-I07": "12", "revise-reason-I07": "统计口径更正"})
    request = RevisionRequest.objects.get()
    assert (request.new_value, request.reason, request.requested_by) == (12, "统计口径更正", cast.zoe)
    row = row_html(client.get(url).content.decode(), "I07")
    assert "revise:I07" not in row and "12" in row  # pending: shown, and no second request


# --- evidence ---------------------------------------------------------------------------------------


def upload(client, plan, locality, period, code, name, content, content_type="application/pdf"):
    return client.post(
        upload_url(plan, locality, period, code), {"file": SimpleUploadedFile(name, content, content_type)}
    )


def test_evidence_is_stored_audited_and_downloadable(client, plan, cast, period, zh, media):
    bring_to("draft", plan, cast, zh, period)
    as_user(client, cast.zoe)
    response = upload(client, plan, zh, period, "I07", "项目清单.pdf", PDF)
    assert response.status_code == 302 and response.url.endswith("#row-I07")
    evidence = Evidence.objects.get()
    assert (evidence.original_name, evidence.size, evidence.uploaded_by) == (
        "项目清单.pdf",
        len(PDF),
        cast.zoe,
    )
    assert evidence.content_type == "application/pdf"
    assert (media / evidence.file.name).read_bytes() == PDF
    assert evidence.file.name.startswith("evidence/2018/ZH/I07/")
    audit = events(value_of(zh, period, "I07"), verb="attach").get()
    assert (audit.actor, audit.comment) == (cast.zoe, "项目清单.pdf")
    html = client.get(form_url(plan, zh, period)).content.decode()
    download = reverse("reporting:evidence", args=[plan.code, "ZH", "2018", "I07", evidence.pk])
    assert download in row_html(html, "I07")
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    # the download checks the same visibility as the value: a draft is its locality's own
    assert as_user(client, cast.fred).get(download).status_code == 404
    assert as_user(client, cast.pat).get(download).status_code == 404
    assert as_user(client, cast.zack).get(download).status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("run.exe", b"MZ\x90\x00", "kind"),
        ("notes.txt", b"hello", "kind"),
        ("fake.pdf", b"<html>not a pdf</html>", "content"),
        ("photo.png", b"\xff\xd8\xff\xe0 a jpeg", "content"),
        ("empty.pdf", b"", "empty"),
        ("big.pdf", PDF + b"x" * 2048, "size"),
    ],
)
def test_evidence_size_and_type_are_checked(client, plan, cast, period, zh, settings, name, content, why):
    settings.PLANWATCH_EVIDENCE_MAX_BYTES = 1024
    bring_to("draft", plan, cast, zh, period)
    as_user(client, cast.zoe)
    response = upload(client, plan, zh, period, "I07", name, content)
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not events(kind="value", verb="attach").exists()
    html = client.get(response.url.split("#")[0]).content.decode()
    message = re.search(r'class="message error">(.*?)</p>', html, re.S).group(1)
    assert name in message


def test_evidence_needs_a_saved_value_and_an_open_period(client, plan, cast, period, zh):
    as_user(client, cast.zoe)
    assert upload(client, plan, zh, period, "I07", "a.pdf", PDF).status_code == 404
    bring_to("draft", plan, cast, zh, period)
    period.locks_on = dt.date(2019, 4, 15)
    period.save()
    assert upload(client, plan, zh, period, "I07", "a.pdf", PDF).status_code == 302
    assert not Evidence.objects.exists()
    assert client.get(upload_url(plan, zh, period, "I07")).status_code == 405


# --- history -----------------------------------------------------------------------------------------


def test_history_shows_every_change_with_its_source(client, plan, cast, period, zh):
    bring_to("approved", plan, cast, zh, period)
    indicator = plan.indicators.get(code="I07")
    value = value_of(zh, period, "I07")
    wf.add_comment(cast.zack, value, "与台账一致")
    wf.return_values(cast.pat, zh, period, "请补充佐证材料", codes=["I07"])
    value.refresh_from_db()
    wf.save_values(
        cast.zoe,
        zh,
        period,
        [wf.Entry(indicator, Decimal(11), expected_version=value.version)],
        via=wf.Via(source="excel", detail="珠海_2018.xlsx"),
    )
    html = as_user(client, cast.zoe).get(history_url(plan, zh, period, "I07")).content.decode()
    table = re.search(r'<table class="grid history-table">.*?</table>', html, re.S).group(0)
    assert table.count('<tr class="action-') == events(value_of(zh, period, "I07")).count() == 6
    for who in ["zoe", "zack", "pat"]:
        assert who in table
    assert "珠海_2018.xlsx" in table  # the Excel file it came from
    assert re.search(r"10<span class=\"arrow\">→</span>11", table)
    assert "请补充佐证材料" in table and "与台账一致" in html


def test_history_of_an_accepted_value_is_open_to_every_role(client, plan, cast, period, zh):
    bring_to("accepted", plan, cast, zh, period)
    for who in CAST:
        response = as_user(client, getattr(cast, who)).get(history_url(plan, zh, period, "I07"))
        assert response.status_code == 200
        assert "pat" in response.content.decode()


@pytest.mark.parametrize(("who", "linked"), [("zoe", True), ("zack", True), ("fred", False), ("vic", False)])
def test_the_form_links_to_the_excel_round_trip_for_those_who_may_write(
    client, plan, cast, period, zh, who, linked
):
    as_user(client, getattr(cast, who))
    html = client.get(form_url(plan, zh, period)).content.decode()
    template = reverse("excel:template", args=[plan.code, zh.code, period.code])
    assert (template in html) is linked
