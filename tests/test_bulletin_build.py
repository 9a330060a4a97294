"""Bulletins built from the sample data: the DOCX, XLSX and PDF carry the cited run's ranking, the
PDF embeds its CJK font, a rebuild from the same run gives the same files, and unaccepted values are
read only when asked for — and then said on the first page.

The bulletins are built once for the module (a few seconds each) inside a transaction rolled back at
the end; the tests read the plain data the fixture returns.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from planwatch.core import numbers
from tests.conftest import SEED_PLAN

AS_OF = dt.date(2019, 6, 30)
# The tests read plain data, but the module fixture needs the test database set up.
pytestmark = pytest.mark.django_db


def _files(bulletin: Any) -> dict[str, bytes]:
    out = {}
    for fmt in bulletin.formats:
        with bulletin.file_of(fmt).open("rb") as fh:
            out[fmt] = fh.read()
    return out


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Any]:
    from planwatch.bulletins import services
    from planwatch.core.bulletin import BulletinError
    from planwatch.demo.sample import load_sample
    from planwatch.evaluation.runs import parameters_from_options
    from planwatch.kernel import audit
    from planwatch.kernel.models import AuditEvent
    from planwatch.plans.loader import load_plan_file
    from planwatch.reporting.models import ReportedValue
    from planwatch.supervision.models import ActionPlan, Milestone
    from tests.audit import backdate

    media = tmp_path_factory.mktemp("media")
    data: dict[str, Any] = {}
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        plan = load_plan_file(SEED_PLAN).plan
        load_sample(plan)
        # The bulletin evaluates the values as they stood on its day (AS_OF): the sample's stood
        # accepted since March 2019.
        ReportedValue.objects.filter(indicator__plan=plan).update(
            updated_at=timezone.make_aware(dt.datetime(2019, 3, 1, 9, 0))
        )
        # 珠海 first submitted its 2018 values on 10 May 2019, 40 days after the due date.
        zh_value = ReportedValue.objects.filter(
            locality__code="ZH", period__code="2018", indicator__code="I01"
        ).get()
        entry = audit.record("value.submit", None, zh_value.audit_subject())
        backdate(AuditEvent.objects.filter(pk=entry.pk), timezone.make_aware(dt.datetime(2019, 5, 10, 9, 0)))
        # One overdue milestone of 江门's 2018 action plan (load_sample's are of 2020: not in the
        # 2018 bulletin).
        ap = ActionPlan.objects.create(plan=plan, locality=plan.localities.get(code="JM"), year=2018)
        Milestone.objects.create(
            action_plan=ap,
            task=plan.tasks.order_by("order").first(),
            title="完成首批智能制造示范项目遴选",
            due_on=dt.date(2019, 5, 31),
            status=Milestone.Status.IN_PROGRESS,
            percent=40,
        )

        steps: list[str] = []
        a = services.build_bulletin(plan, "2018", as_of=AS_OF, progress=steps.append)
        data["a"] = a
        data["a_files"] = _files(a)
        data["a_run"] = a.run.results
        data["steps"] = steps
        data["names"] = dict(plan.localities.values_list("code", "name_zh"))

        # A value is changed and sent back for acceptance: submitted, not accepted.
        old = zh_value.value
        ReportedValue.objects.filter(pk=zh_value.pk).update(
            value=old + 50, status=ReportedValue.Status.SUBMITTED, version=zh_value.version + 1
        )
        data["old_value"], data["new_value"] = float(old), float(old + 50)
        data["a_again"] = services.regenerate(a)
        quick = parameters_from_options(sensitivity=False)
        b = services.build_bulletin(
            plan, "2018", as_of=AS_OF, include_unaccepted=True, formats=["xlsx", "pdf"], params=quick
        )
        data["b"], data["b_files"] = b, _files(b)
        c = services.build_bulletin(plan, "2018", as_of=AS_OF, formats=["xlsx"], params=quick)
        data["c"], data["c_files"] = c, _files(c)
        try:
            services.build_bulletin(plan, "2018", as_of=AS_OF, run=b.run, formats=["xlsx"])
        except BulletinError as exc:
            data["refused"] = exc
        transaction.set_rollback(True)
    return data


def ranking_of(results: dict[str, Any]) -> list[dict[str, Any]]:
    return results["composite"]["scores"]


def test_progress_steps_are_reported(built):
    assert built["steps"][0] == "evaluating the year"
    assert {"drawing charts", "writing docx", "writing pdf", "writing xlsx"} <= set(built["steps"])


def test_docx_ranking_table_equals_the_run(built):
    doc = Document(io.BytesIO(built["a_files"]["docx"]))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "排名")
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    expected = ranking_of(built["a_run"])
    assert len(rows) == len(expected) == 7
    for row, score in zip(rows, expected, strict=True):
        assert row[0].rstrip("*△") == str(score["rank"])
        assert row[0].endswith("△") == bool(score["binding_failed"])  # marked: the default consequence
        assert row[1] == built["names"][score["locality"]]
        assert row[2] == numbers.score(score["score"])
        assert row[-2] == str(score["previous_rank"])
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    # the office's words (prefilled in a draft) first and last, the generated sections between
    assert headings[:7] == [
        "一、总体评价",
        "二、主要做法和成效",
        "三、约束性指标",
        "四、总体进展",
        "五、综合评估排名",
        "六、各地区指标完成情况",
        "七、滞后地区和指标预警",
    ]
    assert headings[-5:] == [
        "八、督查督办情况",
        "九、数据报送情况",
        "十、存在问题",
        "十一、下一步工作",
        "十二、数据来源",
    ]
    # the binding indicators' table comes first, I29 at every pilot unit
    first = next(t for t in doc.tables if len(t.columns) > 1)
    assert [c.text for c in first.rows[0].cells][:2] == ["代码", "指标"] and first.rows[1].cells[
        0
    ].text == "I29"
    checks = {c["locality"]: c["status"] for c in built["a_run"]["binding"]}
    words = {"pass": "达标", "fail": "未达标", "not_reported": "未报送", "no_target": "无目标"}
    assert [c.text.split("\n")[0] for c in first.rows[1].cells[2:]] == [words[s] for s in checks.values()]
    # the ranking says the leader depends on the method (it does, on the sample data)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert built["a_run"]["sensitivity"]["leader_varies"]
    assert "第一名随方法变化：" in text and "佛山市的数据包含顺德区的数据" in text
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert any(c.startswith("图1 ") for c in captions) and any(c.startswith("表3 ") for c in captions)
    assert len(doc.inline_shapes) == 3  # ranking bars, map, trend


def test_docx_tables_have_their_column_widths_in_the_grid(built):
    """LibreOffice and WPS lay a table out by its grid, not by its cells: the indicator names need
    a wide column there too."""
    doc = Document(io.BytesIO(built["a_files"]["docx"]))
    table = next(t for t in doc.tables if len(t.columns) > 1 and t.rows[0].cells[1].text == "指标")
    grid = [col.width for col in table.columns]
    assert grid[1] > 3 * grid[0]
    assert [c.width for c in table.rows[1].cells] == grid


def test_docx_first_page_says_sample_data_and_cites_the_run(built):
    doc = Document(io.BytesIO(built["a_files"]["docx"]))
    a = built["a"]
    assert doc.sections[0].header.paragraphs[0].text.startswith("示例数据")
    first = "\n".join(p.text for p in doc.paragraphs[:8])
    assert f"评估运行 #{a.run_id}" in first and a.data_hash[:12] in first
    box = doc.tables[0].rows[0].cells[0].text
    assert box.startswith("示例数据")


def test_xlsx_ranking_equals_the_run_and_cites_it(built):
    book = load_workbook(io.BytesIO(built["a_files"]["xlsx"]))
    rows = list(book["排名 Ranking"].iter_rows(min_row=2, values_only=True))
    expected = ranking_of(built["a_run"])
    assert [(r[0], r[1], r[3], r[-4], r[-3]) for r in rows] == [
        (s["rank"], s["locality"], s["score"], s["previous_rank"], s["rank_change"]) for s in expected
    ]
    info = dict(book["通报 Bulletin"].iter_rows(min_row=2, values_only=True))
    assert info["评估运行 evaluation run"] == built["a"].run_id
    assert info["数据版本 data version sha256"] == built["a"].data_hash
    assert info["示例数据 sample data"] is True and info["含未确认数据 includes unaccepted"] is False
    # every indicator of every pilot unit and the region: the text's 35 and the 3 derived ones
    # (PW01–PW03), which are named with their mark
    indicators = list(book["指标 Indicators"].iter_rows(min_row=2, values_only=True))
    assert len(indicators) == (35 + 3) * 8
    assert any("PlanWatch 口径，非方案原文" in str(cell) for row in indicators for cell in row)


def test_xlsx_names_the_late_reporter_and_the_overdue_milestone(built):
    book = load_workbook(io.BytesIO(built["a_files"]["xlsx"]))
    late = list(book["迟报 Late"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[7]) for r in late] == [("ZH", "2018", 40)]
    supervision = list(book["督查 Supervision"].iter_rows(min_row=2, values_only=True))
    # Only the 2018 action plans: load_sample's sample plans of 2020 are not the 2018 bulletin's.
    assert [(r[0], r[3], r[6], r[7]) for r in supervision] == [
        ("JM", "完成首批智能制造示范项目遴选", "overdue", 30)
    ]
    by_locality = {
        r[0]: r[2:] for r in book["督查分地区 Supervision by locality"].iter_rows(min_row=2, values_only=True)
    }
    assert by_locality["JM"] == (1, 0, 1) and by_locality["region"] == (
        1,
        0,
        1,
    )  # overdue, at risk, milestones
    assert by_locality["ZH"] == (0, 0, 0)


def pdf_text(data: bytes, tmp_path: Path, first_page_only: bool = False) -> str:
    path = tmp_path / "b.pdf"
    path.write_bytes(data)
    pages = ["-f", "1", "-l", "1"] if first_page_only else []
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_text_has_the_chinese_title_and_the_run_numbers(built, tmp_path):
    text = pdf_text(built["a_files"]["pdf"], tmp_path)
    compact = "".join(text.split())
    assert "珠江西岸六市一区创建“中国制造2025”试点示范城市群工作进展情况通报" in compact
    for score in ranking_of(built["a_run"]):
        assert numbers.score(score["score"]) in text
        assert built["names"][score["locality"]] in text
    first = "".join(pdf_text(built["a_files"]["pdf"], tmp_path, first_page_only=True).split())
    assert "示例数据" in first and f"评估运行#{built['a'].run_id}" in first


def test_pdf_embeds_its_fonts(built, tmp_path):
    path = tmp_path / "b.pdf"
    path.write_bytes(built["a_files"]["pdf"])
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = out.splitlines()[2:]
    assert fonts, out
    assert any("PWCJK" in line for line in fonts)
    for line in fonts:
        assert line.split()[-5] == "yes", line  # emb


def test_rebuilding_from_the_same_run_gives_the_same_files(built, tmp_path):
    again = built["a_again"]
    assert again["docx"] == built["a_files"]["docx"]
    assert again["xlsx"] == built["a_files"]["xlsx"]
    assert pdf_text(again["pdf"], tmp_path) == pdf_text(built["a_files"]["pdf"], tmp_path)


def indicator_value(xlsx: bytes, indicator: str, scope: str) -> Any:
    book = load_workbook(io.BytesIO(xlsx))
    for row in book["指标 Indicators"].iter_rows(min_row=2, values_only=True):
        if row[0] == indicator and row[3] == scope:
            return row[5]
    raise AssertionError(f"{indicator} {scope} not in the annex")


def test_unaccepted_values_are_read_only_when_asked_and_said_on_the_first_page(built, tmp_path):
    a, b, c = built["a"], built["b"], built["c"]
    assert not a.includes_unaccepted and not c.includes_unaccepted
    # Asked for: the submitted value is read and the first page says so.
    assert b.includes_unaccepted and b.run.includes_unaccepted
    assert indicator_value(built["b_files"]["xlsx"], "I01", "ZH") == built["new_value"]
    first = "".join(pdf_text(built["b_files"]["pdf"], tmp_path, first_page_only=True).split())
    assert "含未确认数据" in first
    # Not asked for: the value no longer accepted is not read at all.
    assert indicator_value(built["a_files"]["xlsx"], "I01", "ZH") == built["old_value"]
    assert indicator_value(built["c_files"]["xlsx"], "I01", "ZH") is None
    assert c.run_id not in (a.run_id, b.run_id)
    # A run that read unaccepted values is refused unless the bulletin asks for them.
    assert "unaccepted" in built["refused"].en


def test_the_2018_bulletin_calls_i29_missed_only_against_a_2018_target(built, tmp_path):
    """I29 (binding): in 2018 a locality misses it only against its own 2018 target, as table 4 and
    the dashboard show it; section 四 lists exactly those as 未达标."""
    i29 = [r for r in built["a_run"]["indicators"] if r["indicator"] == "I29" and r["year"] == 2018]
    missed = {r["scope"] for r in i29 if r["annual"] in ("nearly_met", "not_met")}
    assert all(r["annual"] != "no_target" or r["scope"] not in missed for r in i29)
    book = load_workbook(io.BytesIO(built["a_files"]["xlsx"]))
    warnings = list(book["预警 Warnings"].iter_rows(min_row=2, values_only=True))
    listed = {str(w[1]).split(":")[1] for w in warnings if w[0] == "binding"}
    assert listed == missed
    compact = "".join(pdf_text(built["a_files"]["pdf"], tmp_path).split())
    assert "约束性指标）未达标" not in compact


def test_section_seven_and_the_cover_in_words(built, tmp_path):
    text = pdf_text(built["a_files"]["pdf"], tmp_path)
    compact = "".join(text.split())
    assert (
        "评估参数：加权求和·目标值标准化·指标等权、维度方案权重·约束性指标未达标者标注·敏感性±20%×1000次"
        in compact
    )
    assert "读取数值状态：已确认" in compact and "软件版本：PlanWatch" in compact
    for code in ("weighted_sum", "equal/plan", "accepted", "计算引擎"):
        assert code not in compact
    as_of = built["a"].data_version["as_of"]  # 2026-11-24T11:52:20.176+08:00 as stored
    shown = f"{as_of[:10]}{as_of[11:16]}"  # 2026-11-2411:52 once the spaces are gone
    first = "".join(pdf_text(built["a_files"]["pdf"], tmp_path, first_page_only=True).split())
    assert f"截至{shown}" in first and as_of[:19] not in first
    book = load_workbook(io.BytesIO(built["a_files"]["xlsx"]))
    headlines = book["指标 Indicators"]
    completion = [cell for row in headlines.iter_rows(min_row=2, min_col=8, max_col=8) for cell in row]
    assert all(c.number_format == "0.0%" for c in completion if c.value is not None)
