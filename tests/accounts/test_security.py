"""Sign-in and session hardening: lockout after 5 failures (per username and per address)
with a cool-off and an unlock command, the password policy, a new session key at sign-in,
the 30-minute idle timeout, disabled accounts signed out at once, and the security headers
and cookie flags of every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxian.accounts.models import User, UserSession
from sanxian.accounts.services import disable_user
from sanxian.accounts.validators import CharacterClassValidator, character_classes
from tests.world import PASSWORD, World

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
HOME = "/"


def sign_in(client: Client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


# --- Lockout ------------------------------------------------------------------------------


def test_five_failures_lock_the_username_even_with_the_right_password(world: World) -> None:
    client = Client()
    for _ in range(4):
        response = sign_in(client, "secretary", "wrong-Password-1")
        assert response.status_code == 200
        assert 'data-testid="lockout"' not in response.content.decode()
    fifth = sign_in(client, "secretary", "wrong-Password-1")
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert 'data-testid="lockout"' in page
    # The page says until when: 30 minutes after the last failure, in local time.
    until = timezone.localtime(timezone.now() + timedelta(minutes=30))
    assert (
        until.strftime("%H:%M") in page or (until - timedelta(minutes=1)).strftime("%H:%M") in page
    )
    assert 'value="secretary"' in page  # the username stays filled in

    right = sign_in(client, "secretary")
    assert right.status_code == 429
    assert not signed_in(client)
    # The lockout follows the username to another address.
    elsewhere = Client()
    assert sign_in(elsewhere, "secretary", ip="10.9.9.9").status_code == 429
    assert not signed_in(elsewhere)
    # Other accounts from other addresses are not affected.
    other = Client()
    assert sign_in(other, "resident", ip="10.9.9.9").status_code == 302


def test_five_failures_from_one_address_lock_that_address(world: World) -> None:
    client = Client()
    for name in ("a1", "a2", "a3", "a4", "a5"):
        sign_in(client, name, "guess-Guess-1", ip="10.0.0.7")
    assert sign_in(client, "resident", ip="10.0.0.7").status_code == 429
    assert not signed_in(client)
    assert sign_in(Client(), "resident", ip="10.0.0.8").status_code == 302


def test_lockout_ends_after_thirty_minutes_and_failures_during_it_do_not_extend_it(
    world: World,
) -> None:
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            sign_in(client, "secretary", "wrong-Password-1")
        clock.shift(timedelta(minutes=20))
        assert sign_in(client, "secretary", "wrong-Password-1").status_code == 429
        clock.shift(timedelta(minutes=9))
        assert sign_in(client, "secretary").status_code == 429
        clock.shift(timedelta(minutes=2))
        assert sign_in(client, "secretary").status_code == 302
        assert signed_in(client)


def test_a_successful_sign_in_resets_the_count(world: World) -> None:
    client = Client()
    for _ in range(4):
        sign_in(client, "secretary", "wrong-Password-1")
    assert sign_in(client, "secretary").status_code == 302
    assert not AccessAttempt.objects.filter(username="secretary").exists()
    client.logout()
    for _ in range(4):
        assert sign_in(client, "secretary", "wrong-Password-1").status_code == 200
    assert sign_in(client, "secretary").status_code == 302


def test_staff_unlock_a_username_with_the_management_command(world: World) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, "secretary", "wrong-Password-1")
    assert sign_in(client, "secretary").status_code == 429
    call_command("axes_reset_username", "secretary")
    assert sign_in(client, "secretary").status_code == 302


def test_staff_unlock_an_address_with_the_management_command(world: World) -> None:
    client = Client()
    for name in ("a1", "a2", "a3", "a4", "a5"):
        sign_in(client, name, "guess-Guess-1", ip="10.0.0.7")
    assert sign_in(client, "resident", ip="10.0.0.7").status_code == 429
    call_command("axes_reset_ip", "10.0.0.7")
    assert sign_in(client, "resident", ip="10.0.0.7").status_code == 302


def test_sign_in_without_a_request_still_checks_the_password(world: World) -> None:
    """Code that signs in without a request (the test client's login) is not counted but
    still needs the right password."""
    client = Client()
    assert not client.login(username="secretary", password="wrong-Password-1")
    assert client.login(username="secretary", password=PASSWORD)


# --- Password policy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["Xietu2026", "xietu-2026", "XIETU-2026", "Xietu-Jiale", "斜土街道-jiale2026", "a1!b2@c3#"],
)
def test_passwords_mixing_three_kinds_are_accepted(password: str) -> None:
    CharacterClassValidator().validate(password)
    validate_password(password)


@pytest.mark.parametrize(
    "password",
    [
        "xietujiale",  # one kind
        "xietu2026jl",  # two kinds
        "XIETU2026JL",  # two kinds
        "xietu-jiale",  # two kinds
        "Xt-2026",  # three kinds but 7 characters
    ],
)
def test_simple_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        CharacterClassValidator().validate(password)
    assert refused.value.code == "password_too_simple"
    with pytest.raises(ValidationError):
        validate_password(password)


def test_character_classes() -> None:
    assert character_classes("abc") == 1
    assert character_classes("aB") == 2
    assert character_classes("aB3") == 3
    assert character_classes("aB3 ") == 4
    assert character_classes("中文") == 1  # anything but letters and digits is a symbol


def test_setting_a_password_goes_through_the_policy(world: World) -> None:
    user = world.users["secretary"]
    refused = SetPasswordForm(user, {"new_password1": "jiale2026", "new_password2": "jiale2026"})
    assert not refused.is_valid()
    assert "password_too_simple" in [e.code for e in refused.errors.as_data()["new_password2"]]
    accepted = SetPasswordForm(
        user, {"new_password1": "Jiale-2026!", "new_password2": "Jiale-2026!"}
    )
    assert accepted.is_valid(), accepted.errors


# --- Sessions -------------------------------------------------------------------------------


def test_signing_in_gives_a_new_session_key(world: World) -> None:
    client = Client()
    before = client.session
    before["probe"] = "anonymous visit"
    before.save()
    client.cookies["sessionid"] = before.session_key
    old_key = before.session_key
    assert sign_in(client, "secretary").status_code == 302
    new_key = client.cookies["sessionid"].value
    assert new_key and new_key != old_key
    assert not UserSession.objects.filter(session_key=old_key).exists()
    assert UserSession.objects.get(session_key=new_key).user_id == world.users["secretary"].pk


def test_thirty_idle_minutes_sign_out(world: World) -> None:
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        response = sign_in(client, "secretary")
        assert response.cookies["sessionid"]["max-age"] == 1800
        assert client.get(HOME).status_code == 200
        # Activity keeps the session alive: each request moves the expiry.
        clock.shift(timedelta(minutes=29))
        assert client.get(HOME).status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get(HOME).status_code == 200
        clock.shift(timedelta(minutes=31))
        idle = client.get(HOME)
        assert idle.status_code == 302
        assert idle["Location"].startswith(reverse("accounts:login"))


def test_a_disabled_account_is_signed_out_on_its_next_request(world: World) -> None:
    client = Client()
    sign_in(client, "secretary")
    assert client.get(HOME).status_code == 200
    User.objects.filter(username="secretary").update(is_active=False)
    assert client.get(HOME).status_code == 302
    # and cannot sign in again
    assert sign_in(Client(), "secretary").status_code == 200


def test_disable_user_ends_every_session_of_the_account(world: World) -> None:
    phone, office = Client(), Client()
    sign_in(phone, "secretary")
    sign_in(office, "secretary", ip="10.0.0.2")
    bystander = Client()
    sign_in(bystander, "resident")
    user = world.users["secretary"]
    assert UserSession.objects.filter(user_id=user.pk).count() == 2

    assert disable_user(user=user) == 2
    user.refresh_from_db()
    assert not user.is_active
    assert not UserSession.objects.filter(user_id=user.pk).exists()
    for client in (phone, office):
        assert client.get(HOME).status_code == 302
    assert bystander.get(HOME).status_code == 200


def test_unticking_active_in_the_admin_ends_the_sessions(world: World) -> None:
    from sanxian.accounts.services import create_user

    create_user(username="root", password=PASSWORD)
    User.objects.filter(username="root").update(is_superuser=True, is_staff=True)
    admin = Client()
    assert sign_in(admin, "root").status_code == 302
    victim = Client()
    sign_in(victim, "secretary", ip="10.0.0.3")
    user = world.users["secretary"]
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = admin.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "is_active"}
    data.update(
        {
            "username": user.username,
            "date_joined_0": timezone.localtime(user.date_joined).strftime("%Y-%m-%d"),
            "date_joined_1": timezone.localtime(user.date_joined).strftime("%H:%M:%S"),
            "groups": [],
            "user_permissions": [],
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)
    data.pop("password", None)
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=user.pk).is_active
    assert not UserSession.objects.filter(user_id=user.pk).exists()
    assert victim.get(HOME).status_code == 302


# --- Headers and cookies ------------------------------------------------------------------


def test_every_page_carries_the_security_headers(login) -> None:  # type: ignore[no-untyped-def]
    for client, url in ((Client(), LOGIN), (login("secretary"), HOME)):
        response = client.get(url)
        assert response.status_code == 200
        csp = {
            part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1:]
            for part in response["Content-Security-Policy"].split(";")
        }
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert "unsafe" not in csp["style-src"][0]  # style sheets: this site and htmx's rule
        assert csp["style-src-attr"] == ["'unsafe-inline'"]  # style attributes only
        assert "unsafe-eval" not in response["Content-Security-Policy"]
        assert csp["img-src"] == ["'self' data: blob:"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["form-action"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_cookies_are_http_only_and_same_site(world: World) -> None:
    client = Client()
    client.get(LOGIN)
    response = sign_in(client, "secretary")
    session = response.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["httponly"]


# --- Client address ---------------------------------------------------------------------


def test_without_proxies_the_forwarded_header_is_ignored(settings) -> None:  # type: ignore[no-untyped-def]
    from django.test import RequestFactory

    from sanxian.accounts.client import client_ip, client_ip_or_unknown

    settings.SANXIAN_PROXIES = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.5"
    settings.SANXIAN_PROXIES = 1
    assert client_ip(request) == "1.2.3.4"
    # A forged list longer than the proxies: only the entry the proxy wrote counts.
    forged = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4"
    )
    assert client_ip(forged) == "1.2.3.4"
    junk = RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(junk) is None
    assert client_ip_or_unknown(junk) == "0.0.0.0"
