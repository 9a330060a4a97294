"""The plan file's checks for authors (issue 17): a target's figure is in its quoted sentence or
says why; the file's locality targets against the region's by the region rule; the pilot units'
base values; the cumulative-sum kind and its running total; outliers of running totals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from planwatch.core.errors import PlanFileError
from planwatch.core.evaluation import Observation, evaluate, evaluation_input_from_plan
from planwatch.core.evaluation.breakdown import plan_breakdown_problems
from planwatch.core.kinds import IndicatorKind
from planwatch.core.planfile import dump_plan, figures_in, parse_plan_text, read_plan_file
from planwatch.core.validation import IndicatorRules, check_outlier, check_running_total

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "plans" / "pearl_river_west_2017.yaml"
SECOND = ROOT / "tests" / "fixtures" / "plans" / "gd_tech_upgrade_2018.yaml"


def second(change) -> str:
    data = yaml.safe_load(SECOND.read_text(encoding="utf-8"))
    data["plan"]["source_text"] = (SECOND.parent / "gd_tech_upgrade_2018.source.txt").read_text(
        encoding="utf-8"
    )
    del data["plan"]["source_text_file"]
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def indicator(data, code):
    return next(i for i in data["indicators"] if i["code"] == code)


def problems(text: str) -> str:
    with pytest.raises(PlanFileError) as info:
        parse_plan_text(text, name="plan.yaml")
    return info.value.describe()


def test_the_numbers_of_a_sentence():
    assert figures_in("到2019年，共新引进投资超1亿元装备制造业项目800个") == {
        Decimal(2019),
        Decimal(1),
        Decimal(800),
    }
    assert figures_in("达到１２００家，1,200家，12.5%") == {Decimal(1200), Decimal("12.5")}
    assert Decimal(150) not in figures_in("原文此句未写年份，按方案期末（2019年）计。")


def test_the_seed_and_the_second_plan_load():
    assert read_plan_file(SEED).plan.code == "prw-mic2025"
    assert read_plan_file(SECOND).plan.code == "gd-tech-upgrade-2018"


def test_a_figure_typed_wrong_is_refused_and_a_figure_note_lets_it_be():
    def typo(data):
        indicator(data, "I02")["targets"][1]["value"] = 6901

    assert "indicators[1].targets[1].value: 6901 is not a number of the quoted sentence" in problems(
        second(typo)
    )

    def explained(data):
        typo(data)
        indicator(data, "I02")["targets"][1]["figure_note"] = {"zh": "测试。", "en": "A test."}

    assert parse_plan_text(second(explained)).indicators[1].targets[1].value == 6901


def test_the_seed_says_why_its_figures_that_are_not_in_their_sentences_are_so():
    doc = read_plan_file(SEED)
    noted = {(i.code, t.scope) for i in doc.indicators for t in i.targets if t.figure_note}
    assert noted == {("I11", code) for code in ("ZH", "FS", "ZS", "JM", "ZQ", "SD")} | {("I28", "region")}


def test_the_file_breakdown_against_the_region_by_the_region_rule():
    def breakdown(data):
        i03 = indicator(data, "I03")
        note = {"zh": "测试。", "en": "A test."}
        cities = [loc["code"] for loc in data["localities"] if loc.get("pilot")]
        i03["targets"] += [
            {
                "scope": c,
                "year": 2018,
                "value": 300,
                "figure_note": note,
                "source": i03["targets"][0]["source"],
            }
            for c in cities
        ]  # 6300 < 8200

    doc = parse_plan_text(second(breakdown))  # the file is fine: the loader takes the breakdown
    [(loc, message)] = plan_breakdown_problems(doc)
    assert loc == ("indicators", 2, "targets")
    assert (
        message
        == "2018: The total falls short of the region target: 6,300 家 against 8,200 家, 1,900 家 short"
    )
    assert plan_breakdown_problems(read_plan_file(SEED)) == []  # I11: 1 + 2 + 1 + 1 + 1 = 6, 顺德 in 佛山


def test_a_cumulative_sum_names_yearly_figures_of_its_quantity():
    def wrong(data):
        indicator(data, "I01")["components"] = {"yearly": "I03"}  # enterprises, not money

    assert "indicators[0].components.yearly: I03 is not yearly figures" in problems(second(wrong))

    def recomputed(data):
        indicator(data, "I01")["aggregation"] = "recompute"

    assert "an indicator of kind cumulative_sum allows only none, sum" in problems(second(recomputed))


def test_locality_base_values_are_checked_kept_exported_and_measured_from():
    def bases(data):
        indicator(data, "I02")["base"] = {"year": 2017, "localities": {"ST": 100, "ZJ": 80.5}}

    doc = parse_plan_text(second(bases))
    assert doc.indicators[1].base.localities == {"ST": Decimal(100), "ZJ": Decimal("80.5")}
    assert "ST: 100" in dump_plan(doc)  # a number, not a string
    observations = [Observation("I02", "ST", 2018, 150.0)]
    result = evaluate(evaluation_input_from_plan(doc, observations), 2018)
    st = next(r for r in result.indicators if r.indicator == "I02" and r.scope == "ST")
    assert st.base_value == 100

    def unknown(data):
        indicator(data, "I02")["base"] = {"year": 2017, "localities": {"GD": 1}}

    assert (
        "indicators[1].base.localities.GD: locality 'GD' is neither a pilot unit nor above one"
        in problems(second(unknown))
    )


def test_a_running_total_equals_the_sum_of_its_yearly_figures_in_its_own_unit():
    yearly = [Decimal(5700), Decimal(6900)]
    assert check_running_total("I01", "万亿元", Decimal("1.26"), "I02", "亿元", yearly) == []
    assert check_running_total("I01", "万亿元", Decimal("1.3"), "I02", "亿元", yearly) == []  # rounded
    [finding] = check_running_total("I01", "万亿元", Decimal("1.4"), "I02", "亿元", yearly)
    assert finding.is_error and "1.26" in finding.zh and "I02" in finding.en


def test_a_running_total_is_judged_by_what_each_period_adds():
    count = IndicatorRules("I03", IndicatorKind.CUMULATIVE_COUNT, "家")
    assert check_outlier(count, Decimal(16500), [Decimal(8200)]) == []  # 8200 then 8300: steady
    assert check_outlier(count, Decimal(8200), [Decimal(8200)]) == []  # a year adding nothing
    [jump] = check_outlier(count, Decimal(40000), [Decimal(8200)])
    assert "本期新增" in jump.zh
    money = IndicatorRules("I01", IndicatorKind.CUMULATIVE_SUM, "万亿元")
    assert check_outlier(money, Decimal("1.26"), [Decimal("0.57")]) == []
    level = IndicatorRules("I02", IndicatorKind.LEVEL, "亿元")
    assert check_outlier(level, Decimal(16500), [Decimal(8200)])  # a level that doubles is a jump
