"""Reported values through the API: read them, write them as data value sets, move them through the
workflow, ask for and decide revisions, read their history and the audit log.

Every rule is the workflow's (planwatch.reporting.workflow), enforced here on the server exactly as
for the web pages and imports: the caller is `request.user`, whether signed in by session or token.

- Reads go through workflow.visible_values: drafts and returned values are seen only by their own
  locality (and the lead unit of their indicator, and administrators). A value the caller may not
  see answers 404, as if it did not exist.
- Refusals answer 400, 403 or 409 with `{"errors": [{"path", "row", "column", "indicator", "kind",
  "message_zh", "message_en"}, …]}`, listing every problem in both languages. Unknown plans and
  invisible values answer 404 `{"detail": …}` like the rest of the API; a body that does not fit
  the schema of an endpoint answers 422 (ninja's own check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from planwatch.accounts.permissions import has_perm
from planwatch.api.routes import NOT_FOUND, NotFound, get_plan
from planwatch.api.schemas import ErrorsOut, Flag, Number, RowId, StoredNumber
from planwatch.core.errors import Issue, Kind, Refused
from planwatch.kernel import audit, jobs
from planwatch.kernel.models import Job
from planwatch.plans.lookup import no_such
from planwatch.plans.models import Indicator, Locality, Plan
from planwatch.reporting import datavaluesets as dvs
from planwatch.reporting import exports
from planwatch.reporting import jobs as reporting_jobs
from planwatch.reporting import workflow as wf
from planwatch.reporting.models import Period, ReportedValue, RevisionRequest

router = Router(tags=["values"])
revisions_router = Router(tags=["values"])

StatusFilter = Literal["draft", "submitted", "approved", "accepted", "returned"]
API_VIA = wf.Via(source=ReportedValue.Source.API)


# --- shapes -------------------------------------------------------------------------------------


class ValueOut(Schema):
    indicator: str
    locality: str
    period: str
    value: Number | None = Field(description="A JSON number, or null when the value was left blank.")
    status: str
    is_sample: bool = Field(description="示例数据: made-up sample data, never an official figure.")
    source: str = Field(description="web, api, excel, ledger or sample.")
    source_detail: str = Field(description="The import id of an API upload, the name of an Excel file, …")
    version: int = Field(description="Bumped on every change; send it back to write without overwriting.")
    updated_at: dt.datetime
    updated_by: str | None


class AuditOut(Schema):
    at: dt.datetime
    user: str | None
    event: str = Field(description="What happened to what: value.submit, ledger_row.create, period.dates …")
    subject: str = Field(description="What the event is about, as a person reads it.")
    action: str
    indicator: str
    locality: str
    period: str
    old_value: Number | None
    new_value: Number | None
    old_status: str
    new_status: str
    comment: str
    source: str
    source_detail: str


class WarningOut(Schema):
    indicator: str
    code: str
    message_zh: str
    message_en: str


class ImportOut(Schema):
    status: Literal["imported", "already imported"]
    import_id: str
    value_count: int = Field(description="How many values the set holds.")
    created: int = Field(description="New values; 0 when already imported.")
    updated: int
    unchanged: int
    imported_at: dt.datetime | None
    imported_by: str | None
    warnings: list[WarningOut] = Field(
        description="Outliers: saved, but each needs a comment before the values are submitted."
    )


class TransitionIn(Schema):
    action: Literal["submit", "approve", "accept", "return"]
    period: str
    locality: str
    indicators: list[str] | None = Field(
        None, description="Only these indicators (submit, accept, return); all by default."
    )
    comment: str = Field("", description="Required to return; otherwise added to each value moved.")


class TransitionOut(Schema):
    action: str
    status: str = Field(description="The status the values are in now.")
    values: list[ValueOut]


class RevisionRequestIn(Schema):
    new_value: StoredNumber
    reason: str


class DecisionIn(Schema):
    approve: Flag
    comment: str = ""


class RevisionRequestOut(Schema):
    id: int
    indicator: str
    locality: str
    period: str
    current_value: Number | None
    new_value: Number
    reason: str
    status: str
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_comment: str


REFUSED: dict[int, Any] = {400: ErrorsOut, 403: ErrorsOut, 409: ErrorsOut}


# --- errors -------------------------------------------------------------------------------------


def refused(status: int, zh: str, en: str, *, path: str | None = None, kind: Kind = Kind.INVALID) -> Refused:
    """A request refused with one problem at `path`; its status follows from its kind (`status`
    says which is meant, and must agree)."""
    issue = Issue(kind, zh, en, path=path)
    assert issue.status == status, (status, kind)
    return Refused([issue])


# --- lookups ------------------------------------------------------------------------------------


def visible(request: HttpRequest, plan: Plan) -> QuerySet[ReportedValue]:
    return wf.visible_values(request.user, exports.values_of(plan))


def get_value(request: HttpRequest, plan: Plan, indicator: str, locality: str, period: str) -> ReportedValue:
    """One value the caller may see; 404 for one that does not exist or that is hidden from them."""
    value = exports.filter_values(
        visible(request, plan), indicator=indicator, locality=locality, period=period
    ).first()
    if value is None:
        raise NotFound(
            f"没有 {locality} {period} 年度指标 {indicator} 的数值",
            f"No value of {indicator} for {locality} in {period} in plan {plan.code!r}.",
        )
    return value


def body_locality(plan: Plan, code: str) -> Locality:
    locality = plan.localities.filter(code=code).first()
    if locality is None:
        raise refused(
            400,
            *no_such(plan, "locality", code),
            path="locality",
            kind=Kind.UNKNOWN,
        )
    return locality


def body_period(plan: Plan, code: str) -> Period:
    period = Period.objects.filter(plan=plan, code=code).first()
    if period is None:
        raise refused(
            400,
            *no_such(plan, "period", code),
            path="period",
            kind=Kind.UNKNOWN,
        )
    return period


def body_indicators(plan: Plan, codes: list[str] | None) -> list[str] | None:
    if codes is None:
        return None
    known = set(Indicator.objects.filter(plan=plan, code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise Refused(
            [
                Issue(
                    Kind.UNKNOWN,
                    *no_such(plan, "indicator", code),
                    path=f"indicators[{codes.index(code)}]",
                    indicator=code,
                )
                for code in unknown
            ]
        )
    if not codes:
        raise refused(
            400, "indicators 不能为空列表", "indicators must not be an empty list", path="indicators"
        )
    return codes


def csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- reading values -----------------------------------------------------------------------------

Limit = Annotated[int | None, Field(ge=1, le=10000, description="At most this many records.")]
Offset = Annotated[int, Field(ge=0, description="Skip this many records first.")]


def paged(
    request: HttpRequest,
    response: HttpResponse,
    records: Sequence[Any] | QuerySet[Any],
    limit: int | None,
    offset: int,
) -> Any:
    """One page of a list (or of a query, read only for that page): the total in X-Total-Count, the
    next page's address in a Link header (as GitHub's API does), so that the body stays a plain list."""
    total = records.count() if isinstance(records, QuerySet) else len(records)
    response["X-Total-Count"] = str(total)
    if limit is None:
        return records[offset:]
    if offset + limit < total:
        query = request.GET.copy()
        query["offset"] = str(offset + limit)
        query["limit"] = str(limit)
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
    return records[offset : offset + limit]


def _listed(
    request: HttpRequest,
    plan_code: str,
    period: str | None,
    locality: str | None,
    indicator: str | None,
    status: str | None,
) -> tuple[Plan, QuerySet[ReportedValue]]:
    """The plan and the values the caller may see that the filters keep (a query, not yet read)."""
    plan = get_plan(plan_code)
    values = exports.filter_values(
        visible(request, plan), period=period, locality=locality, indicator=indicator, status=status
    )
    return plan, values


@router.get("/{plan_code}/values", response={200: list[ValueOut], **NOT_FOUND}, summary="Reported values")
def list_values(
    request: HttpRequest,
    plan_code: str,
    period: str | None = None,
    locality: str | None = None,
    indicator: str | None = None,
    status: StatusFilter | None = None,
    limit: Limit = None,
    offset: Offset = 0,
    *,
    response: HttpResponse,
) -> list[dict[str, Any]]:
    """The values the caller may see, optionally of one period (`2018`), locality (`ZH`), indicator
    (`I01`) or status. Others' drafts are never listed. A filter naming nothing gives `[]`.
    Pages with `limit` and `offset`: X-Total-Count gives the total, a Link header the next page."""
    values = _listed(request, plan_code, period, locality, indicator, status)[1]
    # Only the asked page is read and made into records (a count for the total, then one page).
    return exports.value_records(paged(request, response, values, limit, offset))


@router.get(
    "/{plan_code}/values.csv",
    response={200: None, **NOT_FOUND},
    summary="Reported values as CSV",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def list_values_csv(
    request: HttpRequest,
    plan_code: str,
    period: str | None = None,
    locality: str | None = None,
    indicator: str | None = None,
    status: StatusFilter | None = None,
) -> HttpResponse:
    """The same values and filters as `/values`, as CSV with a header row (UTF-8 with a byte order
    mark, so that Excel shows Chinese right)."""
    plan, values = _listed(request, plan_code, period, locality, indicator, status)
    records = exports.value_records(values)
    return csv_response(exports.to_csv(records, exports.VALUE_COLUMNS), f"{plan.code}-values.csv")


# --- writing values -----------------------------------------------------------------------------

DATA_VALUE_SET_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["import_id", "period", "locality", "values"],
                    "properties": {
                        "import_id": {"type": "string", "maxLength": dvs.MAX_IMPORT_ID},
                        "period": {"type": "string", "example": "2018"},
                        "locality": {"type": "string", "example": "ZH"},
                        "values": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["indicator", "value"],
                                "properties": {
                                    "indicator": {"type": "string", "example": "I01"},
                                    "value": {"type": "number", "nullable": True},
                                    "version": {"type": "integer", "minimum": 0},
                                    "comment": {"type": "string"},
                                },
                            },
                        },
                    },
                }
            },
            "text/csv": {
                "schema": {"type": "string"},
                "example": "import_id,period,locality,indicator,value,version,comment\n"
                "zh-2018-01,2018,ZH,I01,52,,\n",
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


def _too_large(limit: int) -> Refused:
    mib = limit / 1024 / 1024
    too_large = Refused(
        [
            Issue(
                Kind.INVALID,
                f"数据值集超过 {mib:g} MB，请分成几个导入编号分别上传",
                f"the data value set is larger than {mib:g} MB: send it as several sets (import ids)",
            )
        ]
    )
    too_large.status = 413
    return too_large


def value_set_body(request: HttpRequest) -> tuple[str, bytes]:
    """The set's format (CSV or JSON) and its bytes, up to PLANWATCH_VALUE_SET_MAX_BYTES: read from
    the request's stream, since Django's limit for a body held in memory (2.5 MiB) is one for forms;
    a larger body is refused with 413 in the API's shape of errors."""
    limit = settings.PLANWATCH_VALUE_SET_MAX_BYTES
    content_type = (request.content_type or "").lower()
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise refused(
                400, "请在 file 字段上传 CSV 文件", "upload the CSV file as the field 'file'", path="file"
            )
        if upload.size is not None and upload.size > limit:
            raise _too_large(limit)
        return reporting_jobs.CSV, upload.read()
    if content_type not in ("text/csv", "application/csv", "application/json", ""):
        raise refused(
            415,
            f"不支持的内容类型 {content_type}：请用 application/json 或 text/csv",
            f"unsupported content type {content_type!r}: send application/json or text/csv",
            kind=Kind.UNSUPPORTED,
        )
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        raise _too_large(limit)
    body = request._body if hasattr(request, "_body") else request.read(limit + 1)
    if len(body) > limit:
        raise _too_large(limit)
    return (
        reporting_jobs.CSV if content_type in ("text/csv", "application/csv") else reporting_jobs.JSON
    ), body


