"""The error pages speak the product's language: a forged or garbled request (400), a
refusal (403), a page left open past its form's token (403 CSRF) and a server error (500)
each say in Chinese (or the chosen language) what happened and that nothing changed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from sanxian.meetings.models import Invitation, MeetingKind
from tests.meetings.test_views import make
from tests.world import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_a_garbled_request_gets_the_products_400_page(world: World, login) -> None:
    meeting = make(world, MeetingKind.COLLECTION)
    before = sorted(Invitation.objects.filter(meeting=meeting).values_list("id", "attended"))
    client = login("secretary")
    response = client.post(reverse("meetings:attendance", args=[meeting.pk]), {"attended": "zzz"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="bad-request"' in page and "没有做任何更改" in page
    assert 'data-testid="inbox-link"' in page  # the site's own layout, signed in
    after = sorted(Invitation.objects.filter(meeting=meeting).values_list("id", "attended"))
    assert after == before
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.post(reverse("meetings:attendance", args=[meeting.pk]), {"attended": "x"})
    assert "nothing was changed" in english.content.decode()


def test_the_403_page() -> None:
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert 'data-testid="forbidden"' in response.content.decode()


def test_a_form_sent_after_its_token_expired_says_so(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="resident", password=PASSWORD)
    response = client.post(reverse("accounts:care_mode"), {"care": "off"})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="csrf-failure"' in page and "页面已过期" in page
    assert '<html lang="zh-CN">' in page


def test_the_500_page_stands_without_the_requests_context() -> None:
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = defaults.server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "出错" in page and 'href="/"' in page
    with translation.override("en"):
        assert "Something went wrong" in defaults.server_error(request).content.decode()
