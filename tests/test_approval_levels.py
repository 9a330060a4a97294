"""Approval at more than one level is configuration: the plan says, per locality level, whose
approvers approve in turn before the province accepts (plan file `review.approval`)."""

from __future__ import annotations

import copy

import pytest
import yaml

from planwatch.accounts.models import Profile
from planwatch.core import planfile
from planwatch.core.errors import IllegalTransition, NotAllowed, PlanFileError
from planwatch.kernel.review import Action
from planwatch.plans.loader import load_plan_document, plan_to_document
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import ReportedValue
from tests.audit import events
from tests.conftest import SEED_PLAN, _person
from tests.test_workflow import fill_all

pytestmark = pytest.mark.django_db
S = ReportedValue.Status


@pytest.fixture
def two_levels(plan, cast, django_user_model):
    """顺德区 (a district inside 佛山市) approved by its own approver, then by 佛山's."""
    plan.approval = {"default": ["self"], "district": ["self", "parent"]}
    plan.save()
    sd = plan.localities.get(code="SD")
    return (
        sd,
        _person(django_user_model, plan, "sam", Profile.Role.LOCALITY_REPORTER, locality="SD"),
        _person(django_user_model, plan, "sue", Profile.Role.LOCALITY_APPROVER, locality="SD"),
    )


def statuses(locality, period):
    return set(
        ReportedValue.objects.filter(locality=locality, period=period).values_list("status", "approvals")
    )


def test_the_chain_from_the_plan(plan, two_levels):
    sd, _sam, _sue = two_levels
    assert [loc.code for loc in sd.approval_chain()] == ["SD", "FS"]
    assert [loc.code for loc in plan.localities.get(code="ZH").approval_chain()] == ["ZH"]


def test_a_district_is_approved_by_its_own_approver_then_its_city(plan, cast, period, two_levels):
    sd, sam, sue = two_levels
    fill_all(plan, sam, sd, period)
    wf.submit(sam, sd, period)
    with pytest.raises(NotAllowed):  # 佛山's approver comes second, not first
        wf.approve(cast.fay, sd, period)
    wf.approve(sue, sd, period)
    assert statuses(sd, period) == {(S.SUBMITTED, 1)}  # still waiting for the next level
    with pytest.raises(IllegalTransition):
        wf.accept(cast.pat, sd, period)  # nothing approved yet
    with pytest.raises(NotAllowed):
        wf.approve(sue, sd, period)  # her level is done
    wf.approve(cast.fay, sd, period)
    assert statuses(sd, period) == {(S.APPROVED, 2)}
    wf.accept(cast.pat, sd, period)
    assert statuses(sd, period) == {(S.ACCEPTED, 2)}
    value = ReportedValue.objects.filter(locality=sd, period=period).first()
    assert [(e.verb, e.actor_name, e.new["approvals"]) for e in events(value) if e.verb == "approve"] == [
        ("approve", "sue", 1),
        ("approve", "fay", 2),
    ]


def test_a_return_starts_the_chain_again(plan, cast, period, two_levels):
    sd, sam, sue = two_levels
    fill_all(plan, sam, sd, period)
    wf.submit(sam, sd, period)
    wf.approve(sue, sd, period)
    wf.return_values(cast.fay, sd, period, "请补充说明")
    assert statuses(sd, period) == {(S.RETURNED, 0)}
    wf.submit(sam, sd, period)
    with pytest.raises(NotAllowed):
        wf.approve(cast.fay, sd, period)
    assert wf.VALUE.may(sue, ReportedValue.objects.filter(locality=sd).first(), Action.APPROVE)


def test_the_plan_file_says_it_and_exports_it(plan):
    doc = yaml.safe_load(SEED_PLAN.read_text(encoding="utf-8"))
    doc["review"] = {"approval": {"default": ["self"], "district": ["self", "parent"]}}
    loaded = load_plan_document(planfile.PlanDocument.model_validate(doc), file_name="two.yaml").plan
    assert loaded.approval == {"default": ["self"], "district": ["self", "parent"]}
    assert plan_to_document(loaded).review is not None
    wrong = copy.deepcopy(doc)
    wrong["review"] = {"approval": {"county": ["self", "self"]}}
    problems = planfile.check_plan(planfile.PlanDocument.model_validate(wrong))
    assert [("/".join(map(str, loc)), msg) for loc, msg in problems if loc[0] == "review"] == [
        (
            "review/approval/county",
            "no locality of the plan is at level 'county' (levels: city, district, province, or default)",
        ),
        ("review/approval/county", "an approver is named twice"),
    ]
    with pytest.raises(PlanFileError, match="an approver is named twice"):
        planfile.parse_plan_text(
            yaml.safe_dump(wrong, allow_unicode=True), name="wrong.yaml", base_dir=SEED_PLAN.parent
        )