def read_value_set(request: HttpRequest) -> dvs.ValueSet:
    form, body = value_set_body(request)
    return dvs.parse_csv(body) if form == reporting_jobs.CSV else dvs.parse_json(body)


def import_answer(result: dvs.ImportResult) -> dict[str, Any]:
    batch = result.batch
    return {
        "status": "already imported" if result.already_imported else "imported",
        "import_id": result.import_id,
        "value_count": result.value_count,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "imported_at": exports.local_time(batch.created_at) if batch else None,
        "imported_by": batch.user.get_username() if batch and batch.user else None,
        "warnings": [
            {"indicator": f.indicator, "code": f.code, "message_zh": f.zh, "message_en": f.en}
            for f in result.warnings
        ],
    }


class QueuedOut(Schema):
    status: Literal["queued"]
    job: int = Field(description="The job's id: GET /api/v1/plans/{plan_code}/jobs/{job} tells how it goes")
    job_url: str = Field(description="The job's address in the API")
    page_url: str = Field(description="The job's page on the site")


class JobOut(Schema):
    id: int
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    step: str
    done: int
    total: int
    message_zh: str
    message_en: str
    problems: list[dict[str, Any]]


@router.post(
    "/{plan_code}/datavaluesets",
    response={200: ImportOut, 202: QueuedOut, **REFUSED, **NOT_FOUND, 413: ErrorsOut, 415: ErrorsOut},
    summary="Write a data value set (JSON or CSV), all or nothing, once per import id",
    openapi_extra=DATA_VALUE_SET_BODY,
)
def post_data_value_set(request: HttpRequest, plan_code: str) -> Any:
    """Checks every value first, then saves them all as drafts (source `api`, the import id as
    detail) or none. A repeated import id is a no-op answering `"status": "already imported"`.
    A body larger than PLANWATCH_VALUE_SET_JOB_KB is imported on the job runner: the answer is 202
    with the job, whose state (and, when it fails, every problem) GET …/jobs/{job} tells."""
    plan = get_plan(plan_code)
    form, body = value_set_body(request)
    if len(body) > settings.PLANWATCH_VALUE_SET_JOB_BYTES:
        job = jobs.start(
            reporting_jobs.IMPORT,
            request.user,
            plan_code=plan.code,
            payload=body,
            payload_name=f"datavaluesets.{form}",
            params={"format": form},
            via=audit.Via(audit.Source.API),
        )
        return Status(
            202,
            {
                "status": "queued",
                "job": job.pk,
                "job_url": f"/api/v1/plans/{plan.code}/jobs/{job.pk}",
                "page_url": reverse("web:job", args=[job.pk]),
            },
        )
    value_set = dvs.parse_csv(body) if form == reporting_jobs.CSV else dvs.parse_json(body)
    return import_answer(dvs.import_value_set(request.user, plan, value_set))


