"""What the pages of every app share: form widgets, and where a refused action goes back to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """The browser's date picker. HTML takes only ISO dates (2020-03-31) in it, whatever the page's
    language: with zh-hans's own first input format (2020/03/31) the browser shows the field empty
    and the form saves the date as empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


def refusal_goes_to(request: HttpRequest, url: str) -> None:
    """Where the page that says a refusal of this request is: the web's one catch of PlanWatch's
    errors (planwatch.web.middleware.PlanWatchErrors) puts the reason there as a message."""
    request.refusal_goes_to = url  # type: ignore[attr-defined]


def refusal_page(request: HttpRequest) -> str | None:
    return getattr(request, "refusal_goes_to", None)
