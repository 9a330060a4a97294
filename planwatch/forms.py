"""Form widgets shared by every app's forms."""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """The browser's date picker. HTML takes only ISO dates (2020-03-31) in it, whatever the page's
    language: with zh-hans's own first input format (2020/03/31) the browser shows the field empty
    and the form saves the date as empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)
