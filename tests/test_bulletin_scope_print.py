"""Bulletins scoped to their period and as-of day, and laid out for print (issue 16, parts 3 and 4).

- A 2020 acceptance leaves the 2019 run and its bulletin unchanged: building the 2019 bulletin
  again cites the same stored run, with the same data version; the stored files are made again
  byte for byte.
- A value changed after the bulletin's day is read as it stood on that day (the audit log).
- The 2018 bulletin's supervision section holds only the 2018 action plans' milestones (the sample's
  are of 2020), and the annex counts them per locality (节点总数).
- Print: every page of the 2018 and 2019 PDFs but the last is filled (pdftoppm: the share of the
  body's pixel rows with ink), the last holds text (pdftotext), and no table leaves one row alone
  on a page (WeasyPrint's layout of the same content); identifiers are short in the body and whole
  in the annex; the final year (2019) reads 完成 / 基本完成 / 未完成 without pace.

The bulletins are built once for the module inside a transaction rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from tests.conftest import SEED_PLAN
from tests.printcheck import page_fill, table_fragments

pytestmark = pytest.mark.django_db

STOOD_SINCE = timezone.make_aware(dt.datetime(2019, 3, 1, 9, 0))  # the sample's values accepted then
DAY = dt.date(2019, 6, 30)
# A page but the last is nearly empty when fewer than this share of its body's pixel rows have ink
# (a page of text has 0.6–1.0; a figure page 0.6; the lone-row pages of issue 16 had under 0.1).
MIN_FILL = 0.3
MIN_LAST_LINES = 5  # the last page (the data sources and the annex) may be short, not blank


def _person(plan: Any, username: str, role: str, locality: str | None = None, unit: str | None = None) -> Any:
    from django.contrib.auth import get_user_model

    from planwatch.accounts.models import Profile

    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pw")
    Profile.objects.create(
        user=user,
        role=role,
        locality=plan.localities.get(code=locality) if locality else None,
        unit=plan.units.get(code=unit) if unit else None,
    )
    return user


def _pdf_of(bulletin: Any) -> bytes:
    with bulletin.file_of("pdf").open("rb") as fh:
        return fh.read()


def _laid_out(plan: Any, bulletin: Any) -> Any:
    """The bulletin's content laid out again, as its PDF was (same run, day and number)."""
    from planwatch.bulletins import services
    from planwatch.core import bulletin as core
    from planwatch.core.bulletin import pdf

    inp, content = services.content_of(bulletin)
    return pdf.layout(content.with_charts(core.draw_charts(content, inp.map_shapes)))


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Any]:
    from planwatch.accounts.models import Profile
    from planwatch.bulletins import services
    from planwatch.demo.sample import load_sample
    from planwatch.evaluation.runs import build_input, parameters_from_options, run_evaluation
    from planwatch.kernel.models import AuditEvent
    from planwatch.plans.loader import load_plan_file
    from planwatch.reporting import workflow as wf
    from planwatch.reporting.models import ReportedValue
    from planwatch.reporting.periods import create_periods
    from planwatch.reporting.sample import yearly_period
    from planwatch.supervision.models import ActionPlan, Milestone
    from tests.audit import backdate

    media = tmp_path_factory.mktemp("media")
    data: dict[str, Any] = {}
    quick = parameters_from_options(sensitivity=False)
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        plan = load_plan_file(SEED_PLAN).plan
        load_sample(plan)  # also the sample action plans of 2020 (示例数据)
        ReportedValue.objects.filter(indicator__plan=plan).update(updated_at=STOOD_SINCE)
        backdate(AuditEvent.objects.filter(subject_type="value", plan_code=plan.code), STOOD_SINCE)
        R = Profile.Role
        zoe = _person(plan, "zoe", R.LOCALITY_REPORTER, locality="ZH")
        zack = _person(plan, "zack", R.LOCALITY_APPROVER, locality="ZH")
        pat = _person(plan, "pat", R.PROVINCE_REVIEWER, unit="EIC")
        zhuhai = plan.localities.get(code="ZH")
        # 江门's 2018 action plan: one milestone, overdue on the bulletin's day.
        ap = ActionPlan.objects.create(plan=plan, locality=plan.localities.get(code="JM"), year=2018)
        Milestone.objects.create(
            action_plan=ap,
            task=plan.tasks.order_by("order").first(),
            title="完成首批智能制造示范项目遴选",
            due_on=dt.date(2018, 11, 30),
            status=Milestone.Status.IN_PROGRESS,
            percent=40,
        )
        data["sample_2020_milestones"] = Milestone.objects.filter(action_plan__year=2020).count()

        b18 = services.build_bulletin(plan, "2018", as_of=DAY, formats=["pdf", "xlsx"])
        b19 = services.build_bulletin(plan, "2019", as_of=DAY, formats=["pdf", "xlsx", "docx"])
        data["docx_2019"] = b19.file_of("docx").open("rb").read()
        for key, b in (("2018", b18), ("2019", b19)):
            document = _laid_out(plan, b)
            data[key] = {
                "bulletin": b,
                "pdf": _pdf_of(b),
                "xlsx": b.file_of("xlsx").open("rb").read(),
                "fragments": table_fragments(document),
                "pages": len(document.pages),
            }
        data["run_2019"], data["hash_2019"] = b19.run_id, b19.data_hash
        # A quarter's bulletin: the milestones due in the quarter (江门's falls in 2018Q4).
        create_periods(plan, 2018, "quarterly", due_after_days=20)
        data["quarters"] = {
            code: services.supervision_input(plan, b18.run, DAY, services.period_of(plan, code))
            for code in ("2018Q3", "2018Q4")
        }
        # what the 2019 run read, for comparing after the changes below
        _, data["version_2019"] = build_input(plan, year=2019, as_of=DAY)

        # 珠海 reports a 2020 value; it is submitted, approved and accepted today.
        p2020 = yearly_period(plan, 2020)
        i07 = plan.indicators.get(code="I07")
        last = ReportedValue.objects.get(indicator=i07, locality=zhuhai, period__code="2019").value
        wf.save_values(
            zoe, zhuhai, p2020, [wf.Entry(i07, last + 1, comment="2020年数据", expected_version=0)]
        )
        wf.submit(zoe, zhuhai, p2020, codes=["I07"])
        wf.approve(zack, zhuhai, p2020)
        wf.accept(pat, zhuhai, p2020, codes=["I07"])
        data["accepted_2020"] = ReportedValue.objects.get(indicator=i07, locality=zhuhai, period=p2020).status

        again = services.build_bulletin(plan, "2019", as_of=DAY, formats=["xlsx"])
        data["again_run"], data["again_hash"] = again.run_id, again.data_hash
        data["regenerated_xlsx"] = services.regenerate(b19, ["xlsx"])["xlsx"]

        data["as_of_day"] = run_evaluation(plan, 2019, params=quick, as_of=DAY)
        # An accepted 2019 value of 珠海 is revised today, after the bulletin's day.
        value = ReportedValue.objects.get(indicator=i07, locality=zhuhai, period__code="2019")
        request = wf.request_revision(zoe, value, value.value + 3, "统计口径更正")
        wf.decide_revision(pat, request, approve=True, comment="同意")
        data["revised"] = (float(value.value), float(value.value + 3))
        with CaptureQueriesContext(connection) as as_day:
            _, data["version_2019_after"] = build_input(plan, year=2019, as_of=DAY)
        with CaptureQueriesContext(connection) as as_now:
            build_input(plan, year=2019)
        data["queries"] = (len(as_now), len(as_day))
        data["as_of_day_again"] = run_evaluation(plan, 2019, params=quick, as_of=DAY)
        today = run_evaluation(plan, 2019, params=quick, as_of=timezone.localdate())
        data["today"] = today
        data["today_zh_i07"] = next(
            r.value for r in today.evaluation.indicators if (r.indicator, r.scope) == ("I07", "ZH")
        )
        transaction.set_rollback(True)
    return data


