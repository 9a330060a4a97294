"""The API's one shape of errors, on every path under /api/ and for every status.

Every error answers `{"errors": [{"path", "row", "column", "indicator", "kind", "message_zh",
"message_en"}, …]}` (planwatch.core.errors.errors_body): a refusal of PlanWatch (400, 403, 404, 409,
415), a body or parameter that does not fit the operation's schema (422, each problem at its place),
a missing or wrong sign-in (401), a CSRF refusal (403), an address or method the API does not have
(404, 405), and a server error (500). The OpenAPI document declares each status an operation can
answer (`declare_errors`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from planwatch.core.errors import Issue, Kind, PlanWatchError, errors_body

logger = logging.getLogger("planwatch.api")

# What an answer of each status says when nothing more precise is known.
GENERIC: dict[int, tuple[Kind, str, str]] = {
    400: (Kind.INVALID, "请求无法读取", "the request cannot be read"),
    401: (
        Kind.UNAUTHENTICATED,
        "请先登录或提供有效的 API 令牌",
        "Unauthorized: sign in or send a valid API token",
    ),
    403: (Kind.FORBIDDEN, "无权执行此操作", "Forbidden"),
    404: (Kind.NOT_FOUND, "没有这个地址", "Not found: the API has no such address"),
    405: (Kind.UNSUPPORTED, "该地址不支持此请求方法", "Method not allowed at this address"),
    413: (Kind.INVALID, "请求内容过大", "the request is too large"),
    415: (Kind.UNSUPPORTED, "不支持的内容类型", "unsupported content type"),
    422: (Kind.INVALID, "请求内容不符合要求", "the request does not fit the operation's schema"),
    500: (
        Kind.SERVER_ERROR,
        "服务器内部错误，已记录，请稍后重试",
        "Internal server error: it was logged; try again later",
    ),
}


def generic_issue(status: int, en: str | None = None) -> Issue:
    kind, zh, default_en = GENERIC.get(status, GENERIC[400 if status < 500 else 500])
    return Issue(kind, zh, en or default_en)


def answer(issues: Sequence[Issue], status: int) -> HttpResponse:
    return JsonResponse(errors_body(issues), status=status, json_dumps_params={"ensure_ascii": False})


def _place(loc: Sequence[Any]) -> str:
    """ninja's location of a problem (`["body", "body", "values", 2, "value"]`) as a path:
    `values[2].value`; a parameter by its name."""
    parts = list(loc)
    if parts and parts[0] in ("body", "form") and len(parts) > 2:
        parts = parts[2:]  # the operation's name of its body ("payload") is no place of the request
    elif parts and parts[0] in ("body", "query", "path", "form", "header", "cookie"):
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def validation_issues(errors: Sequence[dict[str, Any]]) -> list[Issue]:
    issues = []
    for error in errors:
        place = _place(error.get("loc", ()))
        message = str(error.get("msg", "invalid"))
        issues.append(
            Issue(
                Kind.INVALID,
                f"{place or '请求'}：不符合要求（{message}）",
                f"{place or 'request'}: {message}",
                path=place or None,
            )
        )
    return issues or [generic_issue(422)]


def register_error_handlers(api: NinjaAPI) -> None:
    """Every error an operation raises, answered in the one shape."""

    def on_refusal(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, PlanWatchError)
        return answer(exc.issues, exc.status)

    def on_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, ValidationError)
        return answer(validation_issues(exc.errors), 422)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, HttpError)
        kind, zh, _ = GENERIC.get(exc.status_code, GENERIC[400])
        return answer([Issue(kind, zh, str(exc))], exc.status_code)

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return answer([generic_issue(404)], 404)

    def on_error(request: HttpRequest, exc: Any) -> HttpResponse:
        # Django's own path for an unhandled error: logged (and re-raised by the test client).
        logger.error("Server error on %s", request.path, exc_info=exc)
        got_request_exception.send(sender=None, request=request)
        return answer([generic_issue(500)], 500)

    api.add_exception_handler(PlanWatchError, on_refusal)
    api.add_exception_handler(ValidationError, on_invalid)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(Exception, on_error)


class ApiErrorBodies:
    """Answers under /api/ that Django or ninja make without a body of the API's shape (an address
    the API does not have, a method an address does not take, a request too large, a server error
    outside an operation) get one, keeping their status and headers (Allow on a 405)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith("/api/")
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        replaced = answer([generic_issue(response.status_code)], response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replaced[header] = response[header]
        return replaced


ERRORS_REF = {"$ref": "#/components/schemas/ErrorsOut"}
DECLARED = {
    400: "Refused: input to correct (each problem at its place), e.g. a NUL character or a JSON body nested too deep.",
    401: "Not signed in: no session and no valid API token.",
    404: "Nothing at this address, or nothing the caller may see.",
    422: "A parameter or the body does not fit the operation's schema (each problem at its place).",
}


def declare_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Each operation of the OpenAPI document declares every error status it can answer, in the one
    shape: 400 (any request can carry unreadable input), 401 (when it needs a sign-in), 404 (when
    its address names something), 422 (when it takes parameters or a body)."""
    for address, item in schema.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = [400]
            if operation.get("security"):
                statuses.append(401)
            if "{" in address:
                statuses.append(404)
            if operation.get("parameters") or operation.get("requestBody"):
                statuses.append(422)
            responses = operation["responses"]
            declared = {str(code) for code in responses}
            for status in statuses:
                if str(status) not in declared:
                    responses[status] = {
                        "description": DECLARED[status],
                        "content": {"application/json": {"schema": ERRORS_REF}},
                    }
    return schema
