"""Database sessions that record whose they are, so an account's sessions can be ended.

Used as ``SESSION_ENGINE``; the rows live in ``accounts.UserSession``.

Sessions slide (``SESSION_SAVE_EVERY_REQUEST``: 30 minutes idle). ``SessionMiddleware``
leaves the session unsaved for a request whose view is marked ``@leaves_session_alone``
(the inbox badge each page fetches after loading) unless that view changed it: the page
itself has just renewed the session, and a second write per page view would double the
session table's writes (on SQLite, one writer at a time).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse

from sanxian.accounts.models import UserSession


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        return UserSession

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
        if getattr(request, "leaves_session_alone", False) and not request.session.modified:
            return response
        return super().process_response(request, response)