# --- scope: period and as-of day ---------------------------------------------------------------------


def test_a_2020_acceptance_leaves_the_2019_run_and_its_bulletin_unchanged(built):
    assert built["accepted_2020"] == "accepted"
    assert built["again_run"] == built["run_2019"]
    assert built["again_hash"] == built["hash_2019"]
    # the stored annex is made again byte for byte from its run
    assert built["regenerated_xlsx"] == built["2019"]["xlsx"]


def test_a_value_revised_after_the_day_is_read_as_it_stood_that_day(built):
    before, after = built["version_2019"], built["version_2019_after"]
    assert after.sha256 == before.sha256 and after.by_year == before.by_year and after.count == before.count
    now, day = built["queries"]
    assert day == now + 1  # one query more: the history of the values changed since the day
    assert built["as_of_day_again"].pk == built["as_of_day"].pk and built["as_of_day_again"].reused
    today = built["today"]
    assert today.pk != built["as_of_day"].pk and today.data_hash != built["as_of_day"].data_hash
    assert built["today_zh_i07"] == built["revised"][1]
    # the 2019 values and those before changed only in 2019: the earlier years' hashes agree
    assert dict(today.version.by_year)[2018] == dict(built["as_of_day"].version.by_year)[2018]


def test_the_2018_bulletin_supervision_holds_only_2018_milestones(built, tmp_path):
    assert built["sample_2020_milestones"] > 0  # there are others, of 2020
    book = load_workbook(io.BytesIO(built["2018"]["xlsx"]))
    rows = list(book["督查 Supervision"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3], r[6]) for r in rows] == [("JM", "完成首批智能制造示范项目遴选", "overdue")]
    counts = {
        r[0]: r[2:] for r in book["督查分地区 Supervision by locality"].iter_rows(min_row=2, values_only=True)
    }
    assert counts["JM"] == (1, 0, 1) and counts["ZH"] == (0, 0, 0) and counts["region"] == (1, 0, 1)
    text = _text(built["2018"]["pdf"], tmp_path)
    assert "截至2019年6月30日，各地2018年度行动计划共1个节点，其中逾期1个、有风险0个。" in text
    assert "示例数据】" not in text  # none of the sample's 2020 milestones
    # the 2019 bulletin: no 2019 action plan yet
    assert "各地尚未录入2019年度行动计划节点，本期无督查督办事项。" in _text(built["2019"]["pdf"], tmp_path)


