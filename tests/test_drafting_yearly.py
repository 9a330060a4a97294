"""The drafter on a multi-year plan with yearly lines (issue 19): a span's cumulative figures, the
yearly figures that add up to them, a figure per person, a yearly growth that repeats an average
annual one, and a task section whose items name no unit. The text is sample data (示例数据)."""

from __future__ import annotations

import re
from decimal import Decimal

from planwatch.core.drafting.extract import draft
from planwatch.core.drafting.model import Draft, DraftTarget
from planwatch.core.drafting.review import Decision, apply_review
from planwatch.core.drafting.writer import write_draft
from planwatch.core.planfile import parse_plan_text

YEARLY = """各地级以上市人民政府、各县（市、区）人民政府，省有关部门：
　　经省人民政府同意，现将《示例省智能制造三年行动计划（2019－2021年）》印发给你们，请认真贯彻执行。
示例省工业和信息化厅
2019年2月1日
示例省智能制造三年行动计划（2019－2021年）
一、工作目标
　　2019年至2021年，力争建设智能制造示范项目超过90个，智能化改造投资年均增长15%以上，累计完成投资1.2万亿元以上，劳动生产率年均提高2万元/人。
　　——2019年：建设智能制造示范项目25个，完成智能化改造投资3500亿元、增长15%以上。劳动生产率达20万元/人左右。
　　——2020年：建设智能制造示范项目30个，完成智能化改造投资4000亿元、增长15%以上。
　　——2021年：建设智能制造示范项目35个，完成智能化改造投资4500亿元、增长18%以上。
二、主要任务
　　（一）推广智能装备。引导企业应用工业机器人。
　　（二）建设智能工厂。支持企业建设数字化车间。
"""


def _targets(d: Draft) -> dict[tuple[str, int], DraftTarget]:
    return {(t.name, t.year): t for t in d.targets}


def _resolved(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not re.match(r"\s*review: ", line))


def test_a_yearly_line_gives_its_year_and_a_figure_per_person_is_not_drafted() -> None:
    d = draft(YEARLY)
    years = {t.year for t in d.targets}
    assert years == {2019, 2020, 2021}
    assert not any(t.year_implied for t in d.targets)
    assert not any(t.unit == "万元" for t in d.targets)  # 2万元/人, 20万元/人左右


def test_a_count_over_the_span_takes_the_yearly_counts_as_running_totals() -> None:
    d = draft(YEARLY)
    counts = sorted((t.year, t.value, t.kind, t.qualifier) for t in d.targets if t.unit == "个")
    assert counts == [
        (2019, Decimal(25), "cumulative_count", "exact"),
        (2020, Decimal(55), "cumulative_count", "exact"),
        (2021, Decimal(90), "cumulative_count", "over"),  # the stated total; 35 is not drafted again
    ]
    names = {t.name for t in d.targets if t.unit == "个"}
    assert len(names) == 1
    running = next(t for t in d.targets if t.unit == "个" and t.year == 2020)
    assert running.figure_note == "2019年25个与2020年30个之和（智能制造示范项目数）。"


def test_a_sum_over_the_span_has_its_yearly_component_and_running_totals() -> None:
    d = draft(YEARLY)
    sums = sorted((t.year, t.value, t.qualifier) for t in d.targets if t.kind == "cumulative_sum")
    assert sums == [(2020, Decimal("0.75"), "exact"), (2021, Decimal("1.2"), "at_least")]
    assert all(t.unit == "万亿元" for t in d.targets if t.kind == "cumulative_sum")
    yearly = sorted((t.year, t.value) for t in d.targets if t.unit == "亿元")
    assert yearly == [(2019, Decimal(3500)), (2020, Decimal(4000)), (2021, Decimal(4500))]
    assert all(t.kind == "level" for t in d.targets if t.unit == "亿元")
    text = write_draft(d, "yearly.txt")
    document = parse_plan_text(_resolved(text))
    by_kind = {ind.kind.value: ind for ind in document.indicators if ind.kind.value != "level"}
    total = by_kind["cumulative_sum"]
    level = next(ind for ind in document.indicators if ind.unit == "亿元")
    assert total.components == {"yearly": level.code}
    assert len(level.targets) == 3  # one indicator for the three yearly lines
    note = next(t.figure_note for t in total.targets if t.year == 2020)
    assert note is not None and note.zh == "2019年3500亿元与2020年4000亿元之和（完成智能化改造投资）。"


