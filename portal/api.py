"""The public read API at /api/ (django-ninja, OpenAPI 3.1 at /api/openapi.json, docs at /api/docs).

Top layer: mounts each app's `api.py` router. Anonymous and read-only: it never reads the
session, so a signed-in visitor gets exactly what an anonymous one gets. The rate limit, CORS,
conditional GET and the body cache keyed on the data version are `portal.api_middleware.ApiMiddleware`.
"""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from groups.api import router as groups_router
from groups.decision_api import router as decisions_router
from meetings.api import router as meetings_router
from seps.api import router as seps_router

from .people_api import router as people_router

DESCRIPTION = """Public facts of the MCP Groups Portal: groups, members, meetings (agendas and notes),
SEPs with their timelines, maintainers' roles, groups' decisions (outcomes and tallies, never who
voted how) and published quarterly reports. Read-only, no authentication; every field is one the site shows
an anonymous visitor.

- Lists are paginated with `limit` (1-100) and `offset` (0-10000); `next_offset` is null on the last page.
- Times are UTC in ISO 8601 (`2026-03-01T16:00:00Z`).
- Every response carries an `ETag`; send it back in `If-None-Match` to get `304 Not Modified`.
- Requests are limited per client address; over the limit the answer is `429` with `Retry-After`.
- CORS: any origin may read (`GET`).
"""

api = NinjaAPI(
    title="MCP Groups Portal API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _validation_message(errors) -> str:
    parts = []
    for e in errors:
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "filters"))
        parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else str(e.get("msg", "invalid")))
    return "; ".join(parts) or "Invalid request."


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors]
    return api.create_response(request, {"detail": _validation_message(exc.errors), "errors": errors}, status=422)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


api.add_router("/", groups_router)
api.add_router("/", decisions_router)
api.add_router("/", meetings_router)
api.add_router("/", seps_router)
api.add_router("/", people_router)
