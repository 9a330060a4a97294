"""Derived indicators (issue 14, part 6): rates PlanWatch computes from its own records, per locality
and year — milestones done on time, values reported on time, returns per submission — declared in
the plan file, checked, loaded and exported, and evaluated in their dimensions.

Hand-computed on a small plan and a small cast: 甲市 (CA: Ann reports, Amy approves) and 乙市 (CB:
Ben reports, Bea approves), Pia at the province. Records are made through the real workflow and
then dated (the audit events and the progress updates) as the story says; the day judged is
30 June 2019.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.db.models import Max
from django.utils import timezone

from planwatch.core import supervision as core
from planwatch.core.errors import PlanFileError
from planwatch.core.evaluation import REGION, Observation, TargetSpec
from planwatch.core.kinds import DERIVED_MARK, DerivedMetric, Direction
from planwatch.core.planfile import parse_plan_text, read_plan_file
from planwatch.evaluation import derived
from planwatch.evaluation.derived import METRICS, Scope, Tally
from planwatch.evaluation.models import DerivedIndicator
from planwatch.evaluation.runs import build_input, parameters_from_options, run_evaluation
from planwatch.kernel.models import AuditEvent
from planwatch.plans.loader import load_plan_document, load_plan_file, plan_to_document
from planwatch.plans.models import Plan
from planwatch.reporting import periods as reporting_periods
from planwatch.reporting import workflow as wf
from planwatch.reporting.sample import yearly_period
from planwatch.supervision import actions
from planwatch.supervision.models import Milestone, ProgressUpdate
from tests.audit import backdate
from tests.conftest import SEED_PLAN, _person

AS_OF = dt.date(2019, 6, 30)

TINY = """\
format: planwatch/plan@1
plan:
  code: tiny-2018
  title: {zh: 示例省骨干企业培育实施方案, en: Example province backbone enterprise plan}
  issuer: {zh: 示例省人民政府办公厅, en: General Office of the Example Provincial Government}
  issued_on: '2018-03-01'
  region: {zh: 示例省, en: Example Province}
  period: {base_year: 2017, start_year: 2018, end_year: 2019}
  source_text: |
    一、主要任务
    1．培育骨干企业。到2019年，培育骨干企业50家以上。（省工业和信息化厅，各市政府）
localities:
- {code: PX, name: {zh: 示例省, en: Example Province}, level: province}
- {code: CA, name: {zh: 甲市, en: City A}, level: city, parent: PX, pilot: true}
- {code: CB, name: {zh: 乙市, en: City B}, level: city, parent: PX, pilot: true}
units:
- {code: DIIT, name: {zh: 省工业和信息化厅, en: Department of Industry and IT}, kind: provincial_department}
- {code: CGOV, name: {zh: 各市政府, en: City governments}, kind: local_government}
dimensions:
- {code: quality, name: {zh: 质量效益, en: Quality}, weight: 0.4}
- {code: policy, name: {zh: 政策实施, en: Policy implementation}, weight: 0.3}
- {code: coordination, name: {zh: 组织协同, en: Coordination}, weight: 0.3}
task_groups:
- code: G1
  number: 1
  title: {zh: 主要任务, en: Main tasks}
  source: {clause: 一, quote: 一、主要任务}
  tasks:
  - code: T1
    number: 1
    title: {zh: 培育骨干企业, en: Cultivate backbone enterprises}
    lead: DIIT
    participants: [CGOV]
    source: {clause: 一1, quote: 1．培育骨干企业。到2019年，培育骨干企业50家以上。（省工业和信息化厅，各市政府）}
indicators:
- code: I01
  name: {zh: 骨干企业数, en: Backbone enterprises}
  unit: 家
  kind: cumulative_count
  aggregation: sum
  dimension: quality
  tasks: [T1]
  source: {clause: 一1, quote: 到2019年，培育骨干企业50家以上。}
  targets:
  - {scope: region, year: 2019, value: 50, qualifier: at_least, source: {clause: 一1, quote: 培育骨干企业50家以上}}
- code: I02
  name: {zh: 骨干企业培育项目数, en: Backbone enterprise projects}
  unit: 个
  kind: level
  aggregation: sum
  dimension: quality
  tasks: [T1]
  source: {clause: 一1, quote: 培育骨干企业}
