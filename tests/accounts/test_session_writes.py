"""A page view renews the sliding session once; the inbox badge the page fetches after it
loads answers without writing the session again (nor sending its cookie)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanxian.accounts.models import UserSession
from tests.world import World

pytestmark = pytest.mark.django_db

TABLE = UserSession._meta.db_table


def session_writes(client, url: str) -> tuple[int, object]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if TABLE in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    return len(writes), response


def test_the_badge_leaves_the_session_alone(world: World, login) -> None:
    client = login("resident")
    page_writes, page = session_writes(client, reverse("accounts:home"))
    assert page.status_code == 200 and page_writes == 1
    assert settings.SESSION_COOKIE_NAME in page.cookies  # renewed, sliding
    badge_writes, badge = session_writes(client, reverse("notifications:badge"))
    assert badge.status_code == 200 and badge_writes == 0
    assert settings.SESSION_COOKIE_NAME not in badge.cookies
    # Still signed in afterwards, the session as the page left it.
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_view_that_changes_the_session_still_saves_it(world: World, login, rf) -> None:  # type: ignore[no-untyped-def]
    from django.http import HttpResponse

    from sanxian.accounts.sessions import SessionMiddleware, leaves_session_alone

    @leaves_session_alone
    def view(request):  # type: ignore[no-untyped-def]
        request.session["seen"] = True
        return HttpResponse("ok")

    request = rf.get("/")
    middleware = SessionMiddleware(view)
    response = middleware(request)
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME in response.cookies  # saved: it was changed
