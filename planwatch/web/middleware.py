from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def chinese_first(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Serve Chinese unless the user chose English with the switch.

    Officials' machines are often set to English; the browser's Accept-Language must not override
    the product's language. The choice made with the switch is kept in the language cookie, which
    LocaleMiddleware still reads.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware
