"""API tests: the appeals' calendar and categories (tests/appeals/conftest.py), activities
(tests/activities/conftest.py), the volunteers' crew (tests/volunteers/conftest.py), and
tokens for the personas of tests/world.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sanxian.api.services import issue_token
from tests.activities.conftest import make_activity  # noqa: F401
from tests.appeals.conftest import _appeal_data, make_appeal  # noqa: F401
from tests.volunteers.conftest import crew  # noqa: F401
from tests.world import World

Api = Callable[..., Client]


class ApiClient:
    """A test client that sends one persona's token with every request."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params):  # type: ignore[no-untyped-def]
        return self.client.get(path, params)

    def post(self, path: str, body: dict | None = None):  # type: ignore[no-untyped-def]
        return self.client.post(path, body or {}, content_type="application/json")


@pytest.fixture
def api(world: World) -> Callable[[str], ApiClient]:
    """``api("resident")``: a client acting with a fresh token of that persona."""

    def _api(persona: str) -> ApiClient:
        _, raw = issue_token(user=world.users[persona], name="test")
        return ApiClient(raw)

    return _api
