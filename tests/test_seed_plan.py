"""The shipped plan file checked against the plan's own text.

The expected tables below were written by reading the source text
(plans/pearl_river_west_2017.source.txt), not by copying the plan file: every target with its value,
unit, year, scope and clause, and every task's lead and participating units from the parentheses at
the end of its paragraph. Where the text is silent and the plan file makes a judgement (a year left
unsaid, 基本实现 read as 100 %, Foshan's figures including Shunde's), the test says so.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from planwatch.core.planfile import PlanDocument, read_plan_file
from planwatch.plans.models import (
    Goal,
    Indicator,
    KeyField,
    KeyFieldGroup,
    Locality,
    Rule,
    Target,
    Task,
    TaskGroup,
    Unit,
)

ROOT = Path(__file__).resolve().parent.parent
SEED_PLAN = ROOT / "plans" / "pearl_river_west_2017.yaml"
SEED_TEXT = ROOT / "plans" / "pearl_river_west_2017.source.txt"
TEXT = SEED_TEXT.read_text(encoding="utf-8")
PARAGRAPHS = [line.strip().strip("\u3000").strip() for line in TEXT.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def doc() -> PlanDocument:
    return read_plan_file(SEED_PLAN)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))


def indicator(doc: PlanDocument, code: str):
    return next(ind for ind in doc.indicators if ind.code == code)


def section(start: str, end: str) -> list[str]:
    """The paragraphs of the text from the heading `start` up to the heading `end`."""
    first = PARAGRAPHS.index(start)
    last = PARAGRAPHS.index(end)
    return PARAGRAPHS[first + 1 : last]


# --- the targets --------------------------------------------------------------------------------

# (indicator, value, unit, clause, qualifier, the number as the text writes it)
REGION_TARGETS_2019 = [
    ("I01", "800", "个", "三（一）1", "exact", "装备制造业项目800个"),
    ("I02", "700", "个", "三（一）1", "exact", "推进700个投资超1亿元装备制造业项目开工"),
    ("I03", "470", "个", "三（一）1", "exact", "470个投资超1亿元装备制造业项目投产"),
    ("I04", "12", "%", "三（一）2", "exact", "装备制造业增加值年均增长12%"),
    ("I05", "18", "%", "三（一）2", "exact", "工作母机类制造业增加值年均增长18%"),
    ("I06", "20", "%", "三（一）2", "exact", "投资额年均增长20%"),
    ("I07", "150", "项", "三（二）1", "exact", "引进150项军民两用技术成果"),
    ("I08", "20", "个", "三（二）1", "exact", "20个国内有影响的高水平团队"),
    ("I09", "40", "家", "三（二）1", "at_least", "孵化40家以上创新型高科技企业"),
    ("I10", "1200", "家", "三（二）1", "exact", "省级以上科技创新平台达到1200家"),
    ("I11", "6", "个", "三（三）1", "exact", "6个省级智能制造示范基地"),
    ("I12", "10", "个", "三（三）1", "exact", "建设10个智能制造系统解决方案公共服务平台"),
    ("I13", "13", "家", "三（三）2", "exact", "13家机器人骨干（培育）企业"),
    ("I14", "30", "个", "三（三）3", "exact", "组织实施30个省级以上智能制造试点示范项目"),
    ("I15", "28", "个", "三（四）1", "exact", "循环化改造园区达到28个"),
    ("I16", "2800", "家", "三（四）1", "exact", "清洁生产审核企业达到2800家"),
    ("I17", "40", "家", "三（五）", "about", "培育40家左右的融合发展新模式试点企业"),
    ("I18", "4", "个", "三（六）1", "exact", "培育4个国家级工业设计中心"),
    ("I19", "10", "个", "三（六）1", "exact", "10个省级工业设计中心"),
    ("I20", "3", "个", "三（六）2", "exact", "培育3个省级供应链管理示范企业"),
    ("I21", "20", "个", "三（六）2", "exact", "20个制造业与物流业联动发展示范企业"),
    ("I22", "108", "万人", "三（八）", "exact", "支持培育制造业技能人才108万人"),
    ("I23", "20", "%", "三（八）", "exact", "比2016年增长20%"),
    ("I24", "38", "万人", "三（八）", "exact", "其中高技能人才38万人"),
    ("I25", "35", "%", "三（八）", "exact", "占制造业技能人才总量的35%"),
    ("I26", "130", "个", "三（八）", "exact", "创新实践基地总数达130个"),
    ("I27", "50", "%", "三（八）", "exact", "入选人才总数比2016年增长50%"),
    # 基本实现 ("basically achieve") read as 100 %: the number is the plan file's, not the text's.
    ("I28", "100", "%", "三（八）", "basically", "基本实现每个重点制造业基地均有1所以上对口职业院校"),
]
NUMBER_NOT_WRITTEN = {"I28"}

# The six smart manufacturing demonstration bases named one by one in 三（三）1: the city (or
# district) named in the text for each locality target. Foshan's figures include Shunde's, so its
# target counts both the 佛山 and the 顺德 base.
I11_LOCALITY_TARGETS = {
    "ZH": ("1", ["珠海"]),
    "FS": ("2", ["佛山", "顺德"]),
    "ZS": ("1", ["中山"]),
    "JM": ("1", ["江门"]),
    "ZQ": ("1", ["肇庆"]),
    "SD": ("1", ["顺德"]),
}

# Years the text leaves unsaid for these sentences: the plan's end year is used (with a note).
YEAR_IMPLIED = {"I07", "I08", "I09", "I11", "I13", "I28"}

PERCENT_KINDS = {
    "I04": "avg_annual_growth",  # 年均增长
    "I05": "avg_annual_growth",
    "I06": "avg_annual_growth",
    "I23": "growth_over_base",  # 比2016年增长
    "I25": "share",  # 占……总量的
    "I27": "growth_over_base",
    "I28": "share",
    "I29": "cumulative_decrease",  # 累计下降率
}


def test_the_region_targets_are_exactly_the_texts(doc: PlanDocument) -> None:
    found = {
        ind.code: (t.scope, t.year) for ind in doc.indicators for t in ind.targets if t.scope == "region"
    }
    assert sorted(found) == [row[0] for row in REGION_TARGETS_2019]
    assert set(found.values()) == {("region", 2019)}


@pytest.mark.parametrize("row", REGION_TARGETS_2019, ids=[row[0] for row in REGION_TARGETS_2019])
def test_region_target(doc: PlanDocument, row: tuple[str, ...]) -> None:
    code, value, unit, clause, qualifier, as_written = row
    ind = indicator(doc, code)
    [target] = [t for t in ind.targets if t.scope == "region"]
    assert target.year == 2019
    assert target.value == Decimal(value)
    assert ind.unit == unit
    assert target.qualifier.value == qualifier
    assert target.source.clause == clause
    assert ind.source.clause == clause
    assert as_written in TEXT, "the expected wording is the text's"
    assert as_written in target.source.quote
    if code not in NUMBER_NOT_WRITTEN:
        assert value + unit in as_written or value + "%" in as_written
        assert value in target.source.quote
    if code in YEAR_IMPLIED:
        assert target.note is not None and "2019" in target.note.zh
        assert "到2019年" not in target.source.quote
    else:
        assert target.source.quote.startswith("到2019年")
    # The target's clause is the clause of the task the indicator belongs to.
    tasks = {t.code: t for t in doc.all_tasks()}
    assert [tasks[t].source.clause for t in ind.tasks] == [clause]
    assert target.source.quote in tasks[ind.tasks[0]].source.quote


def test_counts_and_percentages_have_fitting_kinds(doc: PlanDocument) -> None:
    for code, _value, unit, *_ in REGION_TARGETS_2019:
        kind = indicator(doc, code).kind.value
        if unit == "%":
            assert kind == PERCENT_KINDS[code], code
        else:
            assert kind in {"cumulative_count", "level"}, code
    assert indicator(doc, "I29").kind.value == PERCENT_KINDS["I29"]


def test_growth_rates_are_recomputed_from_their_levels(doc: PlanDocument) -> None:
    components = {ind.code: dict(ind.components) for ind in doc.indicators if ind.components}
    assert components == {
        "I04": {"level": "C01"},
        "I05": {"level": "C02"},
        "I06": {"level": "C03"},
        "I23": {"level": "I22"},
        "I25": {"numerator": "I24", "denominator": "I22"},
        "I27": {"level": "C04"},
        "I28": {"numerator": "C06", "denominator": "C05"},
    }
    for code in ("C01", "C02", "C03", "C04", "C05", "C06"):
        component = indicator(doc, code)
        assert component.targets == []
        assert component.kind.value == "level"
        assert component.dimension is None  # a component is not evaluated on its own
    assert {indicator(doc, c).unit for c in ("C01", "C02", "C03")} == {"亿元"}
    assert indicator(doc, "C04").unit == "人"
    assert {indicator(doc, c).unit for c in ("C05", "C06")} == {"个"}  # bases, counted one by one
    for code in ("I04", "I05", "I06", "I23", "I25", "I27", "I28"):
        assert indicator(doc, code).aggregation.value == "recompute"
    for code in ("I04", "I05", "I06", "I23", "I27"):
        assert indicator(doc, code).base.year == 2016


def test_i06_is_read_as_machine_tool_investment(doc: PlanDocument) -> None:
    # The text: "工作母机类制造业增加值年均增长18%，投资额年均增长20%" — whose investment it does not
    # say; the plan file reads it as the machine-tool industry's, and says so.
    assert "工作母机" in indicator(doc, "I06").name.zh
    assert "工作母机" in indicator(doc, "C03").name.zh
    assert "按工作母机类制造业投资额理解" in indicator(doc, "C03").definition.zh


def test_skilled_workers_base_is_implied_by_the_text(doc: PlanDocument) -> None:
    i22 = indicator(doc, "I22")
    assert i22.base is not None
    assert (i22.base.year, i22.base.value, i22.base.implied) == (2016, Decimal(90), True)
    # 108万人, "比2016年增长20%": 108 / 1.2 = 90.
    assert Decimal(108) / (1 + Decimal(20) / 100) == i22.base.value
    # 38万人 "占制造业技能人才总量的35%": 38 / 108 = 35.2 %, written as 35 %.
    assert round(Decimal(38) / Decimal(108) * 100) == 35


def test_i28_is_recomputed_from_the_bases(doc: PlanDocument) -> None:
    # The share of key manufacturing bases with a matching vocational college: C06 ÷ C05, summed
    # over the localities; the components have no target and quote I28's sentence.
    i28, c05, c06 = (indicator(doc, code) for code in ("I28", "C05", "C06"))
    assert i28.aggregation.value == "recompute"
    for component in (c05, c06):
        assert component.aggregation.value == "sum"
        assert component.source == i28.source
        assert component.tasks == i28.tasks == ["T8"]
        assert "I28" in component.definition.zh and "I28" in component.definition.en
    checks = {(c.kind.value, c.left, c.right, c.share): c for c in doc.checks}
    assert ("not_greater", "C06", "C05", None) in checks
    assert checks[("share", "C06", "C05", "I28")].tolerance == Decimal("0.5")


def test_i11_locality_targets(doc: PlanDocument) -> None:
    ind = indicator(doc, "I11")
    found = {t.scope: t for t in ind.targets if t.scope != "region"}
    assert set(found) == set(I11_LOCALITY_TARGETS)
    assert "YJ" not in found and "阳江" not in ind.targets[0].source.quote
    for scope, (value, names) in I11_LOCALITY_TARGETS.items():
        target = found[scope]
        assert (target.year, target.value, target.source.clause) == (2019, Decimal(value), "三（三）1")
        for name in names:
            assert name in target.source.quote
    assert "佛山市数据含顺德区" in found["FS"].note.zh


def test_energy_intensity(doc: PlanDocument) -> None:
    i29 = indicator(doc, "I29")
    assert i29.binding is True
    assert i29.region_target is False
    assert i29.targets == []  # no region target; the localities' targets are in the missing annex
    assert i29.base is not None and i29.base.year == 2015
    assert i29.kind.value == "cumulative_decrease"
    assert i29.aggregation.value == "none"
    assert i29.unit == "%"
    # Note 3: everything else is an expected (预期性) indicator.
    assert [ind.code for ind in doc.indicators if ind.binding] == ["I29"]
    assert [ind.code for ind in doc.indicators if not ind.region_target] == ["I29"]


def test_every_quote_is_verbatim_in_the_text(raw: dict[str, Any]) -> None:
    quotes: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if set(node) == {"clause", "quote"}:
                quotes.append(node["quote"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(raw)
    assert len(quotes) > 100
    missing = [q for q in quotes if q not in TEXT]
    assert missing == []


def test_every_target_quote_holds_its_number(doc: PlanDocument) -> None:
    for ind in doc.indicators:
        for t in ind.targets:
            assert t.source.quote in TEXT
            if t.scope == "region" and ind.code not in NUMBER_NOT_WRITTEN:
                number = str(t.value)
                unit = "%" if ind.unit == "%" else ind.unit
                assert re.search(rf"(?<!\d){number}{re.escape(unit)}", t.source.quote), (ind.code, number)


# --- the tasks and their units ------------------------------------------------------------------

# Read from the parentheses closing each task paragraph of 三、主要任务: the first unit named leads.
TASKS = [
    ("三（一）1", "T1.1", "EIC", ["LGOV", "JCM"]),
    ("三（一）2", "T1.2", "LGOV", ["EIC", "JCM"]),
    ("三（二）1", "T2.1", "DRC", ["EIC", "DST", "QTS", "LGOV"]),
    ("三（二）2", "T2.2", "EIC", ["LGOV"]),
    ("三（二）3", "T2.3", "DST", ["EIC", "IPO", "LGOV"]),
    ("三（三）1", "T3.1", "EIC", ["LGOV"]),
    ("三（三）2", "T3.2", "EIC", ["IPO", "LGOV"]),
    ("三（三）3", "T3.3", "EIC", ["LGOV"]),
    ("三（三）4", "T3.4", "EIC", ["LGOV"]),
    ("三（四）1", "T4.1", "EIC", ["LGOV"]),
    ("三（四）2", "T4.2", "EIC", ["LGOV"]),
    ("三（四）3", "T4.3", "EIC", ["LGOV"]),
    ("三（四）4", "T4.4", "EIC", ["LGOV"]),
    ("三（五）", "T5", "EIC", ["LGOV"]),
    ("三（六）1", "T6.1", "EIC", ["LGOV"]),
    ("三（六）2", "T6.2", "EIC", ["LGOV"]),
    ("三（七）", "T7", "FIN", ["EIC", "IPO", "LGOV"]),
    ("三（八）", "T8", "DST", ["HRSS", "LGOV"]),
]

UNIT_NAMES = {
    "EIC": "省经济和信息化委",
    "DRC": "省发展改革委",
    "DST": "省科技厅",
    "QTS": "省质监局",
    "IPO": "省知识产权局",
    "FIN": "省金融办",
    "HRSS": "省人力资源社会保障厅",
    "LGOV": "珠江西岸六市一区政府",
    "JCM": "省推进珠江西岸先进装备制造产业带建设联席会议其他成员单位",
}

# How the parentheses spell the units: after the first in a list the 省 is left out, and 三（一）2
# shortens the joint conference to 联席会议其他成员单位.
SPELLINGS = {
    **{name: code for code, name in UNIT_NAMES.items()},
    **{name.removeprefix("省"): code for code, name in UNIT_NAMES.items()},
    "联席会议其他成员单位": "JCM",
}


def units_in_parentheses(paragraph: str) -> list[str]:
    match = re.search(r"（([^（）]+)）$", paragraph)
    assert match, paragraph
    return [SPELLINGS[name] for name in re.split(r"[，、]", match.group(1))]


def task_paragraphs() -> list[str]:
    """The paragraphs of 三、主要任务 that are tasks: everything but the group headings."""
    return [
        p for p in section("三、主要任务", "四、保障措施") if not re.match(r"^（[一二三四五六七八]）.*。$", p)
    ]


def test_the_text_has_eighteen_task_paragraphs_each_closed_by_its_units() -> None:
    paragraphs = task_paragraphs()
    assert len(paragraphs) == len(TASKS) == 18
    for paragraph, (_clause, _code, lead, participants) in zip(paragraphs, TASKS, strict=True):
        assert units_in_parentheses(paragraph) == [lead, *participants]


@pytest.mark.parametrize("row", TASKS, ids=[row[1] for row in TASKS])
def test_task_units(doc: PlanDocument, row: tuple[Any, ...]) -> None:
    clause, code, lead, participants = row
    task = next(t for t in doc.all_tasks() if t.code == code)
    assert task.source.clause == clause
    assert task.lead == lead
    assert task.participants == participants
    # The quote is the whole task paragraph, ending with the units in parentheses.
    assert task.source.quote in PARAGRAPHS
    # The title is the paragraph's own heading; a group of one paragraph lends the task its title.
    numbered = re.match(r"^(\d+)．([^。]+)。", task.source.quote)
    if numbered:
        assert (task.number, task.title.zh) == (int(numbered.group(1)), numbered.group(2))
    else:
        group = next(g for g in doc.task_groups if task in g.tasks)
        assert (task.number, task.title.zh) == (None, group.title.zh)
    assert units_in_parentheses(task.source.quote) == [lead, *participants]


def test_the_units(doc: PlanDocument) -> None:
    assert {u.code: u.name.zh for u in doc.units} == UNIT_NAMES
    kinds = {u.code: u.kind.value for u in doc.units}
    assert kinds.pop("LGOV") == "local_government"
    assert kinds.pop("JCM") == "group"
    assert set(kinds.values()) == {"provincial_department"}


def test_task_groups(doc: PlanDocument) -> None:
    headings = [p for p in section("三、主要任务", "四、保障措施") if re.match(r"^（[一二三四五六七八]）", p)]
    headings = [h for h in headings if h.endswith("。") and "（" not in h[3:]]
    assert len(doc.task_groups) == len(headings) == 8
    for number, (group, heading) in enumerate(zip(doc.task_groups, headings, strict=True), start=1):
        assert group.number == number
        assert group.code == f"G{number}"
        assert group.source.quote == heading
        assert heading == f"（{'一二三四五六七八'[number - 1]}）{group.title.zh}。"
        assert all(t.source.clause.startswith(group.source.clause) for t in group.tasks)
    assert [len(g.tasks) for g in doc.task_groups] == [2, 3, 4, 4, 1, 2, 1, 1]
    assert [t.code for t in doc.all_tasks()] == [row[1] for row in TASKS]
    for group in doc.task_groups:
        numbers = [t.number for t in group.tasks]
        assert numbers == ([None] if len(group.tasks) == 1 else list(range(1, len(group.tasks) + 1)))


# --- key fields, goals, rules, localities -------------------------------------------------------


def test_key_fields(doc: PlanDocument) -> None:
    paragraphs = section("二、重点领域", "三、主要任务")
    fields = [re.match(r"^(\d+)．([^。]+)。", p) for p in paragraphs]
    from_text = [(int(m.group(1)), m.group(2)) for m in fields if m]
    assert len(from_text) == 15
    encoded = [(f.number, f.name.zh) for g in doc.key_field_groups for f in g.fields]
    assert encoded == from_text
    assert [f.code for g in doc.key_field_groups for f in g.fields] == [f"KF{n:02d}" for n in range(1, 16)]
    assert [(g.number, len(g.fields)) for g in doc.key_field_groups] == [(1, 7), (2, 4), (3, 4)]
    assert [g.name.zh for g in doc.key_field_groups] == [
        "优先发展先进装备制造业",
        "大力发展战略性新兴产业",
        "改造提升优势传统制造业",
    ]
    for group in doc.key_field_groups:
        assert group.source.quote in paragraphs
        for f in group.fields:
            assert f.source.quote in paragraphs
            assert f.source.clause == f"{group.source.clause}{f.number}"


def test_goals(doc: PlanDocument) -> None:
    assert [(g.code, g.year, g.source.clause) for g in doc.goals] == [
        ("G2019", 2019, "一（二）"),
        ("G2025", 2025, "一（二）"),
    ]
    for goal in doc.goals:
        assert goal.source.quote.startswith(f"到{goal.year}年")
    period = doc.plan.period
    assert (period.base_year, period.start_year, period.end_year, period.horizon_year) == (
        2016,
        2017,
        2019,
        2025,
    )
    assert str(doc.plan.issued_on) == "2017-04-21"
    assert doc.plan.issuer.zh == "广东省人民政府办公厅"
    assert doc.plan.title.zh in TEXT.replace("\n", "")


def test_rules_are_the_four_notes(doc: PlanDocument) -> None:
    assert [(r.code, r.number, r.kind.value, r.source.clause, r.indicators) for r in doc.rules] == [
        ("NOTE1", 1, "no_region_target", "一 说明1", ["I29"]),
        ("NOTE2", 2, "base_year", "一 说明2", ["I29"]),
        ("NOTE3", 3, "binding_classification", "一 说明3", ["I29"]),
        ("NOTE4", 4, "target_adjustment", "一 说明3", []),
    ]
    notes = next(p for p in PARAGRAPHS if p.startswith("说明："))
    for rule in doc.rules:
        assert rule.source.quote in notes
    assert "2015年" in doc.rules[1].source.quote
    assert "2018和2019年目标" in doc.rules[3].source.quote


PILOTS = {
    "ZH": "珠海市",
    "FS": "佛山市",
    "ZS": "中山市",
    "JM": "江门市",
    "YJ": "阳江市",
    "ZQ": "肇庆市",
    "SD": "顺德区",
}


def test_the_seven_pilot_units(doc: PlanDocument) -> None:
    assert {loc.code: loc.name.zh for loc in doc.localities if loc.pilot} == PILOTS
    # The text's list: 珠海、佛山、中山、江门、阳江、肇庆和顺德.
    assert "珠海、佛山、中山、江门、阳江、肇庆和顺德等珠江西岸六市一区" in TEXT
    parents = {loc.code: loc.parent for loc in doc.localities}
    assert parents == {"GD": None, **{code: "GD" for code in PILOTS}, "SD": "FS"}
    assert [loc.code for loc in doc.localities if loc.figures_include_children] == ["FS"]
    assert next(loc for loc in doc.localities if loc.code == "SD").level.value == "district"


# --- the loaded plan ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_loaded_plan_counts(plan) -> None:
    assert plan.code == "prw-mic2025"
    assert plan.version == 1
    assert KeyFieldGroup.objects.filter(plan=plan).count() == 3
    assert KeyField.objects.filter(plan=plan).count() == 15
    assert TaskGroup.objects.filter(plan=plan).count() == 8
    assert Task.objects.filter(plan=plan).count() == 18
    assert Goal.objects.filter(plan=plan).count() == 2
    assert Rule.objects.filter(plan=plan).count() == 4
    assert Unit.objects.filter(plan=plan).count() == 9
    assert Locality.objects.filter(plan=plan).count() == 8
    assert plan.pilot_units().count() == 7
    assert Indicator.objects.filter(plan=plan).count() == 35  # I01–I29 and the components C01–C06
    assert Target.objects.filter(indicator__plan=plan).count() == 28 + 6
    assert plan.source_text == TEXT


@pytest.mark.django_db
def test_loaded_targets(plan) -> None:
    region = {
        t.indicator.code: t
        for t in Target.objects.filter(indicator__plan=plan, locality=None).select_related("indicator")
    }
    for code, value, unit, clause, qualifier, _ in REGION_TARGETS_2019:
        target = region.pop(code)
        assert (target.year, target.value, target.indicator.unit) == (2019, Decimal(value), unit)
        assert (target.clause, target.qualifier, target.origin) == (clause, qualifier, "plan")
    assert region == {}
    local = Target.objects.filter(indicator__plan=plan, locality__isnull=False).select_related("locality")
    assert {t.locality.code: t.value for t in local} == {
        scope: Decimal(value) for scope, (value, _) in I11_LOCALITY_TARGETS.items()
    }
    i29 = Indicator.objects.get(plan=plan, code="I29")
    assert (i29.binding, i29.region_target, i29.base_year, i29.kind) == (
        True,
        False,
        2015,
        "cumulative_decrease",
    )
    assert not i29.targets.exists()


@pytest.mark.django_db
def test_shunde_is_not_counted_twice(plan) -> None:
    localities = {loc.code: loc for loc in plan.localities.select_related("parent__parent")}
    shunde, foshan = localities["SD"], localities["FS"]
    assert shunde.parent == foshan
    assert foshan.figures_include_children
    assert not shunde.counted_in_region_total()
    counted = sorted(code for code, loc in localities.items() if loc.counted_in_region_total())
    assert counted == sorted(set(PILOTS) - {"SD"})
    assert not localities["GD"].counted_in_region_total()
    # The six bases add up to the region's 6 only when Shunde is left out of the sum.
    i11 = Target.objects.filter(indicator__plan=plan, indicator__code="I11")
    region = i11.get(locality=None).value
    summed = sum(t.value for t in i11.exclude(locality=None) if t.locality.counted_in_region_total())
    assert summed == region == 6


@pytest.mark.django_db
def test_loaded_task_units(plan) -> None:
    tasks = {t.code: t for t in plan.tasks.prefetch_related("task_units__unit")}
    for _clause, code, lead, participants in TASKS:
        task = tasks[code]
        assert task.lead_unit().code == lead
        assert [u.code for u in task.participating_units()] == participants
    # An indicator's lead unit is its task's lead unless the file names one.
    leads = dict(Indicator.objects.filter(plan=plan).values_list("code", "lead_unit__code"))
    assert leads["I10"] == "DRC"
    assert leads["I04"] == "LGOV"
    assert leads["I22"] == "DST"
    assert leads["I29"] is None
