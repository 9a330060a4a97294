from __future__ import annotations

from decimal import Decimal

from django import template

from planwatch.core.planfile import canonical_decimal

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
def get(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None
