from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

from planwatch.accounts.permissions import has_perm
from planwatch.core import numbers
from planwatch.core.kinds import whole_number_unit
from planwatch.kernel.review import IssueState
from planwatch.plans.models import in_english, pick
from planwatch.reporting.models import ReportedValue

register = template.Library()


@register.filter
def num(value: Decimal | int | float | None) -> str:
    """A number as officials write it: no trailing zeros, thousands grouped."""
    return numbers.grouped(value)


@register.filter
def fixed(value: Decimal | None, unit: str) -> str:
    """A reported value with one precision per unit: whole counts, two decimals otherwise."""
    if value is None:
        return numbers.NONE
    return numbers.fixed(value, 0 if whole_number_unit(unit) else 2)


@register.simple_tag
def may(permission: str, user: Any, obj: Any = None) -> bool:
    """The one way a template asks a permission (planwatch.accounts.permissions):
    {% may "value.approve" user value as ok %}."""
    return bool(has_perm(permission, user, obj))


@register.filter
def get(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None


@register.filter
def status_label(code: str) -> str:
    """A state of review (`accepted`, a value's; `issued`, a bulletin's) as its label in the active
    language (已确认, 已签发)."""
    return _state_labels(translation.get_language()).get(code, code)


@functools.lru_cache(maxsize=8)
def _state_labels(language: str | None) -> dict[str, str]:
    """Every state's label in `language`, a value's before a bulletin's: translated once per process
    and language, not once per cell (an indicator page of 50 units × 10 years shows 500)."""
    with translation.override(language):
        return {
            state.value: str(state.label) for states in (IssueState, ReportedValue.Status) for state in states
        }


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def one_language(message: object) -> str:
    """A message made for both languages, in the page's language only.

    An error with `.zh` and `.en` (WorkflowError and its kin) gives the one of the active language;
    so does a text written "中文 / English" or "English / 中文" (how the core and its exceptions
    join the two, and what str() of such an error reads). Any other text is returned as it is."""
    zh, en = getattr(message, "zh", None), getattr(message, "en", None)
    if isinstance(zh, str) and isinstance(en, str):
        return pick(zh, en)
    text = str(message)
    start = 0
    while (at := text.find(" / ", start)) != -1:
        left, right = text[:at], text[at + 3 :]
        if _CJK.search(left) and right[:1].isascii() and right[:1].isalpha():
            return right if in_english() else left
        if not _CJK.search(left) and _CJK.match(right):  # English first (EvaluationError)
            return left if in_english() else right
        start = at + 3
    return text


register.filter("one_language", one_language)


@register.filter
def half(text: str) -> str:
    """The half of a “中文 / English” text in the page's language (a drafter's reason, written so
    for the plan file's comments)."""
    zh, _, en = str(text).partition(" / ")
    return pick(zh, en or zh)


@register.filter
def series(items: Iterable[object] | None) -> str:
    """Names listed as the page's language lists them: 佛山市、中山市 in Chinese, Foshan, Zhongshan
    in English."""
    return (", " if in_english() else "、").join(str(i) for i in items or [])


@register.filter
def parens(text: object) -> SafeString:
    """A remark in brackets as the page's language writes them: （…） in Chinese, (…) in English."""
    return format_html("({})" if in_english() else "（{}）", text)
