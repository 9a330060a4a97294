"""The breakdown (分解表) through the API: read, write whole, move through the review, with the same
rules and refusals as the page. Cast (tests/conftest.py): Lena leads 省科技厅 (I22–I28), Pat reviews
at the province, Zoe reports for 珠海."""

from __future__ import annotations

from typing import Any

from planwatch.kernel.models import AuditEvent
from planwatch.plans.models import Target
from tests.test_api_supervision import PLAN, as_user, post_json

I22 = f"{PLAN}/breakdowns/I22"
ROWS = [
    {"locality": code, "year": 2019, "value": value}
    for code, value in {"ZH": 10, "FS": 30, "ZS": 15, "JM": 15, "YJ": 5, "ZQ": 8, "SD": 12}.items()
]


def test_the_lead_unit_writes_the_breakdown_and_reads_the_shortfall(plan: Any, cast: Any) -> None:
    lena = as_user(cast.lena)
    response = post_json(lena, f"{I22}/targets", {"targets": ROWS}, method="put")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["mode"], body["moves"]) == ("draft", "edit", ["submit"])
    assert {(t["locality"], t["value"]) for t in body["targets"]} >= {("ZH", 10), ("SD", 12)}
    total = {t["year"]: t for t in body["totals"]}[2019]
    assert (total["state"], total["total"], total["region_target"], total["gap"]) == (
        "shortfall",
        83,
        108,
        25,
    )
    assert "SD" not in total["counted"]  # 顺德区 is inside 佛山市
    assert total["message_zh"].startswith("合计低于区域目标")
    assert AuditEvent.objects.filter(type="target.create", source="api").count() == 7
    listed = {b["indicator"]: b for b in as_user(cast.pat).get(f"{PLAN}/breakdowns").json()}
    assert listed["I22"]["shortfall_years"] == [2019] and listed["I22"]["state"] == "draft"
    assert "C01" not in listed  # a component only, without targets of its own


def test_refusals_name_their_place(plan: Any, cast: Any) -> None:
    response = post_json(
        as_user(cast.lena),
        f"{I22}/targets",
        {
            "targets": [
                {"locality": "ZH", "year": 2019, "value": 10},
                {"locality": "GD", "year": 2019, "value": 1},
            ]
        },
        method="put",
    )
    assert response.status_code == 403  # the province is no pilot unit: outside any breakdown
    assert [e["path"] for e in response.json()["errors"]] == ["targets[1]"]
    assert not Target.objects.filter(indicator__code="I22", locality__isnull=False).exists()
    response = post_json(as_user(cast.zoe), f"{I22}/targets", {"targets": ROWS}, method="put")
    assert response.status_code == 403 and "牵头单位" in response.json()["errors"][0]["message_zh"]
    assert as_user(cast.zoe).get(I22).json()["mode"] == "read"
    assert as_user(cast.lena).get(f"{PLAN}/breakdowns/NOPE").status_code == 404


def test_submit_approve_then_adjust_with_a_reason(plan: Any, cast: Any) -> None:
    lena, pat = as_user(cast.lena), as_user(cast.pat)
    post_json(lena, f"{I22}/targets", {"targets": ROWS}, method="put")
    assert post_json(lena, f"{I22}/transition", {"action": "approve"}).status_code == 409  # a draft
    assert post_json(lena, f"{I22}/transition", {"action": "submit"}).json()["state"] == "submitted"
    assert post_json(lena, f"{I22}/transition", {"action": "approve"}).status_code == 403  # not hers
    refused = post_json(pat, f"{I22}/transition", {"action": "return"})
    assert refused.status_code == 400  # a return needs a comment
    body = post_json(pat, f"{I22}/transition", {"action": "approve"}).json()
    assert (body["state"], body["mode"]) == ("accepted", "read")  # the province does not enter targets
    change = {"targets": [{"locality": "ZH", "year": 2019, "value": 12}]}
    response = post_json(lena, f"{I22}/targets", change, method="put")
    assert response.status_code == 400 and "须说明理由" in response.json()["errors"][0]["message_zh"]
    response = post_json(
        lena, f"{I22}/targets", {**change, "reason": "按2017年实际完成情况调整"}, method="put"
    )
    assert response.status_code == 200
    [adjustment] = response.json()["adjustments"]
    assert adjustment == {
        **adjustment,
        "locality": "ZH",
        "old_value": 10,
        "new_value": 12,
        "changed_by": "lena",
    }
    assert adjustment["reason"] == "按2017年实际完成情况调整"
