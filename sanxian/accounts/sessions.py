"""Database sessions that record whose they are, so an account's sessions can be ended.

Used as ``SESSION_ENGINE``; the rows live in ``accounts.UserSession``.

Sessions slide (``SESSION_SAVE_EVERY_REQUEST``: 30 minutes idle), renewed at most once a
minute: ``SessionMiddleware`` leaves an unchanged session unsaved when it was renewed less
than ``RENEW_AFTER`` ago, so reading pages does not write the session table on every
request (on SQLite, one writer at a time for the whole site). An idle session therefore
ends 29 to 30 minutes after the last request, never later. It also leaves the session
unsaved for a request whose view is marked ``@leaves_session_alone`` (the inbox badge each
page fetches after loading) unless that view changed it: the page itself has just renewed
the session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from sanxian.accounts.models import UserSession

# An unchanged session is written again (its expiry moved on) only after this long.
RENEW_AFTER = timedelta(minutes=1)


class SessionStore(DatabaseSessionStore):
    # When the stored session expires, as loaded at the start of the request (None: new).
    loaded_expiry: datetime | None = None

    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

    def _get_session_from_db(self) -> UserSession | None:
        # Django's loader of the stored row (not in its type stubs); the row's expiry is kept.
        found = cast("UserSession | None", super()._get_session_from_db())  # type: ignore[misc]
        self.loaded_expiry = found.expire_date if found is not None else None
        return found

    def renewed_recently(self) -> bool:
        """Whether the stored session was renewed less than ``RENEW_AFTER`` ago."""
        if self.loaded_expiry is None:
            return False
        renewed_at = self.loaded_expiry - timedelta(seconds=self.get_expiry_age())
        return timezone.now() - renewed_at < RENEW_AFTER

    def create_model_instance(self, data: dict[str, Any]) -> UserSession:
        instance = cast(UserSession, super().create_model_instance(data))
        try:
            instance.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            instance.user_id = None
        return instance


def leaves_session_alone(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose requests do not renew the session (see the module's note)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.leaves_session_alone = True  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


class SessionMiddleware(DjangoSessionMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = request.session
        if not session.modified and (
            getattr(request, "leaves_session_alone", False)
            or (isinstance(session, SessionStore) and session.renewed_recently())
        ):
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)