@router.get(
    "/{plan_code}/jobs/{job_id}",
    response={200: JobOut, **NOT_FOUND},
    summary="A job started through the API (a large data value set): its state, step and problems",
)
def get_job(request: HttpRequest, plan_code: str, job_id: RowId) -> dict[str, Any]:
    plan = get_plan(plan_code)
    job = Job.objects.filter(pk=job_id, plan_code=plan.code).first()
    if job is None or not has_perm("job.view", request.user, job):
        raise NotFound(f"没有编号为 {job_id} 的任务", f"No job {job_id}.")
    kind = jobs.KINDS.get(job.kind)
    outcome = job.outcome or {}
    return {
        "id": job.pk,
        "kind": kind.en if kind else job.kind,
        "state": job.state,
        "step": job.step,
        "done": job.done,
        "total": job.total,
        "message_zh": outcome.get("zh", ""),
        "message_en": outcome.get("en", ""),
        "problems": outcome.get("problems", []),
    }


@router.post(
    "/{plan_code}/values/transition",
    response={200: TransitionOut, **REFUSED, **NOT_FOUND},
    summary="Submit, approve, accept or return a locality's values",
)
def transition(request: HttpRequest, plan_code: str, payload: TransitionIn) -> dict[str, Any]:
    """`submit` (the locality's reporter, or a lead unit for its indicators), `approve` (the
    locality's approver; all its submitted values), `accept` (the province, or a lead unit for its
    indicators), `return` (with a comment: submitted values by the approver, approved ones by whoever
    may accept them)."""
    plan = get_plan(plan_code)
    period = body_period(plan, payload.period)
    locality = body_locality(plan, payload.locality)
    codes = body_indicators(plan, payload.indicators)
    user, comment = request.user, payload.comment.strip()
    with transaction.atomic():
        if payload.action == "submit":
            moved = wf.submit(user, locality, period, codes=codes, via=API_VIA)
        elif payload.action == "approve":
            if codes is not None:
                raise refused(
                    400,
                    "审核针对该地区全部已提交的数值，请不要列出指标",
                    "approve covers all of the locality's submitted values: leave out indicators",
                    path="indicators",
                )
            moved = wf.approve(user, locality, period, via=API_VIA)
        elif payload.action == "accept":
            moved = wf.accept(user, locality, period, codes=codes, via=API_VIA)
        else:
            moved = wf.return_values(user, locality, period, comment, codes=codes, via=API_VIA)
        if comment and payload.action != "return":
            for value in moved:
                wf.add_comment(user, value, comment, via=API_VIA)
    values = exports.values_of(plan).filter(pk__in=[v.pk for v in moved])
    records = exports.value_records(values)
    return {"action": payload.action, "status": moved[0].status, "values": records}


