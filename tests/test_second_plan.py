"""A second real plan beside the seed's (tests/fixtures/plans/gd_tech_upgrade_2018.yaml): 21 cities,
most outside the seed's map, a cumulative sum of money in 万亿元. It loads, takes sample data,
reports, evaluates, ranks and makes a bulletin; the seed plan is left as it was."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import transaction
from openpyxl import load_workbook

from planwatch.bulletins.models import Bulletin
from planwatch.core.planfile import dump_plan
from planwatch.evaluation.runs import run_evaluation
from planwatch.plans.loader import load_plan_file, plan_to_document
from planwatch.plans.models import Plan, inclusion_note
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import Period, ReportedValue

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "plans"
SECOND = FIXTURES / "gd_tech_upgrade_2018.yaml"
CODE = "gd-tech-upgrade-2018"

pytestmark = pytest.mark.django_db


def seed_export(plan: Plan) -> str:
    return dump_plan(plan_to_document(plan), "yaml")


@pytest.fixture(scope="module")
def _second(_module_sample, django_db_blocker) -> Iterator[tuple[int, str]]:
    """The second plan with its own sample data, loaded once for the module beside the module's
    sampled seed plan (tests/conftest.py), in a transaction rolled back after the module; each test
    runs in a savepoint inside it. With it, the seed plan's export as it stood before."""
    with django_db_blocker.unblock(), transaction.atomic():
        before = seed_export(Plan.objects.get(pk=_module_sample))
        second = load_plan_file(SECOND).plan
        call_command("load_sample", "--plan", CODE, stdout=io.StringIO())
        try:
            yield second.pk, before
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def both(sampled, _second, settings, tmp_path):
    """The seed plan with its sample data, then the second plan with its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    second, before = _second
    return sampled, Plan.objects.get(pk=second), before


def test_it_loads_beside_the_seed_and_leaves_it_as_it_was(both):
    seed, second, before = both
    assert seed_export(seed) == before  # byte for byte
    assert second.localities.filter(pilot=True).count() == 21
    assert second.indicators.get(code="I01").unit == "万亿元"
    assert second.indicators.get(code="I01").kind == "cumulative_sum"
    assert not ReportedValue.objects.filter(indicator__plan=seed, locality__plan=second).exists()
    assert not ReportedValue.objects.filter(indicator__plan=second).exclude(locality__plan=second).exists()


def test_load_sample_with_two_plans_loads_each_plans_own(both):
    seed, second, _ = both
    out = io.StringIO()
    call_command("load_sample", stdout=out)  # every plan, no IntegrityError
    assert f"{seed.code}: sample data" in out.getvalue() and f"{CODE}: sample data" in out.getvalue()
    assert ReportedValue.objects.filter(indicator__plan=second, is_sample=True).exists()
    assert not ReportedValue.objects.filter(indicator__plan=second, is_sample=False).exists()


def test_it_evaluates_ranks_and_makes_a_bulletin(both, tmp_path):
    seed, second, before = both
    stored = run_evaluation(second, 2019)
    scores = stored.results["composite"]["scores"]
    assert {s["locality"] for s in scores} == set(
        second.localities.filter(pilot=True).values_list("code", flat=True)
    )
    out = io.StringIO()
    call_command(
        "bulletin",
        "--plan",
        CODE,
        "--period",
        "2019",
        "--format",
        "xlsx",
        "-o",
        str(tmp_path),
        "--no-sensitivity",
        stdout=out,
        stderr=io.StringIO(),
    )
    bulletin = Bulletin.objects.get(plan=second)
    assert bulletin.run.plan == second
    cells = [
        str(cell)
        for path in tmp_path.glob(f"bulletin-{CODE}-*.xlsx")
        for sheet in load_workbook(path).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    assert cells and not [c for c in cells if "顺德" in c or "定期评估" in c]  # nothing of the seed
    assert inclusion_note(second) == ("", "")
    assert seed_export(seed) == before


@pytest.fixture
def cast_of_second(both, django_user_model):
    """A reporter of 汕头市, a city of the second plan only."""
    from planwatch.accounts.models import Profile

    _, second, _ = both
    city = second.localities.get(code="ST")
    user = django_user_model.objects.create_user("sam", "sam@example.org", "sam-password")
    Profile.objects.create(user=user, role=Profile.Role.LOCALITY_REPORTER, locality=city)
    return user, city


def _yearly(plan: Plan, year: int) -> Period:
    return Period.objects.get(plan=plan, frequency="yearly", year=year)


def test_a_running_total_must_equal_its_yearly_figures(both, cast_of_second):
    _, second, _ = both
    reporter, city = cast_of_second
    i01, i02 = second.indicators.get(code="I01"), second.indicators.get(code="I02")
    p2018 = _yearly(second, 2018)
    ReportedValue.objects.filter(locality=city, period__year__gte=2018, period__plan=second).delete()
    wf.save_values(reporter, city, p2018, [wf.Entry(i02, Decimal(300)), wf.Entry(i01, Decimal("0.03"))])
    p2019 = _yearly(second, 2019)
    with pytest.raises(wf.InvalidValues, match="I02"):  # 300 + 400 亿元 is 0.07 万亿元, not 0.09
        wf.save_values(reporter, city, p2019, [wf.Entry(i02, Decimal(400)), wf.Entry(i01, Decimal("0.09"))])
    result = wf.save_values(
        reporter, city, p2019, [wf.Entry(i02, Decimal(400)), wf.Entry(i01, Decimal("0.07"))]
    )
    assert not [f for f in result.warnings if f.indicator == "I01"]  # doubling is what a running total does


def test_a_file_whose_city_targets_miss_the_region_target_is_refused(plan, tmp_path):
    data = yaml.safe_load(SECOND.read_text(encoding="utf-8"))
    shutil.copy(FIXTURES / "gd_tech_upgrade_2018.source.txt", tmp_path)
    i02 = next(i for i in data["indicators"] if i["code"] == "I02")
    note = {"zh": "测试：示例分解。", "en": "Test: a sample breakdown."}
    source = i02["targets"][0]["source"]
    cities = [loc["code"] for loc in data["localities"] if loc.get("pilot")]
    i02["targets"] += [
        {"scope": c, "year": 2018, "value": 200, "figure_note": note, "source": source} for c in cities
    ]  # 21 × 200 = 4200 亿元, short of the region's 5700
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CommandError, match=r"indicators\[1\]\.targets: 2018: The total falls short"):
        call_command("load_plan", str(path))
    assert not Plan.objects.filter(code=CODE).exists()
    data["plan"]["breakdown_check"] = "warning"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = io.StringIO()
    call_command("load_plan", str(path), stdout=out)
    assert "warning: indicators[1].targets: 2018: The total falls short" in out.getvalue()


def test_a_figure_not_in_its_sentence_is_refused(tmp_path):
    text = SECOND.read_text(encoding="utf-8").replace("value: 5700,", "value: 5701,")
    shutil.copy(FIXTURES / "gd_tech_upgrade_2018.source.txt", tmp_path)
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="5701 is not a number of the quoted sentence"):
        call_command("load_plan", str(path))


def test_demo_roles_name_the_plan_when_several_are_loaded(both):
    with pytest.raises(CommandError, match="several plans are loaded: name one with --plan"):
        call_command("demo_user", "--with-roles", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_user", "--with-roles", "--plan", CODE, stdout=out)
    assert "shantou_approver" in out.getvalue() and "guangzhou_reporter" in out.getvalue()


def test_a_breakdown_short_of_the_region_is_not_submitted_where_the_plan_makes_it_an_error(
    db, django_user_model
):
    from planwatch.accounts.models import Profile
    from planwatch.breakdown import actions as breakdown
    from planwatch.breakdown.table import read_table
    from planwatch.core.errors import Refused

    second = load_plan_file(SECOND).plan
    assert second.breakdown_check == "error"
    admin = django_user_model.objects.create_user("ada", "ada@example.org", "ada-password")
    Profile.objects.create(user=admin, role=Profile.Role.PROVINCE_ADMIN)
    i02 = second.indicators.get(code="I02")
    cities = list(second.localities.filter(pilot=True).values_list("code", flat=True))
    breakdown.save_targets(admin, i02, [breakdown.Entry(c, 2018, Decimal(200)) for c in cities])
    table = read_table(i02, breakdown.breakdown_of(i02))
    assert table.blocking and [c.year for c in table.shortfalls] == [2018]
    with pytest.raises(Refused, match="4,200 亿元"):  # 21 × 200, short of 5700
        breakdown.submit(admin, i02)
    breakdown.save_targets(admin, i02, [breakdown.Entry(c, 2018, Decimal(300)) for c in cities])
    assert breakdown.submit(admin, i02).status == "submitted"


def test_the_sample_running_totals_keep_their_rule(both):
    from planwatch.core.validation import check_running_total

    _, second, _ = both
    values = {
        (code, loc, year): value
        for code, loc, year, value in ReportedValue.objects.filter(indicator__plan=second).values_list(
            "indicator__code", "locality__code", "period__year", "value"
        )
    }
    cities = second.localities.filter(pilot=True).values_list("code", flat=True)
    for city in cities:
        for year in (2018, 2019, 2020):
            figures = [values[("I02", city, y)] for y in range(2018, year + 1)]
            assert (
                check_running_total("I01", "万亿元", values[("I01", city, year)], "I02", "亿元", figures)
                == []
            )


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "--year", "2019"],
        ["bulletin", "--period", "2019", "-o", "out"],
        ["export_plan"],
        ["export_values"],
        ["create_periods", "--year", "2021"],
        ["evaluations"],
        ["load_sample", "--plan", "nope"],
    ],
)
def test_a_command_of_one_plan_names_it_or_refuses_clearly(plan, args):
    load_plan_file(SECOND)
    with pytest.raises(
        CommandError, match="several plans are loaded: name one with --plan|no such plan: nope"
    ):
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
