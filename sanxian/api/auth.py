"""Bearer-token authentication of the API: ``Authorization: Bearer sx_…``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from sanxian.api import services


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = services.authenticate(token)
        if user is None:
            return None
        # The token's owner is the request's user: scope, audit and the services see the
        # same person as on the pages.
        request.user = user
        return user
