"""The breakdown pages (目标分解): the menu, the list of every indicator's state for the province, and
one indicator's table, entered, submitted, approved and adjusted through the page's forms. Lena
leads 省科技厅 (I22–I28), Pat reviews at the province, Zoe reports for 珠海."""

from __future__ import annotations

from django.urls import reverse

from planwatch.breakdown.models import Breakdown
from planwatch.plans.models import Target

I22_2019 = {"ZH": 10, "FS": 30, "ZS": 15, "JM": 15, "YJ": 5, "ZQ": 8, "SD": 12}


def table_url(plan, code="I22"):
    return reverse("breakdown:table", args=[plan.code, code])


def form(values: dict[str, object], year: int = 2019, **extra: str) -> dict[str, object]:
    return {"action": "save", **{f"t-{code}-{year}": v for code, v in values.items()}, **extra}


def test_the_menu_leads_lead_units_and_the_province_to_the_breakdown(client, plan, cast):
    index = reverse("breakdown:index", args=[plan.code])
    # a lead unit from the sections; the province from its management tabs (the top bar keeps one row)
    for user, where, shown in (
        (cast.lena, "web:plan", True),
        (cast.pat, "manage:periods", True),
        (cast.zoe, "web:plan", False),
    ):
        client.force_login(user)
        page = client.get(reverse(where, args=[plan.code])).content.decode()
        assert (f'href="{index}"' in page) is shown, user
    client.force_login(cast.pat)
    page = client.get(index).content.decode()
    assert "目标分解" in page and 'data-indicator="I22" data-state="draft"' in page
    assert 'data-indicator="C01"' not in page  # a component only


def test_enter_submit_approve_and_adjust_on_the_page(client, plan, cast):
    client.force_login(cast.lena)
    page = client.get(table_url(plan)).content.decode()
    assert 'name="t-ZH-2019"' in page and "各地合计（按区域规则）" in page
    bad = client.post(table_url(plan), form({**I22_2019, "ZS": "十五", "JM": "-2"}))
    assert bad.status_code == 400 and 'value="十五"' in bad.content.decode()  # the typed text kept
    assert bad.context["errors"].keys() == {"ZS-2019", "JM-2019"}  # every cell's problem at once
    assert not Target.objects.filter(indicator__code="I22", locality__isnull=False).exists()

    assert client.post(table_url(plan), form(I22_2019)).status_code == 302
    page = client.get(table_url(plan)).content.decode()
    assert (
        "合计低于区域目标" in page
        and "合计低于区域目标：合计 83 万人，区域目标 108 万人，相差 25 万人" in page
    )
    assert client.post(table_url(plan), {"action": "submit"}).status_code == 302
    assert Breakdown.objects.get(indicator__code="I22").status == "submitted"

    client.force_login(cast.zoe)  # a locality user reads, never writes
    page = client.get(table_url(plan)).content.decode()
    assert 'name="t-ZH-2019"' not in page and 'id="approve"' not in page

    client.force_login(cast.pat)
    index = client.get(reverse("breakdown:index", args=[plan.code])).content.decode()
    assert 'data-indicator="I22" data-state="submitted"' in index
    assert client.post(table_url(plan), {"action": "return"}).status_code == 302  # refused: no comment
    assert Breakdown.objects.get(indicator__code="I22").status == "submitted"
    client.post(table_url(plan), {"action": "approve"})
    assert Breakdown.objects.get(indicator__code="I22").status == "accepted"

    client.force_login(cast.lena)
    page = client.get(table_url(plan)).content.decode()
    assert 'name="reason"' in page and "已确认" in page
    missing = client.post(table_url(plan), form({"ZH": 12}))
    assert missing.status_code == 400 and "须说明理由" in missing.content.decode()
    client.post(table_url(plan), form({"ZH": 12}, reason="根据2017年实际完成情况上调"))
    assert Target.objects.get(indicator__code="I22", locality__code="ZH", year=2019).value == 12

    dashboard = client.get(reverse("dashboards:indicator", args=[plan.code, "I22"])).content.decode()
    assert 'id="target-adjustments"' in dashboard and "根据2017年实际完成情况上调" in dashboard
    assert "已调整" in dashboard


def test_the_sample_breakdown_is_labelled(client, plan, cast):
    from planwatch.reporting.sample import load_sample_values

    load_sample_values(plan)
    client.force_login(cast.lena)
    page = client.get(table_url(plan)).content.decode()
    assert 'id="sample-flag"' in page and page.count("示例数据") > 7
    client.force_login(cast.pat)
    index = client.get(reverse("breakdown:index", args=[plan.code])).content.decode()
    assert "示例数据" in index


def test_the_demo_gives_a_lead_unit_login_that_breaks_indicators_down(client, plan):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from planwatch.breakdown import actions
    from planwatch.breakdown.models import broken_down

    call_command("demo_user", "--with-roles")  # as `make demo` runs it
    lead = get_user_model().objects.get(username="lead_dst")
    led = [ind.code for ind in broken_down(plan).filter(lead_unit=lead.profile.unit)]
    assert led == ["I22", "I23", "I24", "I25", "I26", "I27", "I28"]
    assert actions.mode(lead, actions.breakdown_of(plan.indicators.get(code="I22"))) == actions.Mode.EDIT
    client.force_login(lead)
    page = client.get(reverse("breakdown:index", args=[plan.code])).content.decode()
    assert 'data-indicator="I22"' in page
