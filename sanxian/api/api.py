"""The JSON API under /api/, its OpenAPI document at /api/openapi.json.

Each app owns its router (``<app>/api.py``) and calls the same services and selectors as its
pages; this module assembles them, authenticates with personal tokens and turns refusals
into the API's error format: ``{"detail": "…"}`` with 400 (a rule refused the request),
401 (no valid token), 404 (nothing there, or nothing the token's owner may see) or 422 (the
request's shape is wrong).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from sanxian.activities.api import router as activities_router
from sanxian.api.auth import TokenAuth
from sanxian.appeals.api import router as appeals_router
from sanxian.issues.api import router as issues_router
from sanxian.meetings.api import router as meetings_router
from sanxian.places.errors import DomainError
from sanxian.volunteers.api import router as volunteers_router

api = NinjaAPI(
    title="三先 sanxian API",
    version="1",
    description=(
        "Appeals, issues, meetings, activities and duty shifts of a sub-district, scoped "
        "like the product's pages. Authenticate with a personal token made on the page "
        "“API tokens” (/account/api-tokens/): `Authorization: Bearer sx_…`."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
    auth=TokenAuth(),
)
api.add_router("/appeals/", appeals_router)
api.add_router("/issues/", issues_router)
api.add_router("/meetings/", meetings_router)
api.add_router("/activities/", activities_router)
api.add_router("/volunteers/", volunteers_router)


@api.exception_handler(DomainError)
def refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc.message)}, status=400)