def test_a_quarter_bulletin_supervises_the_milestones_due_in_it(built):
    q3, q4 = built["quarters"]["2018Q3"], built["quarters"]["2018Q4"]
    assert (q3.milestones, q3.rows, q3.scope, q3.quarter) == (0, (), "2018年第三季度到期", True)
    assert q4.milestones == 1 and [r.locality for r in q4.rows] == ["JM"] and q4.by_locality == {"JM": 1}


# --- print ---------------------------------------------------------------------------------------------


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return "".join(out.stdout.split())


@pytest.mark.parametrize("year", ["2018", "2019"])
def test_no_page_is_nearly_empty(built, year):
    pages = page_fill(built[year]["pdf"])
    assert len(pages) == built[year]["pages"]  # the stored PDF is the layout checked below
    thin = [(p.page, round(p.ink_rows, 2)) for p in pages[:-1] if p.ink_rows < MIN_FILL]
    assert not thin, f"{year}: nearly empty pages (page, share of rows with ink): {thin}"
    assert pages[-1].lines >= MIN_LAST_LINES


@pytest.mark.parametrize("year", ["2018", "2019"])
def test_no_table_leaves_one_row_alone_on_a_page(built, year):
    fragments = built[year]["fragments"]
    assert {f.table for f in fragments} >= {"headlines", "classes", "ranking", "indicators", "identifiers"}
    lone = [f for f in fragments if f.rows == 1 and f.total > 1]
    assert not lone, f"{year}: {lone}"
    # a short table is never split
    split_short = [f for f in fragments if f.rows != f.total and f.total <= 12]
    assert not split_short, f"{year}: {split_short}"


def test_identifiers_short_in_the_body_whole_in_the_annex(built, tmp_path):
    b = built["2018"]["bulletin"]
    text = _text(built["2018"]["pdf"], tmp_path)
    body, _, annex = text.partition("附件评估运行与数据版本完整标识")
    assert annex, "the annex is there"
    assert b.data_hash[:12] in body and b.data_hash not in body and b.run.input_hash not in body
    for digest in (b.data_hash, b.run.version.targets.sha256, b.run.input_hash, b.run.results_hash):
        assert digest in annex


def test_the_final_year_reads_met_nearly_met_not_met(built, tmp_path):
    text = _text(built["2019"]["pdf"], tmp_path)
    assert "2019年度为规划目标年，全区域" in text and "对照规划目标：完成" in text
    assert "进度超前0项" not in text
    headlines = text.partition("表2全区域主要指标完成情况（对照目标年目标）")[2]
    assert headlines.startswith("代码指标单位2019年实际目标值完成度完成情况")
    classes = text.partition("表3各地区指标完成情况分布（项）")[2]
    assert classes.startswith("地区完成基本完成未完成无年度目标")
    doc = Document(io.BytesIO(built["docx_2019"]))
    table = next(t for t in doc.tables if t.rows[0].cells[-1].text == "完成情况")
    assert len(table.columns) == 7 and table.rows[0].cells[5].text == "完成度"
    # an earlier year keeps both verdicts
    assert "符合序时进度" in _text(built["2018"]["pdf"], tmp_path)


def test_the_annex_counts_the_milestones_per_locality(built):
    book = load_workbook(io.BytesIO(built["2018"]["xlsx"]))
    rows = list(book["督查分地区 Supervision by locality"].iter_rows(min_row=2, values_only=True))
    assert all(r[4] is not None for r in rows)
    assert sum(r[4] for r in rows if r[0] != "region") == next(r[4] for r in rows if r[0] == "region")


def test_the_word_tables_keep_their_first_and_last_rows_company(built):
    doc = Document(io.BytesIO(built["docx_2019"]))
    table = next(t for t in doc.tables if len(t.rows) > 30)  # the indicators by unit

    def keeps(row: Any) -> bool:
        return all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs)

    rows = table.rows
    assert all(r._tr.trPr is not None and r._tr.trPr.find(qn("w:cantSplit")) is not None for r in rows)
    assert keeps(rows[0]) and keeps(rows[1]) and keeps(rows[-2]) and not keeps(rows[-1])
    assert not keeps(rows[5])  # a long table may break between its other rows
