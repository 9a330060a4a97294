"""What the pages of every app share: form widgets, where a refused action goes back to, and how a
page lists many pilot units (a page at a time, searchable)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, QueryDict

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


# A plan of many pilot units (a national plan of 3,000 counties): its pages show aggregates and a page
# of units at a time, searchable, not a row of every unit. The seed plan's 7 pilot units are few.
MANY_UNITS = 30  # more pilot units than this are many


class Unit(Protocol):
    """What a search of units reads: a pilot unit's code and names (planwatch.plans' Locality)."""

    code: str
    name_zh: str
    name_en: str


T = TypeVar("T")


def many_units(count: int) -> bool:
    """More pilot units than a page shows one by one (`MANY_UNITS`)."""
    return count > MANY_UNITS


def search_units(rows: Sequence[T], query: str, unit: Callable[[T], Unit]) -> list[T]:
    """The rows whose unit's code or name (Chinese or English) holds the query, case aside; all of
    them for no query."""
    wanted = query.strip().casefold()
    if not wanted:
        return list(rows)
    return [row for row in rows if any(wanted in text.casefold() for text in _texts(unit(row)))]


def _itself(row: Any) -> Unit:
    return row  # type: ignore[no-any-return]


def _texts(unit: Unit) -> tuple[str, str, str]:
    return unit.code, unit.name_zh, unit.name_en


@dataclass(frozen=True)
class UnitsPage:
    """A page of many units as a page lists them: `?q=` searches them by code or name, `?page=` picks
    the page; the links keep the page's other parameters (a period, a year)."""

    page: Page
    query: str
    others: str  # the request's other GET parameters, url-encoded

    @classmethod
    def of(
        cls,
        request: HttpRequest,
        rows: Sequence[T],
        per_page: int,
        unit: Callable[[T], Unit] | None = None,
    ) -> UnitsPage:
        """The page of `rows` (each of a unit: `unit(row)`; without `unit`, units themselves) the
        request asks for."""
        query = request.GET.get("q", "").strip()
        found = search_units(rows, query, unit or _itself)
        page = Paginator(found, per_page).get_page(request.GET.get("page"))
        others = request.GET.copy()
        for name in ("q", "page"):
            others.pop(name, None)
        return cls(page, query, others.urlencode())

    @property
    def rows(self) -> list[Any]:
        return list(self.page.object_list)

    @property
    def hidden(self) -> list[tuple[str, str]]:
        """The other parameters as the search form's hidden inputs keep them."""
        return [(k, v) for k, values in QueryDict(self.others).lists() for v in values]

    def url(self, number: int | None = None) -> str:
        """This page's query string (or page `number`'s), search and other parameters kept."""
        params = QueryDict(self.others, mutable=True)
        if self.query:
            params["q"] = self.query
        params["page"] = str(number or self.page.number)
        return "?" + params.urlencode()

    @property
    def previous_url(self) -> str:
        return self.url(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self.url(self.page.next_page_number()) if self.page.has_next() else ""
