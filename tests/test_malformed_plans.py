"""Malformed plan files: each is rejected whole, with the place of the problem, and writes nothing.

Each case takes the seed plan file, breaks one thing and loads it with the `load_plan` command. The
message must name the path in the file (e.g. `indicators[4].targets[0].year`) and, where the broken
value stands on a line of its own, that line. The database must be as it was: the counts of every
plan (and reporting) model, the plan's version, its versions and its targets.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from planwatch.core.errors import PlanFileError
from planwatch.core.planfile import dump_plan, parse_plan_text, read_plan_file
from planwatch.plans.loader import load_plan_file
from planwatch.plans.models import Indicator, Locality, Plan, PlanVersion, Target, TargetRevision
from planwatch.reporting.models import Period, ReportedValue

ROOT = Path(__file__).resolve().parent.parent
SEED_PLAN = ROOT / "plans" / "pearl_river_west_2017.yaml"
SEED_TEXT = ROOT / "plans" / "pearl_river_west_2017.source.txt"

SEED: dict[str, Any] = yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))
SEED_YAML = SEED_PLAN.read_text(encoding="utf-8")
# Where things are in the seed file, so that the expected paths read as names: {I25} → 30.
INDEX = {
    **{ind["code"]: i for i, ind in enumerate(SEED["indicators"])},
    **{loc["code"]: i for i, loc in enumerate(SEED["localities"])},
}

# A figure the tests change: not the quoted sentence's, so the file says why (figure_note).
REVISED = {"zh": "测试：修订的数字。", "en": "Test: a revised figure."}


def ind(data: dict[str, Any], code: str) -> dict[str, Any]:
    return data["indicators"][INDEX[code]]


def loc(data: dict[str, Any], code: str) -> dict[str, Any]:
    return data["localities"][INDEX[code]]


def task(data: dict[str, Any], group: int, number: int) -> dict[str, Any]:
    return data["task_groups"][group]["tasks"][number]


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)


@dataclass(frozen=True)
class Case:
    id: str
    path: str  # the path the message must name; {CODE} stands for the item's index in its list
    message: str
    # Either a change to the seed data, or a function writing the file's bytes.
    change: Callable[[dict[str, Any]], None] | None = None
    raw: Callable[[], bytes] | None = None
    # Text on the line the problem must be reported at (the first line of the file holding it).
    line_of: str | None = None
    inline_text: bool = False  # put the source text in the file rather than beside it

    @property
    def expected_path(self) -> str:
        return self.path.format(**INDEX)


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = ind(node, part) if isinstance(part, str) and part in INDEX and node is data else node[part]
        node[path[-1]] = value

    return change


def _broken_line() -> bytes:
    # A YAML syntax error in the middle of the file: the first indicator's kind gets a second colon.
    text = SEED_YAML.replace("  kind: cumulative_count\n", "  kind: cumulative_count: level\n", 1)
    assert text != SEED_YAML
    return text.encode("utf-8")


def _duplicate_key() -> bytes:
    # The first indicator says its unit twice: YAML alone would silently keep the second.
    text = SEED_YAML.replace("  unit: 个\n", "  unit: 个\n  unit: 家\n", 1)
    assert text != SEED_YAML
    return text.encode("utf-8")


def _no_source_text(data: dict[str, Any]) -> None:
    del data["plan"]["source_text_file"]


def _del(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return change


def _unknown_field(data: dict[str, Any]) -> None:
    ind(data, "I01")["unti"] = "个"


def _parent_cycle(data: dict[str, Any]) -> None:
    loc(data, "GD")["parent"] = "SD"  # GD → SD → FS → GD


def _duplicate_indicator(data: dict[str, Any]) -> None:
    ind(data, "I02")["code"] = "I01"


def _duplicate_task(data: dict[str, Any]) -> None:
    task(data, 0, 1)["code"] = "T1.1"


def _sum_of_share(data: dict[str, Any]) -> None:
    ind(data, "I25")["aggregation"] = "sum"


def _region_target_on_i29(data: dict[str, Any]) -> None:
    i29 = ind(data, "I29")
    i29["targets"] = [
        {"scope": "region", "year": 2019, "value": 10, "figure_note": REVISED, "source": i29["source"]}
    ]


def _duplicate_target(data: dict[str, Any]) -> None:
    targets = ind(data, "I01")["targets"]
    targets.append(copy.deepcopy(targets[0]))


def _quote_not_in_text(data: dict[str, Any]) -> None:
    ind(data, "I01")["targets"][0]["source"]["quote"] = "到2019年，共新引进投资超1亿元装备制造业项目900个。"


def _scope_not_pilot(data: dict[str, Any]) -> None:
    ind(data, "I11")["targets"][1]["scope"] = "GD"


def _rule_on_indicator_with_region_target(data: dict[str, Any]) -> None:
    data["rules"][0]["indicators"].append("I01")


CASES = [
    # --- the file itself ---
    Case(
        "not-yaml",
        "",
        "not valid YAML: mapping values are not allowed here",
        raw=_broken_line,
        line_of="kind: cumulative_count: level",
    ),
    Case(
        "not-a-mapping",
        "",
        "expected a mapping at the top of the file",
        raw=lambda: b"- format: planwatch/plan@1\n- plan: {}\n",
    ),
    Case("empty-file", "", "expected a mapping at the top of the file", raw=lambda: b""),
    Case(
        "name-too-long-for-the-database",
        "indicators[{I01}].name.zh",
        "string should have at most 300 characters",
        change=_set(["indicators", INDEX["I01"], "name", "zh"], "长" * 301),
    ),
    Case("binary", "", "not UTF-8 text (byte 0)", raw=lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"),
    Case("gbk-not-utf8", "", "not UTF-8 text", raw=lambda: SEED_YAML.encode("gb18030")),
    Case(
        "nul-character",
        "",
        "not valid YAML: character 0x0000 is not allowed",
        raw=lambda: SEED_YAML.replace("format: planwatch/plan@1", "format: planwatch/plan@1\x00").encode(),
        line_of="format: planwatch/plan@1",
    ),
    Case(
        "duplicate-yaml-key",
        "indicators[{I01}].unit",
        "the key is given twice",
        raw=_duplicate_key,
        line_of="  unit: 家",
    ),
    Case(
        "source-text-file-missing",
        "plan.source_text_file",
        "cannot read missing.txt",
        change=_set(["plan", "source_text_file"], "missing.txt"),
        line_of="source_text_file: missing.txt",
    ),
    Case(
        "source-text-file-outside-the-folder",
        "plan.source_text_file",
        f"{SEED_TEXT} is outside the plan file's folder",
        change=_set(["plan", "source_text_file"], str(SEED_TEXT)),
        line_of="source_text_file: /",
    ),
    Case("no-source-text", "plan.source_text", "the plan's source text is missing", change=_no_source_text),
    Case(
        "wrong-format",
        "format",
        "unsupported format 'planwatch/plan@2'",
        change=_set(["format"], "planwatch/plan@2"),
        line_of="format: planwatch/plan@2",
    ),
    # --- the structure ---
    Case(
        "missing-field",
        "indicators[{I01}].unit",
        "required field is missing",
        change=_del(["indicators", 0, "unit"]),
    ),
    Case(
        "missing-plan-header-field",
        "plan.issued_on",
        "required field is missing",
        change=_del(["plan", "issued_on"]),
    ),
    Case(
        "unknown-field",
        "indicators[{I01}].unti",
        "unknown field (check its spelling)",
        change=_unknown_field,
        line_of="unti: 个",
    ),
    Case(
        "year-is-text",
        "indicators[{I04}].targets[0].year",
        "expected an integer",
        change=_set(["I04", "targets", 0, "year"], "twenty"),
        line_of="year: twenty",
    ),
    Case(
        "value-not-a-number",
        "indicators[{I10}].targets[0].value",
        "expected a number",
        change=_set(["I10", "targets", 0, "value"], "lots"),
        line_of="value: lots",
    ),
    Case(
        "value-too-large",
        "indicators[{I01}].targets[0].value",
        "decimal input should have no more than 24 digits",
        change=_set(["I01", "targets", 0, "value"], 10**30),
        line_of="value: 1000000000000000000000000000000",
    ),
    Case(
        "value-too-precise",
        "indicators[{I04}].targets[0].value",
        "decimal input should have no more than 6 decimal places",
        change=_set(["I04", "targets", 0, "value"], 12.1234567),
        line_of="value: 12.1234567",
    ),
    Case(
        "date-not-a-date",
        "plan.issued_on",
        "expected a date (YYYY-MM-DD)",
        change=_set(["plan", "issued_on"], "2017年4月21日"),
        line_of="issued_on: 2017年4月21日",
    ),
    Case(
        "unknown-kind",
        "indicators[{I04}].kind",
        "must be one of cumulative_count, level",
        change=_set(["I04", "kind"], "annual_growth"),
        line_of="kind: annual_growth",
    ),
    Case(
        "unknown-qualifier",
        "indicators[{I09}].targets[0].qualifier",
        "must be one of exact, at_least",
        change=_set(["I09", "targets", 0, "qualifier"], "more_than"),
        line_of="qualifier: more_than",
    ),
    Case(
        "bad-code",
        "task_groups[0].tasks[0].code",
        "string should match pattern",
        change=lambda d: task(d, 0, 0).update(code="T 1.1"),
        line_of="code: T 1.1",
    ),
    Case(
        "clause-too-long",
        "indicators[{I01}].source.clause",
        "string should have at most 40 characters",
        change=lambda d: ind(d, "I01")["source"].update(clause="三" * 41),
    ),
    Case(
        "negative-weight",
        "dimensions[0].weight",
        "input should be greater than or equal to 0",
        change=_set(["dimensions", 0, "weight"], -0.2),
        line_of="weight: -0.2",
    ),
    # --- references, duplicates and meaning ---
    Case(
        "unknown-lead-unit",
        "task_groups[1].tasks[0].lead",
        "unknown unit 'NDRC'",
        change=lambda d: task(d, 1, 0).update(lead="NDRC"),
        line_of="lead: NDRC",
    ),
    Case(
        "unknown-participant",
        "task_groups[7].tasks[0].participants[0]",
        "unknown unit 'HRS'",
        change=lambda d: task(d, 7, 0)["participants"].__setitem__(0, "HRS"),
        line_of="- HRS",
    ),
    Case(
        "participant-is-lead",
        "task_groups[0].tasks[0].participants[0]",
        "'EIC' is already the lead unit",
        change=lambda d: task(d, 0, 0)["participants"].__setitem__(0, "EIC"),
    ),
    Case(
        "participant-twice",
        "task_groups[0].tasks[0].participants[1]",
        "'LGOV' is named twice",
        change=lambda d: task(d, 0, 0).update(participants=["LGOV", "LGOV"]),
    ),
    Case(
        "unknown-parent",
        "localities[{SD}].parent",
        "unknown locality 'GZ'",
        change=lambda d: loc(d, "SD").update(parent="GZ"),
        line_of="parent: GZ",
    ),
    Case("parent-cycle", "localities[{GD}].parent", "the parents form a cycle", change=_parent_cycle),
    Case(
        "duplicate-indicator",
        "indicators[{I02}].code",
        "duplicate indicator code 'I01'",
        change=_duplicate_indicator,
    ),
    Case(
        "duplicate-task", "task_groups[0].tasks[1].code", "duplicate task code 'T1.1'", change=_duplicate_task
    ),
    Case(
        "unknown-task",
        "indicators[{I01}].tasks[0]",
        "unknown task 'T9.9'",
        change=lambda d: ind(d, "I01").update(tasks=["T9.9"]),
        line_of="- T9.9",
    ),
    Case(
        "unknown-dimension",
        "indicators[{I01}].dimension",
        "unknown dimension 'innovaton'",
        change=lambda d: ind(d, "I01").update(dimension="innovaton"),
        line_of="dimension: innovaton",
    ),
    Case(
        "unknown-unit-of-measure",
        "indicators[{I01}].unit",
        "unknown unit of measure '件'",
        change=lambda d: ind(d, "I01").update(unit="件"),
        line_of="unit: 件",
    ),
    Case(
        "unit-does-not-fit-kind",
        "indicators[{I25}].unit",
        "unit '亿元' does not fit an indicator of kind share",
        change=lambda d: ind(d, "I25").update(unit="亿元"),
    ),
    Case(
        "sum-of-percentage",
        "indicators[{I25}].aggregation",
        "a percentage cannot be summed over localities",
        change=_sum_of_share,
    ),
    Case(
        "recompute-without-components",
        "indicators[{I04}].components",
        "recompute needs exactly the components level",
        change=lambda d: ind(d, "I04").update(components={}),
    ),
    Case(
        "unknown-component",
        "indicators[{I04}].components.level",
        "unknown indicator 'C99'",
        change=lambda d: ind(d, "I04").update(components={"level": "C99"}),
        line_of="level: C99",
    ),
    Case(
        "growth-without-base",
        "indicators[{I04}].base",
        "an indicator of kind avg_annual_growth needs a base year",
        change=_del(["indicators", INDEX["I04"], "base"]),
    ),
    Case(
        "share-of-150",
        "indicators[{I25}].targets[0].value",
        "a share must be between 0 and 100 %",
        change=_set(["I25", "targets", 0, "value"], 150.0),
        line_of="value: 150.0",
    ),
    Case(
        "negative-count",
        "indicators[{I01}].targets[0].value",
        "a count cannot be negative",
        change=_set(["I01", "targets", 0, "value"], -800),
        line_of="value: -800",
    ),
    Case(
        "region-target-on-i29",
        "indicators[{I29}].targets[0].scope",
        "this indicator has no region-wide target (region_target: false)",
        change=_region_target_on_i29,
    ),
    Case(
        "scope-not-a-pilot",
        "indicators[{I11}].targets[1].scope",
        "locality 'GD' is neither a pilot unit nor above one",
        change=_scope_not_pilot,
    ),
    Case(
        "unknown-scope",
        "indicators[{I01}].targets[0].scope",
        "unknown scope 'GZ'",
        change=_set(["I01", "targets", 0, "scope"], "GZ"),
        line_of="scope: GZ",
    ),
    Case(
        "duplicate-target",
        "indicators[{I01}].targets[1]",
        "duplicate target for region in 2019",
        change=_duplicate_target,
    ),
    Case(
        "quote-not-in-text",
        "indicators[{I01}].targets[0].source.quote",
        "quote not found verbatim in the plan's source text",
        change=_quote_not_in_text,
        line_of="项目900个。",
    ),
    Case(
        "quote-not-in-inline-text",
        "goals[0].source.quote",
        "quote not found verbatim",
        change=lambda d: d["goals"][0]["source"].update(quote="到2019年，一切顺利。"),
        inline_text=True,
        line_of="quote: 到2019年，一切顺利。",
    ),
    Case(
        "weights-not-adding-to-1",
        "dimensions",
        "the dimensions' weights must add up to 1",
        change=_set(["dimensions", 0, "weight"], 0.3),
    ),
    Case(
        "target-year-after-the-plan",
        "indicators[{I01}].targets[0].year",
        "2030 is outside the plan's years",
        change=_set(["I01", "targets", 0, "year"], 2030),
        line_of="year: 2030",
    ),
    Case(
        "target-year-before-the-base",
        "indicators[{I01}].targets[0].year",
        "2010 is outside the plan's years",
        change=_set(["I01", "targets", 0, "year"], 2010),
        line_of="year: 2010",
    ),
    Case(
        "rule-without-region-target-flag",
        "rules[0].indicators[1]",
        "indicator 'I01' must say region_target: false",
        change=_rule_on_indicator_with_region_target,
    ),
    Case(
        "period-backwards",
        "plan.period",
        "expected base_year ≤ start_year ≤ end_year",
        change=_set(["plan", "period", "start_year"], 2020),
    ),
]


def write_case(case: Case, directory: Path) -> Path:
    path = directory / f"{case.id}.yaml"
    if case.raw is not None:
        shutil.copy(SEED_TEXT, directory / SEED_TEXT.name)
        path.write_bytes(case.raw())
        return path
    data = copy.deepcopy(SEED)
    if case.inline_text:
        data["plan"]["source_text"] = SEED_TEXT.read_text(encoding="utf-8")
        del data["plan"]["source_text_file"]
    else:
        shutil.copy(SEED_TEXT, directory / SEED_TEXT.name)
    assert case.change is not None
    case.change(data)
    path.write_text(dump(data), encoding="utf-8")
    return path


def expected_line(case: Case, path: Path) -> int | None:
    if case.line_of is None:
        return None
    text = path.read_bytes().decode("utf-8", errors="replace").replace("\x00", "")
    offset = text.index(case.line_of)
    return text.count("\n", 0, offset) + 1


def snapshot() -> dict[str, Any]:
    """Everything a load could change: the count of every model, the versions and the targets."""
    models = [
        *apps.get_app_config("plans").get_models(include_auto_created=True),
        *apps.get_app_config("reporting").get_models(include_auto_created=True),
    ]
    return {
        "counts": {model._meta.label: model.objects.count() for model in models},
        "plans": list(Plan.objects.values_list("code", "version", "title_zh", "document_number")),
        "versions": list(
            PlanVersion.objects.values_list("plan__code", "number", "content_hash", "file_name")
        ),
        "targets": sorted(
            Target.objects.values_list(
                "pk", "indicator__code", "locality__code", "year", "value", "qualifier"
            )
        ),
        "revisions": list(TargetRevision.objects.values_list("pk", flat=True)),
        "indicators": sorted(Indicator.objects.values_list("pk", "code", "unit", "kind")),
        "localities": sorted(Locality.objects.values_list("pk", "code", "parent__code")),
    }


def assert_rejected(case: Case, path: Path, *, api: bool = True) -> str:
    with pytest.raises(CommandError) as info:
        call_command("load_plan", str(path))
    message = str(info.value)
    assert f"{path.name}: rejected" in message
    assert "nothing was written" in message
    assert "Traceback" not in message
    expected = f"{case.expected_path}: {case.message}" if case.expected_path else case.message
    assert expected in message
    line = expected_line(case, path)
    if line is not None:
        assert f"{path.name}: line {line}: {expected}" in message
    if not api:
        return message
    # The same problem through the Python API, as a PlanFileError carrying the problem and its place.
    with pytest.raises(PlanFileError) as error:
        read_plan_file(path)
    assert any(
        p.path == case.expected_path and case.message in p.message and (line is None or p.line == line)
        for p in error.value.problems
    ), error.value.problems
    return message


def test_the_cases_break_the_seed_and_nothing_else(tmp_path: Path) -> None:
    """The seed file itself, written the way the cases are, loads (without a database)."""
    assert len(CASES) >= 20
    assert len({case.id for case in CASES}) == len(CASES)
    data = copy.deepcopy(SEED)
    shutil.copy(SEED_TEXT, tmp_path / SEED_TEXT.name)
    (tmp_path / "seed.yaml").write_text(dump(data), encoding="utf-8")
    assert read_plan_file(tmp_path / "seed.yaml") == read_plan_file(SEED_PLAN)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_file(tmp_path: Path, case: Case) -> None:
    before = snapshot()
    assert_rejected(case, write_case(case, tmp_path))
    assert snapshot() == before
    assert not Plan.objects.exists()


def test_malformed_files_over_a_loaded_plan(plan: Plan, tmp_path: Path) -> None:
    """Every case again, now that version 1 of the plan is loaded: it stays version 1, untouched."""
    before = snapshot()
    assert before["plans"] == [("prw-mic2025", 1, plan.title_zh, "")]
    assert len(before["targets"]) == 34
    for case in CASES:
        directory = tmp_path / case.id
        directory.mkdir()
        assert_rejected(case, write_case(case, directory), api=False)
        assert snapshot() == before, case.id
    plan.refresh_from_db()
    assert plan.version == 1
    assert PlanVersion.objects.filter(plan=plan).count() == 1


@pytest.mark.django_db
def test_a_missing_file(tmp_path: Path) -> None:
    before = snapshot()
    with pytest.raises(CommandError, match=r"missing\.yaml: no such file: .*missing\.yaml"):
        call_command("load_plan", str(tmp_path / "missing.yaml"))
    with pytest.raises(CommandError, match=r"cannot be read"):
        call_command("load_plan", str(tmp_path))  # a directory
    assert snapshot() == before


def test_every_problem_is_reported_at_once(plan: Plan, tmp_path: Path) -> None:
    data = copy.deepcopy(SEED)
    ind(data, "I01")["targets"][0].update(value=-1, figure_note=REVISED)
    ind(data, "I04")["dimension"] = "nowhere"
    task(data, 1, 0)["lead"] = "NDRC"
    shutil.copy(SEED_TEXT, tmp_path / SEED_TEXT.name)
    path = tmp_path / "three.yaml"
    path.write_text(dump(data), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError) as info:
        call_command("load_plan", str(path))
    message = str(info.value)
    assert "rejected, 3 problem(s)" in message
    for expected in (
        f"indicators[{INDEX['I01']}].targets[0].value: a count cannot be negative",
        f"indicators[{INDEX['I04']}].dimension: unknown dimension 'nowhere'",
        "task_groups[1].tasks[0].lead: unknown unit 'NDRC'",
    ):
        assert expected in message
    assert all(re.match(r"  three\.yaml: line \d+: ", line) for line in message.splitlines()[1:])
    assert snapshot() == before


# --- files that pass every check but cannot be applied to what is already in the database ---


def _reported_value(plan: Plan, indicator: str, locality: str) -> ReportedValue:
    period = Period.objects.create(
        plan=plan, code="2018", frequency="yearly", year=2018, starts_on="2018-01-01", ends_on="2018-12-31"
    )
    return ReportedValue.objects.create(
        indicator=Indicator.objects.get(plan=plan, code=indicator),
        locality=Locality.objects.get(plan=plan, code=locality),
        period=period,
        value=123,
    )


@pytest.mark.parametrize(
    ("removed", "expected"),
    [
        ("indicator", "indicator 'I04' was removed from the file but data still refers to it"),
        ("locality", "locality 'ZH' was removed from the file but data still refers to it"),
    ],
)
def test_removing_what_reported_values_refer_to_changes_nothing(
    plan: Plan, tmp_path: Path, removed: str, expected: str
) -> None:
    _reported_value(plan, "I04", "ZH")  # I04: no ledger feeds it, no check refers to it
    data = copy.deepcopy(SEED)
    # Changes the loader would make before it reaches the removal: all of them must be undone.
    ind(data, "I02")["targets"][0].update(value=999, figure_note=REVISED)
    data["plan"]["document_number"] = "changed"
    if removed == "indicator":
        data["indicators"] = [i for i in data["indicators"] if i["code"] != "I04"]
    else:
        data["localities"] = [x for x in data["localities"] if x["code"] != "ZH"]
        i11 = ind(data, "I11")
        i11["targets"] = [t for t in i11["targets"] if t["scope"] != "ZH"]
    shutil.copy(SEED_TEXT, tmp_path / SEED_TEXT.name)
    path = tmp_path / "removal.yaml"
    path.write_text(dump(data), encoding="utf-8")
    read_plan_file(path)  # the file itself is fine

    before = snapshot()
    with pytest.raises(CommandError, match=re.escape(expected)):
        call_command("load_plan", str(path))
    assert snapshot() == before
    with pytest.raises(PlanFileError):
        load_plan_file(path)
    assert snapshot() == before
    plan.refresh_from_db()
    assert (plan.version, plan.document_number) == (1, "")
    assert Target.objects.get(indicator__code="I02", locality=None).value == 700
    assert not TargetRevision.objects.exists()


# --- a plan file cannot take the loader down (issue 15, part 4) -----------------------------------


def test_an_alias_bomb_is_refused_at_its_line_before_anything_is_built():
    """Nine lines that would expand to 9⁹ nodes: an alias of a value that itself holds aliases is
    refused (plain aliases of a shared value, as yaml.safe_dump writes them, stay allowed)."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        prev, cur = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    with pytest.raises(PlanFileError) as refused:
        parse_plan_text("\n".join(lines), name="bomb.yaml")
    (problem,) = refused.value.problems
    assert problem.line == 3 and "*b names a value that itself holds aliases" in problem.message


def test_nesting_deeper_than_the_format_needs_is_refused():
    with pytest.raises(PlanFileError, match="nested deeper than 32 levels"):
        parse_plan_text("plan: " + "[" * 10_000 + "]" * 10_000, name="deep.yaml")


def test_a_file_far_larger_than_any_plan_is_refused_unread():
    with pytest.raises(PlanFileError, match="larger than 5 MB"):
        parse_plan_text("# " + "x" * (6 * 2**20), name="huge.yaml")


def test_the_seed_plan_exports_without_aliases_and_reads_back():
    doc = read_plan_file(SEED_PLAN)
    text = dump_plan(doc)
    assert "&id" not in text and "*id" not in text
    assert parse_plan_text(text, name="again.yaml") == doc
