"""The names of a plan's things by their codes, for the audit log (kernel.models.CODE_NAMES): an
event keeps codes (地区 ZH, 单位 DST, 重点领域 KF01) so that its record stays when a thing goes; a reader
is shown the names the plan has for them now."""

from __future__ import annotations

from collections.abc import Callable

from planwatch.plans.models import KeyField, Locality, Unit, pick

# The keys of an event's old and new that hold a code of the plan's things, and whose.
CODED: dict[str, type[Locality] | type[Unit] | type[KeyField]] = {
    "locality": Locality,
    "unit": Unit,
    "owner_unit": Unit,  # a milestone's
    "key_field": KeyField,
}


def namer(model: type[Locality] | type[Unit] | type[KeyField]) -> Callable[[str, set[str]], dict[str, str]]:
    """{code: name} of `model`'s rows of the plan (one query); a code it no longer has is left as it is."""

    def names(plan_code: str, codes: set[str]) -> dict[str, str]:
        rows = model._default_manager.filter(plan__code=plan_code, code__in=codes).values_list(
            "code", "name_zh", "name_en"
        )
        return {code: pick(zh, en) for code, zh, en in rows}

    return names
