from __future__ import annotations

from decimal import Decimal

from django import template

from planwatch.core.planfile import canonical_decimal, whole_number_unit

register = template.Library()


@register.filter
def num(value: Decimal | int | float | None) -> str:
    """A number as officials write it: no trailing zeros, thousands grouped."""
    if value is None or value == "":
        return "—"
    number = canonical_decimal(Decimal(str(value)))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}"


@register.filter
def fixed(value: Decimal | None, unit: str) -> str:
    """A reported value with one precision per unit: whole counts, two decimals otherwise."""
    if value is None:
        return "—"
    places = 0 if whole_number_unit(unit) else 2
    return f"{Decimal(value):,.{places}f}"


@register.filter
def get(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None


@register.filter
def is_province(user: object) -> bool:
    """Whether the signed-in user works for the province (the management pages are theirs)."""
    from planwatch.accounts.models import profile_of

    return bool(getattr(user, "is_authenticated", False)) and profile_of(user).is_province


@register.filter
def status_label(code: str) -> str:
    """A reported value's status code (`accepted`) as its label in the active language (已确认)."""
    from planwatch.reporting.models import ReportedValue

    return str(ReportedValue.Status(code).label) if code in ReportedValue.Status.values else code
