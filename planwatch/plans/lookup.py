"""Finding a plan and its localities by what people type on the command line or in a file."""

from __future__ import annotations

import re

from planwatch.core.errors import NotFound
from planwatch.plans.models import Locality, Plan

# What each kind of code is called, in Chinese and English: the one wording of a code that names
# nothing in the plan, wherever it is typed (a data value set, the API, the command line).
CODE_NAMES = {
    "indicator": ("指标", "indicator"),
    "locality": ("地区代码", "locality"),
    "period": ("报告期", "period"),
}


def no_such(plan: Plan, what: str, code: str) -> tuple[str, str]:
    """The message for a `what` code (indicator, locality, period) that the plan does not have."""
    zh, en = CODE_NAMES[what]
    return f"本方案没有{zh}“{code}”", f"no {en} {code!r} in plan {plan.code!r}"


def find_plan(code: str | None) -> Plan:
    """The plan by code, or the only plan loaded. NotFound (a LookupError) says why not."""
    plans = Plan.objects.defer("source_text")
    if code:
        plans = plans.filter(code=code)
    found = list(plans[:2])
    if not found:
        if code:
            raise NotFound(f"没有代码为 {code} 的方案", f"no such plan: {code}")
        raise NotFound("尚未载入方案：请先运行 load_plan", "no plan is loaded: run load_plan first")
    if len(found) > 1:
        raise NotFound(
            "已载入多个方案：请用 --plan 指定一个", "several plans are loaded: name one with --plan"
        )
    return found[0]


def find_locality(plan: Plan, text: str) -> Locality:
    """A locality by code (ZH), Chinese name (珠海市, or 珠海 without 省/市/区/县) or English name."""
    wanted = text.strip()
    localities = list(plan.localities.all())
    for match in (
        lambda loc: loc.code.casefold() == wanted.casefold(),
        lambda loc: loc.name_zh == wanted,
        lambda loc: re.sub(r"[省市区县]$", "", loc.name_zh) == wanted,
        lambda loc: loc.name_en.casefold() == wanted.casefold(),
    ):
        hits = [loc for loc in localities if match(loc)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            codes = ", ".join(h.code for h in hits)
            raise NotFound(f"“{text}”对应多个地区：{codes}", f"{text!r} names several localities: {codes}")
    known = ", ".join(f"{loc.code} {loc.name_zh}" for loc in localities if loc.pilot)
    raise NotFound(
        f"方案 {plan.code} 没有地区“{text}”（试点单位：{known}）",
        f"no locality {text!r} in plan {plan.code} (pilot units: {known})",
    )