- code: I03
  name: {zh: 骨干企业季度新增数, en: Backbone enterprises added in the quarter}
  unit: 家
  kind: level
  aggregation: sum
  frequency: quarterly
  tasks: [T1]
  source: {clause: 一1, quote: 培育骨干企业}
derived_indicators:
- {code: D1, metric: milestones_on_time, dimension: policy}
- {code: D2, metric: values_on_time, dimension: coordination}
- code: D3
  metric: returns_per_submission
  dimension: coordination
  target: 10
  note: {zh: 目标10%为示例。, en: The 10 % target is an example.}
"""


def tiny(**changes: object) -> dict:
    data = yaml.safe_load(TINY)
    data.update(changes)
    return data


@pytest.fixture
def small(db) -> Plan:
    return load_plan_document(parse_plan_text(TINY, name="tiny.yaml"), file_name="tiny.yaml").plan


@pytest.fixture
def people(small, django_user_model) -> SimpleNamespace:
    from planwatch.accounts.models import Profile

    R = Profile.Role
    return SimpleNamespace(
        pia=_person(django_user_model, small, "pia", R.PROVINCE_REVIEWER, unit="DIIT"),
        ann=_person(django_user_model, small, "ann", R.LOCALITY_REPORTER, locality="CA"),
        amy=_person(django_user_model, small, "amy", R.LOCALITY_APPROVER, locality="CA"),
        ben=_person(django_user_model, small, "ben", R.LOCALITY_REPORTER, locality="CB"),
        bea=_person(django_user_model, small, "bea", R.LOCALITY_APPROVER, locality="CB"),
    )


def noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 12))


@contextmanager
def on(day: dt.date) -> Iterator[None]:
    """What is done inside happened on `day`: its audit events and progress updates are dated so."""
    events = AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0
    updates = ProgressUpdate.objects.aggregate(m=Max("id"))["m"] or 0
    yield
    backdate(AuditEvent.objects.filter(id__gt=events), noon(day))
    ProgressUpdate.objects.filter(id__gt=updates).update(created_at=noon(day))


def scope_of(plan: Plan, years: tuple[int, ...] = (2018, 2019)) -> Scope:
    return Scope(plan, {loc.pk: loc.code for loc in plan.pilot_units()}, years, AS_OF)


def pilots_of(plan: Plan) -> dict[int, str]:
    return {loc.pk: loc.code for loc in plan.pilot_units()}


# --- the plan file ------------------------------------------------------------------------------


def test_a_plan_file_declares_derived_indicators(small):
    doc = parse_plan_text(TINY, name="tiny.yaml")
    assert [(d.code, d.metric, d.dimension, d.target) for d in doc.derived_indicators] == [
        ("D1", DerivedMetric.MILESTONES_ON_TIME, "policy", None),
        ("D2", DerivedMetric.VALUES_ON_TIME, "coordination", None),
        ("D3", DerivedMetric.RETURNS_PER_SUBMISSION, "coordination", Decimal(10)),
    ]
    stored = DerivedIndicator.objects.filter(plan=small).order_by("order")
    assert [(d.code, d.metric, d.dimension.code, d.target) for d in stored] == [
        ("D1", "milestones_on_time", "policy", None),
        ("D2", "values_on_time", "coordination", None),
        ("D3", "returns_per_submission", "coordination", Decimal(10)),
    ]
    # Not indicators of the text: no row among them, so on no entry form and in no template.
    assert sorted(small.indicators.values_list("code", flat=True)) == ["I01", "I02", "I03"]
    period = yearly_period(small, 2018)
    assert sorted(i.code for i in wf.required_indicators(period)) == ["I01", "I02"]
    # A target left unsaid is the metric's ideal.
    assert [derived.target_of(d) for d in stored] == [Decimal(100), Decimal(100), Decimal(10)]


def test_the_export_gives_the_derived_indicators_back(small):
    doc = plan_to_document(small)
    assert doc.derived_indicators == parse_plan_text(TINY, name="tiny.yaml").derived_indicators
    assert load_plan_document(doc, file_name="again.yaml").status == "unchanged"


def test_a_plan_without_derived_indicators_hashes_as_before():
    data = tiny()
    del data["derived_indicators"]
    doc = parse_plan_text(yaml.safe_dump(data, allow_unicode=True), name="bare.yaml")
    assert "derived_indicators" not in doc.canonical_json()


def test_a_changed_file_updates_and_removes_them(small):
    data = tiny()
    data["derived_indicators"] = [
        {"code": "D2", "metric": "values_on_time", "dimension": "policy", "target": 95}
    ]
    load_plan_document(parse_plan_text(yaml.safe_dump(data, allow_unicode=True)), file_name="v2.yaml")
    [only] = DerivedIndicator.objects.filter(plan=small)
    assert (only.code, only.dimension.code, only.target) == ("D2", "policy", Decimal(95))


def problems(data: dict) -> list[str]:
    with pytest.raises(PlanFileError) as info:
        parse_plan_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), name="bad.yaml")
    return [str(p) for p in info.value.problems]


def test_an_unknown_metric_is_named_at_its_place():
    data = tiny()
    data["derived_indicators"][1]["metric"] = "values_in_time"
    [problem] = problems(data)
    assert "derived_indicators[1].metric" in problem
    assert (
        "milestones_on_time" in problem
        and "values_on_time" in problem
        and "returns_per_submission" in problem
    )
    assert "line " in problem


def test_what_a_plan_file_may_not_say_of_a_derived_indicator():
    data = tiny()
    data["derived_indicators"] = [
        {"code": "I01", "metric": "milestones_on_time", "dimension": "policy"},  # an indicator's code
        {"code": "D2", "metric": "values_on_time", "dimension": "process"},  # no such dimension
        {"code": "D3", "metric": "values_on_time"},  # measured twice
        {"code": "D3", "metric": "returns_per_submission"},  # a code twice
    ]
    found = problems(data)
    assert any("derived_indicators[0].code" in p and "already the code of an indicator" in p for p in found)
    assert any("derived_indicators[1].dimension" in p and "unknown dimension 'process'" in p for p in found)
    assert any("derived_indicators[2].metric" in p and "already measured by D2" in p for p in found)
    assert any(
        "derived_indicators[3].code" in p and "duplicate derived indicator code 'D3'" in p for p in found
    )


@pytest.mark.parametrize("target", [-1, 101, "all"])
def test_a_target_is_a_rate_between_0_and_100(target):
    data = tiny()
    data["derived_indicators"][0]["target"] = target
    [problem] = problems(data)
    assert "derived_indicators[0].target" in problem


def test_a_derived_indicator_has_no_source_quote():
    data = tiny()
    data["derived_indicators"][0]["source"] = {"clause": "一1", "quote": "培育骨干企业"}
    [problem] = problems(data)
    assert "derived_indicators[0].source" in problem and "unknown field" in problem


def test_a_nothing_written_when_the_file_is_refused(db, tmp_path: Path):
    data = tiny()
    data["derived_indicators"][0]["metric"] = "breakdown_on_time"  # not a metric yet
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanFileError):
        load_plan_file(path)
    assert not Plan.objects.exists() and not DerivedIndicator.objects.exists()


# --- the registry -------------------------------------------------------------------------------


def test_every_metric_has_one_row():
    assert set(METRICS) == set(DerivedMetric)
    for code, row in METRICS.items():
        assert row.code == code and row.unit == "%" and row.zh == code.zh and row.en == code.en
        assert Decimal(0) <= row.ideal <= Decimal(100)
    assert METRICS[DerivedMetric.RETURNS_PER_SUBMISSION].direction == Direction.LOWER_IS_BETTER
    assert METRICS[DerivedMetric.RETURNS_PER_SUBMISSION].ideal == 0
    assert METRICS[DerivedMetric.VALUES_ON_TIME].ideal == 100


# --- milestones done on time ---------------------------------------------------------------------


def test_the_day_a_milestone_was_done():
    d = dt.date
    assert core.done_on([]) is None
    assert core.done_on([("in_progress", d(2018, 3, 1)), ("done", d(2018, 3, 20))]) == d(2018, 3, 20)
    # Done, reopened, done again: done on the second day; done twice in a row: the first.
    reopened = [("done", d(2018, 3, 1)), ("in_progress", d(2018, 3, 5)), ("done", d(2018, 4, 2))]
    assert core.done_on(reopened) == d(2018, 4, 2)
    assert core.done_on([("done", d(2018, 3, 1)), ("done", d(2018, 3, 9))]) == d(2018, 3, 1)
    assert core.done_on([("done", d(2018, 3, 1)), ("at_risk", d(2018, 3, 9))]) is None
    due = d(2018, 6, 30)
    assert core.finished_on_time(due, d(2018, 6, 30), d(2019, 1, 1)) is True  # on the due day
    assert core.finished_on_time(due, d(2018, 7, 1), d(2019, 1, 1)) is False
    assert core.finished_on_time(due, None, d(2018, 7, 1)) is False  # not done, past due
    assert core.finished_on_time(due, None, d(2018, 6, 30)) is None  # not done, not late yet


def milestone(user, action_plan, title: str, due: dt.date) -> Milestone:
    task = action_plan.plan.tasks.get(code="T1")
    return actions.add_milestone(user, action_plan, actions.MilestoneData(task=task, title=title, due_on=due))


def progress(user, m: Milestone, day: dt.date, status: str = "done", percent: int = 100) -> ProgressUpdate:
    with on(day):
        return actions.post_update(user, m, status, percent)


@pytest.fixture
def milestones(small, people):
    """甲市 has four milestones due in 2018 and did three on time: the first early, the second on its
    due day, the fourth early; the third was reported done before its due day, but the province
    returned that update, and it was done again after the due day. 乙市 has two due in 2018, one done
    on time and one still in progress after its due day, and one due in September 2019, not started
    (not late yet on 30 June 2019)."""
    ca, cb = small.localities.get(code="CA"), small.localities.get(code="CB")
    a = actions.open_action_plan(people.ann, small, ca, 2018)
    m1 = milestone(people.ann, a, "印发年度工作方案", dt.date(2018, 3, 31))
    m2 = milestone(people.ann, a, "建立骨干企业名录", dt.date(2018, 6, 30))
    m3 = milestone(people.ann, a, "完成骨干企业评估", dt.date(2018, 9, 30))
    m4 = milestone(people.ann, a, "召开年度推进会", dt.date(2018, 12, 31))
    progress(people.ann, m1, dt.date(2018, 3, 20))
    progress(people.ann, m2, dt.date(2018, 6, 30))
    early = progress(people.ann, m3, dt.date(2018, 9, 25))
    with on(dt.date(2018, 9, 27)):
        actions.return_update(people.pia, early, "评估报告未附，请补充")
    progress(people.ann, m3, dt.date(2018, 10, 8))
    progress(people.ann, m4, dt.date(2018, 11, 15))
    b = actions.open_action_plan(people.ben, small, cb, 2018)
    n1 = milestone(people.ben, b, "印发年度工作方案", dt.date(2018, 6, 30))
    n2 = milestone(people.ben, b, "召开年度推进会", dt.date(2018, 12, 31))
    b19 = actions.open_action_plan(people.ben, small, cb, 2019)
    milestone(people.ben, b19, "完成年度评估", dt.date(2019, 9, 30))
    progress(people.ben, n1, dt.date(2018, 6, 1))
    progress(people.ben, n2, dt.date(2018, 12, 1), "in_progress", 60)
    return small


def test_milestones_on_time(milestones):
    tallies = METRICS[DerivedMetric.MILESTONES_ON_TIME].count(scope_of(milestones))
    assert tallies == {("CA", 2018): Tally(3, 4), ("CB", 2018): Tally(1, 2)}
    assert tallies[("CA", 2018)].rate == 75.0 and tallies[("CB", 2018)].rate == 50.0
    # Later, the September milestone is late too: 2019 is judged, 0 of 1.
    later = Scope(milestones, pilots_of(milestones), (2018, 2019), dt.date(2019, 10, 1))
    assert METRICS[DerivedMetric.MILESTONES_ON_TIME].count(later)[("CB", 2019)] == Tally(0, 1)


# --- values reported on time, and returns per submission ----------------------------------------


def save(user, locality, period, **values: int) -> None:
    entries = [
        wf.Entry(period.plan.indicators.get(code=c), Decimal(v), expected_version=None)
        for c, v in values.items()
    ]
    wf.save_values(user, locality, period, entries)


@pytest.fixture
def reports(small, people):
    """2018 (due 31 March 2019) and its first quarter (due 30 April 2018), the only quarter with a
    period; I01 and I02 are yearly, I03 quarterly.

    甲市: I03 for the quarter submitted on 3 May 2018 (late); I01 submitted on 30 March 2019,
    returned by Amy on 1 April and submitted again on 3 April (its first submission was on time);
    I02 submitted on 30 March 2019. On time 2 of 3; returns 1 of 4 submissions.
    乙市: nothing for the quarter (late); I01 submitted on 10 April 2019 (late); I02 submitted on
    25 March, returned by Bea on 28 March, submitted again on 2 April (on time). On time 1 of 3;
    returns 1 of 3 submissions.
    2019 (due 31 March 2020) is not due on 30 June 2019: nothing of it is judged."""
    ca, cb = small.localities.get(code="CA"), small.localities.get(code="CB")
    year = yearly_period(small, 2018)
    yearly_period(small, 2019)
    [(q1, _), *later] = reporting_periods.create_periods(
        small,
        2018,
        "quarterly",
        due_after_days=30,
        lock_after_days=3650,  # entry stays open
    )
    for quarter, _ in later:  # only the first quarter is reported in this story
        quarter.delete()
    assert q1.due_on == dt.date(2018, 4, 30) and year.due_on == dt.date(2019, 3, 31)
    save(people.ann, ca, q1, I03=2)
    with on(dt.date(2018, 5, 3)):
        wf.submit(people.ann, ca, q1, codes=["I03"])
    save(people.ann, ca, year, I01=12, I02=30)
    with on(dt.date(2019, 3, 30)):
        wf.submit(people.ann, ca, year)
    with on(dt.date(2019, 4, 1)):
        wf.return_values(people.amy, ca, year, "企业名单与数值不符", codes=["I01"])
    with on(dt.date(2019, 4, 3)):
        wf.submit(people.ann, ca, year, codes=["I01"])
    save(people.ben, cb, year, I01=8, I02=20)
    with on(dt.date(2019, 3, 25)):
        wf.submit(people.ben, cb, year, codes=["I02"])
    with on(dt.date(2019, 3, 28)):
        wf.return_values(people.bea, cb, year, "请附项目清单", codes=["I02"])
    with on(dt.date(2019, 4, 2)):
        wf.submit(people.ben, cb, year, codes=["I02"])
    with on(dt.date(2019, 4, 10)):
        wf.submit(people.ben, cb, year, codes=["I01"])
    return small


def test_values_reported_on_time(reports):
    tallies = METRICS[DerivedMetric.VALUES_ON_TIME].count(scope_of(reports))
    assert tallies == {("CA", 2018): Tally(2, 3), ("CB", 2018): Tally(1, 3)}


def test_a_value_sent_back_and_not_sent_again_by_the_due_day_is_late(reports, people):
    """The one definition of late (Period.days_late): a value not submitted (or further) once the
    due day has passed is late, whenever it was first sent."""
    cb, year = reports.localities.get(code="CB"), yearly_period(reports, 2018)
    with on(dt.date(2019, 4, 12)):
        wf.return_values(people.bea, cb, year, "仍缺项目清单", codes=["I02"])
    assert METRICS[DerivedMetric.VALUES_ON_TIME].count(scope_of(reports))[("CB", 2018)] == Tally(0, 3)


def test_returns_per_submission(reports):
    tallies = METRICS[DerivedMetric.RETURNS_PER_SUBMISSION].count(scope_of(reports))
    assert tallies == {("CA", 2018): Tally(1, 4), ("CB", 2018): Tally(1, 3)}
    assert tallies[("CA", 2018)].rate == 25.0
    assert tallies[("CB", 2018)].rate == pytest.approx(100 / 3)


# --- the evaluation -----------------------------------------------------------------------------


def test_build_input_adds_the_rates_of_the_localities_and_the_region(milestones, reports):
    inp, version = build_input(milestones, as_of=AS_OF)
    derived_specs = {s.code: s for s in inp.indicators if s.code.startswith("D")}
    assert {c: (s.dimension, s.direction) for c, s in derived_specs.items()} == {
        "D1": ("policy", Direction.HIGHER_IS_BETTER),
        "D2": ("coordination", Direction.HIGHER_IS_BETTER),
        "D3": ("coordination", Direction.LOWER_IS_BETTER),
    }
    seen = {(o.indicator, o.scope, o.year): o.value for o in inp.observations if o.indicator in derived_specs}
    assert seen == pytest.approx(
        {
            ("D1", "CA", 2018): 75.0,
            ("D1", "CB", 2018): 50.0,
            ("D1", REGION, 2018): 100 * 4 / 6,  # all the records together
            ("D2", "CA", 2018): 100 * 2 / 3,
            ("D2", "CB", 2018): 100 / 3,
            ("D2", REGION, 2018): 50.0,
            ("D3", "CA", 2018): 25.0,
            ("D3", "CB", 2018): 100 / 3,
            ("D3", REGION, 2018): 100 * 2 / 7,
        }
    )
    # The target holds for every locality, the region and plan year.
    assert TargetSpec("D3", "CB", 2019, 10.0) in inp.targets
    assert TargetSpec("D1", REGION, 2018, 100.0) in inp.targets
    assert version.derived is not None
    assert (version.derived.as_of, version.derived.indicators) == ("2019-06-30", ("D1", "D2", "D3"))
    assert version.derived.observed == 9 and version.derived.sample_records == 0
    assert Observation("D2", "CA", 2019, 0.0) not in inp.observations  # 2019 is not due yet


def test_a_run_uses_them_in_their_dimensions(milestones, reports):
    run = run_evaluation(
        milestones,
        2018,
        params=parameters_from_options(sensitivity=False),
        include_unaccepted=True,
        as_of=AS_OF,
    )
    composite = run.evaluation.composite
    by_dimension: dict[str, list[str]] = {}
    for w in composite.weights:
        by_dimension.setdefault(w.dimension, []).append(w.indicator)
    assert by_dimension == {"quality": ["I01", "I02"], "policy": ["D1"], "coordination": ["D2", "D3"]}
    scores = {s.locality: {d.dimension: d.score for d in s.dimensions} for s in composite.scores}
    # Normalized to the target: 75 / 100 and 50 / 100; returns 10 / 25 and 10 / 33.3 (lower is better).
    assert scores["CA"]["policy"] == pytest.approx(0.75)
    assert scores["CB"]["policy"] == pytest.approx(0.5)
    assert scores["CA"]["coordination"] == pytest.approx((2 / 3 + 10 / 25) / 2)
    assert scores["CB"]["coordination"] == pytest.approx((1 / 3 + 10 / (100 / 3)) / 2)
    results = {(r.indicator, r.scope): r for r in run.evaluation.indicators}
    assert results[("D1", "CA")].value == 75.0 and results[("D1", "CA")].target == 100.0
    assert results[("D3", REGION)].value == pytest.approx(100 * 2 / 7)
    assert run.version.derived is not None and not run.sample


# --- the seed plan ------------------------------------------------------------------------------


def test_the_seed_plan_measures_policy_and_coordination_with_them(plan):
    doc = read_plan_file(SEED_PLAN)
    assert [(d.code, d.metric.value, d.dimension, d.target) for d in doc.derived_indicators] == [
        ("PW01", "milestones_on_time", "policy", Decimal(100)),
        ("PW02", "values_on_time", "coordination", Decimal(100)),
        ("PW03", "returns_per_submission", "coordination", Decimal(10)),
    ]
    for d in doc.derived_indicators:  # marked as PlanWatch's choice, not the text's
        assert d.note is not None and d.note.zh.startswith(DERIVED_MARK[0])
        assert d.note.en.startswith(DERIVED_MARK[1])
    # Not among the text's 35 indicators, and no quote of the text.
    assert not {d.code for d in doc.derived_indicators} & {i.code for i in doc.indicators}
    assert plan.indicators.count() == 35
    assert DerivedIndicator.objects.filter(plan=plan).count() == 3
    assert "source" not in yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))["derived_indicators"][0]


def test_names_carry_the_mark(small):
    assert derived.names(small)["D2"] == "数据按期报送率（PlanWatch 口径，非方案原文）"
    assert (
        derived.names(small, english=True)["D2"]
        == "Values reported on time (PlanWatch's measure, not the plan text's)"
    )


def test_a_locality_that_reported_nothing_is_not_ranked_on_its_lateness(small, people):
    """2019 (due 31 March 2020): 甲市 submits both values on 20 March 2020, 乙市 sends nothing. On
    30 June 2020 乙市 reported 0 % on time, which is shown; but having reported nothing of the year,
    it is not ranked on the rates PlanWatch derives (ranking it on them would read as a result)."""
    ca = small.localities.get(code="CA")
    year = yearly_period(small, 2019)
    save(people.ann, ca, year, I01=20, I02=35)
    with on(dt.date(2020, 3, 20)):
        wf.submit(people.ann, ca, year)
    run = run_evaluation(
        small,
        2019,
        params=parameters_from_options(sensitivity=False),
        include_unaccepted=True,
        as_of=dt.date(2020, 6, 30),
    )
    results = {(r.indicator, r.scope): r for r in run.evaluation.indicators}
    assert results[("D2", "CA")].value == 100.0 and results[("D2", "CB")].value == 0.0
    composite = run.evaluation.composite
    assert [s.locality for s in composite.scores] == ["CA"]
    assert [e.locality for e in composite.excluded] == ["CB"]


@pytest.mark.usefixtures("sampled")
def test_the_dashboards_show_them_apart_with_their_mark(client, plan, cast):
    """The seed plan with its sample data: the sample values were loaded accepted, without a
    submission, so they are never late (PW02 100 %); they have no submissions (PW03 none); the sample
    milestones are dated from today, none due in 2018 (PW01 none). Computed from sample records:
    labelled 示例数据."""
    client.force_login(cast.pat)
    page = client.get(f"/plans/{plan.code}/dashboard/?year=2018")
    assert page.status_code == 200
    rows = {r["indicator"].code: r for r in page.context["derived_rows"]}
    assert list(rows) == ["PW01", "PW02", "PW03"]
    assert (rows["PW02"]["value"], rows["PW02"]["target"]) == ("100", "100")
    assert rows["PW01"]["value"] == "—" and rows["PW03"]["value"] == "—"
    assert page.context["derived_sample"]
    html = page.content.decode()
    table = html.split('id="derived-table"')[1].split("</table>")[0]
    assert table.count('small derived-mark">PlanWatch 口径，非方案原文<') == 3
    assert "示例数据" in html.split('id="derived-card"')[1].split("</section>")[0]
    # Not among the text's indicators of the region table, and no link to an indicator page.
    assert "PW02" not in html.split('id="region-table"')[1].split("</table>")[0]
    assert "/indicators/PW02/" not in html
    locality = client.get(f"/plans/{plan.code}/dashboard/localities/ZH/?year=2018")
    assert [r["indicator"].code for r in locality.context["derived_rows"]] == ["PW01", "PW02", "PW03"]
    assert "PlanWatch 口径，非方案原文" in locality.content.decode()


def test_the_plan_browser_lists_them_apart_from_the_texts_indicators(client, plan, bob):
    client.force_login(bob)
    html = client.get(f"/plans/{plan.code}/indicators/").content.decode()
    texts, computed = html.split('id="derived-indicators"')
    assert "PW01" not in texts and "I01" not in computed
    table = computed.split("</table>")[0]
    assert table.count('small derived-mark">PlanWatch 口径，非方案原文<') == 3  # each row marked
    assert "行动计划里程碑按期完成率" in table and "数据退回率" in table
    assert ">10<" in table  # PW03's target, as the plan file sets it


def test_the_sample_milestones_count_as_their_story_says(plan):
    """The demo's action plans, dated from `today` (1 July 2019): in each pilot unit one milestone was
    done before its due day (“已按期印发”), one is overdue and not done; the others are not due yet.
    Milestones done on time: 1 of 2 everywhere, all of it sample data (示例数据)."""
    from planwatch.demo.sample import load_sample

    today = dt.date(2019, 7, 1)
    load_sample(plan, today)
    scope = Scope(plan, pilots_of(plan), (2019,), today)
    tallies = METRICS[DerivedMetric.MILESTONES_ON_TIME].count(scope)
    assert tallies == {(code, 2019): Tally(1, 2, 2) for code in ("ZH", "FS", "ZS", "JM", "YJ", "ZQ", "SD")}
    _, version = build_input(plan, as_of=today)
    assert version.derived is not None and version.derived.sample_records > 0 and version.sample
