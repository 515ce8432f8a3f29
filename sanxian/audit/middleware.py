"""Refused access goes to the audit log.

Pages answer 404 both for a record that does not exist and for one outside the user's
scope, so ids cannot be probed; the log records every such answer a signed-in user gets on
a page of the product (an address that matches no page is not recorded)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sanxian.audit.models import AuditAction
from sanxian.audit.services import record


class RefusedAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if (
            response.status_code == 404
            and match is not None
            and user is not None
            and user.is_authenticated
        ):
            record(
                AuditAction.ACCESS_REFUSED,
                request=request,
                target=request.path[:200],
                view=match.view_name,
                method=request.method,
            )
        return response
