"""Authentication backends."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a sign-in for a username or an address locked out after repeated failures.

    It only checks the lockout; ModelBackend after it checks the password. Every sign-in over
    HTTP (the sign-in page, the admin) passes its request. A sign-in made in code without a
    request (a management command, a test client's ``login``) has no address to count
    against and is left to the next backend.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
