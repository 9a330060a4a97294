"""The REST API, mounted at /api/v1/ (planwatch.urls): the plans (read-only), the reported values and
the evaluation runs.

Every endpoint needs a signed-in session or an API token (planwatch.api.auth); without one the answer
is 401. Every error, whatever its status, answers {"errors": [...]} (planwatch.api.errors). The OpenAPI document and the interactive docs are open: they
describe the API and hold no plan data.
"""

from typing import Any

from ninja import NinjaAPI, Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from planwatch.api.auth import API_AUTH
from planwatch.api.breakdown import router as breakdown_router
from planwatch.api.errors import declare_errors, register_error_handlers
from planwatch.api.evaluation import router as evaluation_router
from planwatch.api.evaluation import runs_router as evaluation_runs_router
from planwatch.api.ledgers import router as ledgers_router
from planwatch.api.routes import router as plans_router
from planwatch.api.supervision import router as supervision_router
from planwatch.api.values import revisions_router
from planwatch.api.values import router as values_router

# Swagger UI is served from ninja's bundled static files ("ninja" is in INSTALLED_APPS): nothing is
# fetched from a CDN. Its validator badge would call validator.swagger.io, so it is switched off.
docs = Swagger(settings={"validatorUrl": None})


class ReadableJSONRenderer(JSONRenderer):
    """UTF-8 JSON as is: 顺德区 rather than \\u987a\\u5fb7\\u533a, for people reading curl's output."""

    json_dumps_params: dict[str, Any] = {"ensure_ascii": False}


class PlanWatchAPI(NinjaAPI):
    """The API, its OpenAPI document declaring every error status each operation can answer."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_errors(schema)
        return schema


api = PlanWatchAPI(
    title="PlanWatch API",
    version="1",
    description="The plans monitored by PlanWatch (codes, texts, indicators, targets and their "
    "revisions, read-only), and the values reported against them: read, written as data value sets "
    "(JSON or CSV), moved through the workflow, revised, with their history and the audit log; and "
    "evaluation runs (completion, pace, region values, the composite index and its ranking), stored "
    "with their parameters and data version; and task supervision (action plans, milestones, progress "
    "updates and the list of overdue and at-risk milestones); and the target breakdowns (分解表: the "
    "localities' targets by year, entered by the lead units and approved by the province).",
    auth=API_AUTH,
    docs=docs,
    renderer=ReadableJSONRenderer(),
)
api.add_router("/plans", plans_router)
api.add_router("/plans", values_router)
api.add_router("/revision-requests", revisions_router)
api.add_router("/plans", evaluation_router)
api.add_router("/evaluations", evaluation_runs_router)
api.add_router("/plans", supervision_router)
api.add_router("/plans", ledgers_router)
api.add_router("/plans", breakdown_router)
register_error_handlers(api)
