from __future__ import annotations

import pytest
from django.test import Client

from tests.world import PASSWORD, World, build_world


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


@pytest.fixture
def login(client: Client, world: World):  # type: ignore[no-untyped-def]
    """``login("secretary")`` signs the test client in as that persona."""

    def _login(username: str) -> Client:
        client.logout()
        assert client.login(username=username, password=PASSWORD)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with empty caches: no rate-limit counters, no rendered figures (a
    rolled-back database gives its ids out again)."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Each test starts in the product's default language (management commands and
    earlier tests may leave another one active in this thread)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