# --- revisions ------------------------------------------------------------------------------------


def revision_record(request_: RevisionRequest) -> dict[str, Any]:
    value = request_.value
    return {
        "id": request_.pk,
        "indicator": value.indicator.code,
        "locality": value.locality.code,
        "period": value.period.code,
        "current_value": exports.as_number(value.value),
        "new_value": exports.as_number(request_.new_value),
        "reason": request_.reason,
        "status": request_.status,
        "requested_by": request_.requested_by.get_username() if request_.requested_by else None,
        "requested_at": exports.local_time(request_.requested_at),
        "decided_by": request_.decided_by.get_username() if request_.decided_by else None,
        "decided_at": exports.local_time(request_.decided_at),
        "decision_comment": request_.decision_comment,
    }


def revision_requests() -> QuerySet[RevisionRequest]:
    return RevisionRequest.objects.select_related(
        "value__indicator", "value__locality", "value__period", "requested_by", "decided_by"
    )


@router.post(
    "/{plan_code}/values/{indicator_code}/{locality_code}/{period_code}/revision-requests",
    response={201: RevisionRequestOut, **REFUSED, **NOT_FOUND},
    summary="Ask to change an accepted (locked) value",
)
def request_revision(
    request: HttpRequest,
    plan_code: str,
    indicator_code: str,
    locality_code: str,
    period_code: str,
    payload: RevisionRequestIn,
) -> Status:
    """Those who may enter the value ask; the province decides (`/revision-requests/{id}/decision`)."""
    plan = get_plan(plan_code)
    value = get_value(request, plan, indicator_code, locality_code, period_code)
    created = wf.request_revision(request.user, value, payload.new_value, payload.reason, via=API_VIA)
    return Status(201, revision_record(revision_requests().get(pk=created.pk)))


