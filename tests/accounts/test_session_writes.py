"""A page view renews the sliding session, at most once a minute; the inbox badge the page
fetches after it loads answers without writing the session again (nor sending its cookie);
a request that changes the session always saves it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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


def test_pages_renew_the_session_at_most_once_a_minute(world: World, login) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = login("resident")
        home = reverse("accounts:home")
        clock.shift(timedelta(seconds=61))
        writes, page = session_writes(client, home)
        assert page.status_code == 200 and writes == 1
        assert page.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 1800
        renewed = UserSession.objects.get(session_key=client.cookies["sessionid"].value)
        assert renewed.expire_date == timezone.now() + timedelta(minutes=30)
        for _ in range(3):  # reading on within the minute writes nothing, sends no cookie
            clock.shift(timedelta(seconds=15))
            writes, page = session_writes(client, home)
            assert page.status_code == 200 and writes == 0
            assert settings.SESSION_COOKIE_NAME not in page.cookies
            assert "Cookie" in page["Vary"]
        clock.shift(timedelta(seconds=16))  # 61 s since the renewal
        writes, page = session_writes(client, home)
        assert writes == 1 and settings.SESSION_COOKIE_NAME in page.cookies


def test_a_changed_session_is_saved_within_the_minute(world: World, login, rf) -> None:  # type: ignore[no-untyped-def]
    from django.http import HttpResponse

    from sanxian.accounts.sessions import SessionMiddleware

    client = login("resident")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    def view(request):  # type: ignore[no-untyped-def]
        request.session["seen"] = True
        return HttpResponse("ok")

    request = rf.get("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = key
    response = SessionMiddleware(view)(request)
    assert request.session.renewed_recently()  # signed in moments ago …
    assert settings.SESSION_COOKIE_NAME in response.cookies  # … and saved all the same
    assert UserSession.objects.get(session_key=key).get_decoded()["seen"] is True


def test_the_badge_leaves_the_session_alone(world: World, login) -> None:
    client = login("resident")
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        page_writes, page = session_writes(client, reverse("accounts:home"))
        assert page.status_code == 200 and page_writes == 1
        assert settings.SESSION_COOKIE_NAME in page.cookies  # renewed, sliding
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            badge_writes, badge = session_writes(client, reverse("notifications:badge"))
            assert badge.status_code == 200 and badge_writes == 0  # due, but left alone
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
