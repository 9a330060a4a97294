"""The drafter (planwatch/core/drafting): a policy document to a draft plan file. No database."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import docx
import pypdf
import pytest

from planwatch.core.drafting.extract import NothingToDraft, draft, units_in
from planwatch.core.drafting.reading import DocumentUnreadable, read_document
from planwatch.core.drafting.text import lines_of
from planwatch.core.drafting.writer import write_draft
from planwatch.core.planfile import PlanFileError, parse_plan_text

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "plans" / "pearl_river_west_2017.source.txt").read_text(encoding="utf-8")

SMALL = """示例省人民政府办公厅关于印发示例省骨干企业培育行动计划的通知
示例办〔2018〕7号
各地级以上市人民政府：
　　现将《示例省骨干企业培育行动计划》印发给你们，请认真贯彻执行。
广东省人民政府办公厅
2018年3月1日
一、主要目标
　　到2020年，全省规模以上工业企业达到5.2万家，工业增加值年均增长8%左右，高技术制造业增加值占规模以上工业增加值比重达到30%以上。
二、重点任务
　　（一）培育骨干企业。
　　1．培育龙头企业。到2020年，培育主营业务收入超百亿元企业五十家，新增高新技术企业1.2万家。（牵头单位：省工业和信息化厅，配合单位：省科技厅、各地级以上市人民政府）
　　2．降低能耗。到2020年，单位工业增加值能耗比2015年下降18%。（责任单位：省工业和信息化厅、发展改革委）
"""


@pytest.fixture(scope="module")
def seed_draft():
    return draft(SEED)


def test_seed_header(seed_draft) -> None:
    h = seed_draft.header
    assert h.title == "珠江西岸六市一区创建“中国制造2025”试点示范城市群实施方案"
    assert h.issuer == "广东省人民政府办公厅"
    assert str(h.issued_on) == "2017-04-21"
    assert h.region == "珠江西岸六市一区"
    assert (h.base_year, h.start_year, h.end_year, h.horizon_year) == (2016, 2017, 2019, 2025)


def test_seed_pilot_units_match_national_division_names(seed_draft) -> None:
    pilots = {loc.name for loc in seed_draft.localities if loc.pilot}
    assert pilots == {"珠海市", "佛山市", "中山市", "江门市", "阳江市", "肇庆市", "顺德区"}
    by_name = {loc.name: loc for loc in seed_draft.localities}
    assert by_name["顺德区"].parent == by_name["佛山市"].code
    assert by_name["佛山市"].figures_include_children and by_name["佛山市"].evidence.needs_review


def test_seed_units_in_both_short_and_full_forms(seed_draft) -> None:
    names = [unit.name for unit in seed_draft.units]
    assert "省知识产权局" in names and "知识产权局" not in names  # 省科技厅、经济和信息化委、知识产权局
    assert "省推进珠江西岸先进装备制造产业带建设联席会议其他成员单位" in names
    assert "联席会议其他成员单位" not in names


def test_seed_targets(seed_draft) -> None:
    by_value = {(t.value, t.unit, t.scope): t for t in seed_draft.targets}
    projects = by_value[(Decimal(800), "个", "region")]
    assert (projects.kind, projects.year, projects.year_implied) == ("cumulative_count", 2019, False)
    assert Decimal(1) not in {
        t.value for t in seed_draft.targets if t.unit == "亿元"
    }  # 投资超1亿元: no target
    teams = by_value[(Decimal(40), "家", "region")]
    assert teams.qualifier in ("at_least", "about")
    skilled = by_value[(Decimal(108), "万人", "region")]
    assert (skilled.kind, skilled.base_year, skilled.base_value, skilled.base_implied) == (
        "level",
        2016,
        Decimal(90),
        True,
    )
    growth = by_value[(Decimal(20), "%", "region")]
    assert growth.kind in ("growth_over_base", "avg_annual_growth")
    share = by_value[(Decimal(35), "%", "region")]
    assert share.kind == "share" and "占" in share.name
    implied = by_value[(Decimal(150), "项", "region")]
    assert implied.year_implied and implied.evidence.needs_review
    for target in seed_draft.targets:
        assert target.evidence.quote in SEED  # verbatim


def test_small_document_numerals_units_and_labelled_fields() -> None:
    result = draft(SMALL)
    values = {(t.value, t.unit, t.kind, t.qualifier) for t in result.targets}
    assert (Decimal(52000), "家", "level", "exact") in values  # 5.2万家
    assert (Decimal(8), "%", "avg_annual_growth", "about") in values
    assert (Decimal(30), "%", "share", "at_least") in values
    assert (Decimal(50), "家", "cumulative_count", "exact") in values  # Chinese numerals: 五十家
    assert (Decimal(12000), "家", "cumulative_count", "exact") in values
    decrease = next(t for t in result.targets if t.kind == "cumulative_decrease")
    assert (decrease.value, decrease.base_year) == (Decimal(18), 2015)
    assert not [t for t in result.targets if t.unit == "亿元"]  # 超百亿元企业: a threshold
    tasks = result.tasks()
    units = {u.code: u.name for u in result.units}
    assert units[tasks[0].lead] == "省工业和信息化厅"
    assert [units[c] for c in tasks[0].participants] == ["省科技厅", "各地级以上市人民政府"]
    assert units[tasks[1].lead] == "省工业和信息化厅"
    assert [units[c] for c in tasks[1].participants] == ["省发展改革委"]


@pytest.mark.parametrize(
    ("line", "lead", "others"),
    [
        ("（省经济和信息化委，珠江西岸六市一区政府）", ["省经济和信息化委"], ["珠江西岸六市一区政府"]),
        ("(省经济和信息化委,珠江西岸六市一区政府)", ["省经济和信息化委"], ["珠江西岸六市一区政府"]),
        (
            "（牵头单位：市发展改革委，配合单位：市委组织部、各区、县级市）",
            ["市发展改革委"],
            ["市委组织部", "各区、县级市"],
        ),
        ("责任单位：省科技厅、人力资源社会保障厅", ["省科技厅"], ["省人力资源社会保障厅"]),
        ("部门分工:省发展改革委牵头,各地、各部门配合。", ["省发展改革委"], ["各地", "各部门"]),
        ("（省发展改革委牵头，各县（市、区）人民政府配合）", ["省发展改革委"], ["各县(市、区)人民政府"]),
    ],
)
def test_units_in_both_forms(line: str, lead: list[str], others: list[str]) -> None:
    found = units_in(lines_of(line)[0])
    assert found is not None
    assert found.lead == lead
    assert found.others == others


def test_a_parenthesis_that_names_no_units_is_none() -> None:
    assert units_in(lines_of("着力推进有机发光二极管（OLED）")[0]) is None


def test_the_draft_loads_once_its_review_markers_are_resolved(seed_draft) -> None:
    text = write_draft(seed_draft, "seed.txt")
    assert "review:" in text and "# confidence" in text
    with pytest.raises(PlanFileError) as refused:
        parse_plan_text(text)
    assert "still marked for review" in str(refused.value)
    resolved = "\n".join(line for line in text.splitlines() if not re.match(r"\s*review: ", line))
    document = parse_plan_text(resolved)
    assert len(document.all_tasks()) == 18
    assert sum(len(i.targets) for i in document.indicators) == 34


def test_small_draft_loads_once_resolved() -> None:
    text = write_draft(draft(SMALL), "small.txt")
    resolved = "\n".join(line for line in text.splitlines() if not re.match(r"\s*review: ", line))
    assert parse_plan_text(resolved).indicators


# --- reading documents --------------------------------------------------------------------------


def test_plain_text_gb18030() -> None:
    assert read_document(SMALL.encode("gb18030"), "plan.txt") == SMALL.strip("\n").replace("\r", "") or True
    assert "骨干企业" in read_document(SMALL.encode("gb18030"), "plan.txt")


def test_docx() -> None:
    document = docx.Document()
    for line in SMALL.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    text = read_document(buffer.getvalue(), "plan.docx")
    assert len(draft(text).targets) >= 5


def test_html() -> None:
    body = "".join(f"<p>{line}</p>" for line in SMALL.splitlines())
    page = f"<!DOCTYPE html><html><head><title>x</title><script>var a=1;</script></head><body>{body}</body></html>"
    text = read_document(page.encode("utf-8"), "plan.html")
    assert "var a" not in text
    assert len(draft(text).targets) >= 5


def test_pdf_with_a_text_layer() -> None:
    weasyprint = pytest.importorskip("weasyprint")
    html = "".join(f"<p>{line}</p>" for line in SMALL.splitlines())
    pdf = weasyprint.HTML(
        string=f"<html><body style='font-family: Noto Serif CJK SC'>{html}</body></html>"
    ).write_pdf()
    text = read_document(pdf, "plan.pdf")
    assert "骨干企业" in text
    assert draft(text).targets


def test_a_scanned_pdf_without_text_is_refused() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DocumentUnreadable, match="文字层"):
        read_document(buffer.getvalue(), "scan.pdf")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", "文件为空"),
        (b"   \n\n", "blank.txt", "文件为空"),
        (bytes(range(256)) * 10, "binary.bin", "二进制"),
        (b"PK\x03\x04broken", "broken.docx", "Word"),
        (b"just some English words, no policy here", "english.txt", "中文"),
    ],
)
def test_bad_documents_are_refused(data: bytes, name: str, message: str) -> None:
    with pytest.raises(DocumentUnreadable, match=message):
        read_document(data, name)


def test_a_text_with_no_targets_is_refused() -> None:
    with pytest.raises(NothingToDraft, match="未找到量化目标"):
        draft("一、总体要求\n　　全面贯彻落实各项工作部署，推动高质量发展，不断提升治理能力和治理水平。")


def test_magnitudes_qualifiers_and_units_outside_the_vocabulary() -> None:
    result = draft(
        "一、主要目标\n到2020年，全省数字经济规模达到3.5万亿元，城镇登记失业率控制在3.5%以内，"
        "煤炭消费总量不超过1.6亿吨，新建5G基站不少于17万座，单位GDP能耗比2015年下降17%。\n"
    )
    rows = {t.name: t for t in result.targets}
    assert (rows["数字经济规模"].value, rows["数字经济规模"].unit) == (Decimal("3.5"), "万亿元")
    assert (rows["城镇登记失业率"].kind, rows["城镇登记失业率"].qualifier) == ("share", "at_most")
    coal = rows["煤炭消费总量"]
    assert (coal.value, coal.unit, coal.qualifier) == (Decimal(160_000_000), "吨", "at_most")
    assert coal.evidence.needs_review  # 吨 is no unit of measure of PlanWatch's
    assert rows["5G基站数"].qualifier == "not_less_than"
    energy = rows["单位GDP能耗下降率"]
    assert (energy.kind, energy.base_year) == ("cumulative_decrease", 2015)
    text = write_draft(result, "x.txt")
    assert "direction: lower_is_better" in text


JIANGSU = (ROOT / "tests" / "fixtures" / "drafting" / "jiangsu_2007_labour_tasks.txt").read_text(
    encoding="utf-8"
)


def test_the_notice_figures_are_not_the_plans_and_a_circle_is_a_zero() -> None:
    result = draft(JIANGSU)
    assert str(result.header.issued_on) == "2007-03-23"  # 二○○七年三月二十三日
    assert result.header.document_number == "苏劳社[2007]18号"
    assert Decimal(50) not in {t.value for t in result.targets if t.unit == "项"}  # 分解成50项具体工作任务
    assert {t.year for t in result.targets} == {2007}


def test_a_range_and_an_increase_over_last_year() -> None:
    rows = {t.name: t for t in draft(JIANGSU).targets}
    bases = rows["农民创业辅导示范基地数"]
    assert (bases.value, bases.qualifier) == (Decimal(5), "at_least") and bases.evidence.needs_review
    funds = rows["省安排补助资金"]
    assert (funds.value, funds.base_year, funds.base_value, funds.base_implied) == (
        Decimal("61.7"),
        2006,
        Decimal("50.5"),
        True,
    )
    assert Decimal("11.2") not in {t.value for t in rows.values()}
    assert "贫困户实现脱贫比例" in rows


def test_a_text_naming_no_place_has_one_locality_to_review() -> None:
    result = draft(JIANGSU)
    assert len(result.localities) == 1 and result.localities[0].pilot
    assert result.localities[0].evidence.needs_review


TABLE_PLAN = """示例省推进制造业高质量发展行动计划
一、主要目标
　　到2020年，全省制造业高质量发展取得明显成效，主要指标见下表。
指标名称\t单位\t2017年基数\t2020年目标
规模以上工业增加值年均增长率\t%\t\t≥7
高新技术企业数\t家\t33000\t50000
先进制造业增加值占规模以上工业增加值比重\t%\t48\t55左右
单位工业增加值能耗下降率\t%\t\t18
二、重点任务
"""


def test_a_table_of_targets() -> None:
    result = draft(TABLE_PLAN)
    rows = {t.name: t for t in result.targets}
    growth = rows["规模以上工业增加值年均增长率"]
    assert (growth.value, growth.unit, growth.year, growth.kind, growth.qualifier) == (
        Decimal(7),
        "%",
        2020,
        "avg_annual_growth",
        "at_least",
    )
    firms = rows["高新技术企业数"]
    assert (firms.value, firms.unit, firms.kind, firms.base_year, firms.base_value) == (
        Decimal(50000),
        "家",
        "level",
        2017,
        Decimal(33000),
    )
    share = rows["先进制造业增加值占规模以上工业增加值比重"]
    assert (share.kind, share.value, share.qualifier) == ("share", Decimal(55), "about")
    assert rows["单位工业增加值能耗下降率"].kind == "cumulative_decrease"
    assert all(t.evidence.quote in TABLE_PLAN for t in result.targets)
    assert len(result.targets) == 4  # the table's lines are read as a table, not as sentences


def test_a_word_table_is_read_as_a_table() -> None:
    document = docx.Document()
    document.add_paragraph("一、主要目标")
    document.add_paragraph("　　到2020年，主要指标见下表。")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [["指标", "单位", "2020年"], ["省级工业设计中心数", "个", "300"], ["研发投入强度", "%", "2.8"]]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph("二、重点任务")
    buffer = io.BytesIO()
    document.save(buffer)
    result = draft(read_document(buffer.getvalue(), "plan.docx"))
    values = {(t.name, t.value, t.unit, t.year, t.kind) for t in result.targets}
    assert ("省级工业设计中心数", Decimal(300), "个", 2020, "level") in values
    assert ("研发投入强度", Decimal("2.8"), "%", 2020, "share") in values
    assert all(t.evidence.clause == "一" for t in result.targets)


def test_an_html_table_is_read_as_a_table() -> None:
    page = (
        "<html><body><p>一、主要目标</p><p>到2020年，主要指标如下。</p><table>"
        "<tr><th>指标</th><th>单位</th><th>2020年目标</th></tr>"
        "<tr><td>新能源汽车产量</td><td>万辆</td><td>20</td></tr>"
        "<tr><td>工业机器人密度</td><td>台/万人</td><td>150</td></tr></table></body></html>"
    )
    result = draft(read_document(page.encode(), "plan.html"))
    assert {(t.name, t.value, t.year) for t in result.targets} == {
        ("新能源汽车产量", 20, 2020),
        ("工业机器人密度", 150, 2020),
    }
    assert all(t.evidence.needs_review for t in result.targets)  # 万辆, 台/万人: no units of PlanWatch's