@router.get(
    "/{plan_code}/revision-requests",
    response={200: list[RevisionRequestOut], **NOT_FOUND},
    summary="Revision requests",
)
def list_revision_requests(
    request: HttpRequest, plan_code: str, status: Literal["pending", "accepted", "rejected"] | None = None
) -> list[dict[str, Any]]:
    """The revision requests of the values the caller may see, newest first."""
    plan = get_plan(plan_code)
    requests = revision_requests().filter(value__in=visible(request, plan).values("pk"))
    if status is not None:
        requests = requests.filter(status=status)
    return [revision_record(r) for r in requests]


@revisions_router.post(
    "/{request_id}/decision",
    response={200: RevisionRequestOut, **REFUSED, **NOT_FOUND},
    summary="Accept or reject a revision request (the province)",
)
def decide_revision(request: HttpRequest, request_id: RowId, payload: DecisionIn) -> dict[str, Any]:
    """`approve: true` changes the value (still accepted, its version bumped); `false` rejects the
    request. Either way the audit records it, with the comment."""
    found = revision_requests().filter(pk=request_id).first()
    if (
        found is None
        or not wf.visible_values(request.user, ReportedValue.objects.filter(pk=found.value_id)).exists()
    ):
        raise NotFound(f"没有编号为 {request_id} 的修改申请", f"No revision request {request_id}.")
    wf.decide_revision(request.user, found, approve=payload.approve, comment=payload.comment, via=API_VIA)
    return revision_record(revision_requests().get(pk=request_id))


