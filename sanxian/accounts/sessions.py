"""Database sessions that record whose they are, so an account's sessions can be ended.

Used as ``SESSION_ENGINE``; the rows live in ``accounts.UserSession``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

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