def test_a_yearly_growth_that_repeats_the_average_annual_one_is_not_drafted_again() -> None:
    d = draft(YEARLY)
    growth = sorted((t.kind, t.year, t.value) for t in d.targets if t.unit == "%")
    # 增长15%以上 in 2019 and 2020 repeat 年均增长15%以上; 2021's 18% does not
    assert growth == [("avg_annual_growth", 2021, Decimal(15)), ("growth_over_base", 2021, Decimal(18))]
    named = next(t for t in d.targets if t.kind == "growth_over_base")
    assert named.name == "完成智能化改造投资增长率"  # the growth of the figure before its 、
    document = parse_plan_text(_resolved(write_draft(d, "yearly.txt")))
    average = next(ind for ind in document.indicators if ind.kind.value == "avg_annual_growth")
    level = next(ind for ind in document.indicators if ind.unit == "亿元")
    assert average.components == {"level": level.code}  # its yearly growth was that level's
    assert average.aggregation.value == "recompute"


def test_yearly_figures_short_of_the_total_are_marked_for_review() -> None:
    d = draft(YEARLY.replace("示范项目35个", "示范项目30个"))
    total = next(t for t in d.targets if t.unit == "个" and t.year == 2021)
    assert total.value == 90 and total.evidence.needs_review
    assert any("各年数之和为85个" in reason for reason in total.evidence.review)


def test_yearly_lines_without_a_span_stay_yearly_figures() -> None:
    d = draft(YEARLY.replace("2019年至2021年，", ""))
    counts = sorted((t.year, t.value) for t in d.targets if t.unit == "个" and t.year != 2021)
    assert counts == [(2019, Decimal(25)), (2020, Decimal(30))]


def test_a_task_section_without_units_is_led_by_the_issuer_with_the_addressed_governments() -> None:
    d = draft(YEARLY)
    tasks = d.tasks()
    assert [(t.evidence.clause, t.title) for t in tasks] == [
        ("二（一）", "推广智能装备"),
        ("二（二）", "建设智能工厂"),
    ]
    units = {u.code: u.name for u in d.units}
    assert all(units[t.lead] == "示例省工业和信息化厅" for t in tasks if t.lead)
    assert all([units[c] for c in t.participants] == ["各地级以上市人民政府"] for t in tasks)
    assert all(t.evidence.needs_review for t in tasks)
    assert all(u.evidence.needs_review for u in d.units)
    document = parse_plan_text(_resolved(write_draft(d, "yearly.txt")))
    assert len(document.all_tasks()) == 2


def test_the_reviewer_names_the_plan_code_and_a_bad_one_is_refused_by_its_item() -> None:
    """The plan's code is the reviewer's to give (draft-<end year> until then); a code a page
    address cannot take blocks saving, named as a reader names the item (方案)."""
    d = draft(YEARLY)
    assert "code: draft-2021" in write_draft(d, "plan.txt")
    blockers = apply_review(d, {"header": Decision(checked=True, fields={"code": "sd-zn-2019"})})
    assert "header" not in {b.item for b in blockers}
    assert "code: sd-zn-2019" in write_draft(d, "plan.txt")
    unchecked = next(b for b in blockers if b.item == "locality-0")  # each language its own half
    assert unchecked.label_zh == "地区1" and " / " not in unchecked.zh and " / " not in unchecked.en
    refused = apply_review(draft(YEARLY), {"header": Decision(checked=True, fields={"code": "智能 制造"})})
    [blocker] = [b for b in refused if b.item == "header"]
    assert (blocker.label_zh, blocker.label_en) == ("方案", "Plan")
    assert blocker.zh.startswith("方案编码只能由字母、数字、连字符和下划线组成")


def test_a_figure_left_out_is_named_for_the_reviewer() -> None:
    """劳动生产率 in 万元/人 is no unit of PlanWatch's: not drafted, but named in the file's header."""
    d = draft(YEARLY)
    assert d.left_out == ["2万元/人", "20万元/人"]
    assert "# Figures read but not drafted (a unit PlanWatch does not have): 2万元/人、20万元/人." in (
        write_draft(d, "plan.txt")
    )