# --- history and the audit log --------------------------------------------------------------------


@router.get(
    "/{plan_code}/values/{indicator_code}/{locality_code}/{period_code}/history",
    response={200: list[AuditOut], **NOT_FOUND},
    summary="The history of one value",
)
def value_history(
    request: HttpRequest, plan_code: str, indicator_code: str, locality_code: str, period_code: str
) -> list[dict[str, Any]]:
    """Every change and transition of the value, newest first: who, when, old and new value and
    status, comment, source. 404 when the value does not exist or the caller may not see it."""
    plan = get_plan(plan_code)
    value = get_value(request, plan, indicator_code, locality_code, period_code)
    return exports.audit_records(exports.history_of(value))


def moment(text: str | None, name: str, *, end: bool = False) -> dt.datetime | None:
    if text is None or not text.strip():
        return None
    try:
        return exports.parse_moment(text, end=end)
    except ValueError:
        raise refused(
            400,
            f"{name} 应为日期（2019-03-01）或日期时间（2019-03-01T08:00）",
            f"{name} must be a date (2019-03-01) or a date-time (2019-03-01T08:00)",
            path=name,
        ) from None


@router.get(
    "/{plan_code}/audit",
    response={200: list[AuditOut], **NOT_FOUND, 400: ErrorsOut, 403: ErrorsOut},
    summary="The audit log (the province)",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def audit_log(
    request: HttpRequest,
    plan_code: str,
    since: str | None = None,
    until: str | None = None,
    format: Literal["json", "csv"] = "json",
    limit: Limit = None,
    offset: Offset = 0,
    *,
    response: HttpResponse,
) -> Any:
    """Every change and transition of every value, oldest first, from `since` to `until` (dates
    include their whole day; date-times without an offset are Beijing time). Province roles only.
    JSON pages with `limit` and `offset`: X-Total-Count gives the total, a Link header the next page."""
    plan = get_plan(plan_code)
    if not has_perm("audit.view", request.user):
        raise refused(
            403,
            "只有省级用户可以查看审计日志",
            "only the province may read the audit log",
            kind=Kind.FORBIDDEN,
        )
    entries = exports.visible_events(
        request.user,
        exports.audit_of(plan, since=moment(since, "since"), until=moment(until, "until", end=True)),
    )
    if format == "csv":
        records = exports.audit_records(entries)
        return csv_response(exports.to_csv(records, exports.AUDIT_COLUMNS), f"{plan.code}-audit.csv")
    return exports.audit_records(paged(request, response, entries, limit, offset))  # the page's events only
