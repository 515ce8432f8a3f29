"""Care mode (关怀模式): on by default for residents and the sign-in page, off for staff,
switchable on every page, remembered on the device and on the account."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from sanxian.accounts import care
from tests.test_query_counts import count_queries
from tests.world import World


def is_care(client: Client, url: str) -> bool:
    page = client.get(url)
    assert page.status_code == 200
    return '<html lang="zh-CN" class="care">' in page.text


def test_default_follows_who_is_reading(world: World, login) -> None:
    assert is_care(Client(), reverse("accounts:login"))
    for persona in ("resident", "party_member"):
        assert is_care(login(persona), reverse("accounts:home")), persona
    for persona in ("secretary", "social_worker", "admin"):
        assert not is_care(login(persona), reverse("accounts:home")), persona


def test_switch_is_on_every_page_and_remembered(world: World, login) -> None:
    client = login("secretary")
    for url in (reverse("accounts:home"), reverse("issues:list"), reverse("appeals:list")):
        page = client.get(url)
        assert 'data-testid="care-switch"' in page.text and 'aria-pressed="false"' in page.text
    switched = client.post(reverse("accounts:care_mode"), {"care": "on", "next": "/issues/"})
    assert switched.status_code == 302 and switched["Location"] == "/issues/"
    cookie = switched.cookies[care.COOKIE]
    assert cookie.value == "on" and cookie["max-age"] == care.MAX_AGE and cookie["httponly"]
    assert is_care(client, reverse("issues:list"))
    assert 'aria-pressed="true"' in client.get(reverse("issues:list")).text
    off = client.post(reverse("accounts:care_mode"), {"care": "off", "next": "/issues/"})
    assert off.cookies[care.COOKIE].value == "off"
    assert not is_care(client, reverse("issues:list"))


def test_bad_choice_is_refused_and_changes_nothing(world: World, login) -> None:
    client = login("resident")
    refused = client.post(reverse("accounts:care_mode"), {"care": "maybe"})
    assert refused.status_code == 400
    assert "Choose care mode on or off" in refused.text or "关怀模式" in refused.text
    assert care.COOKIE not in refused.cookies
    assert is_care(client, reverse("accounts:home"))
    assert client.get(reverse("accounts:care_mode")).status_code == 405


def test_only_returns_to_this_site(world: World, login) -> None:
    client = login("resident")
    for target in ("https://example.com/", "//example.com/x", ""):
        answer = client.post(reverse("accounts:care_mode"), {"care": "off", "next": target})
        assert answer["Location"] == "/", target


def test_residents_find_activities_and_volunteers_on_their_home_page(world: World, login) -> None:
    """In care mode the top bar's Activities and Volunteers links give way to the home page."""
    page = login("resident").get(reverse("accounts:home")).text
    assert f'href="{reverse("activities:list")}" class="care-hide"' in page
    assert f'href="{reverse("volunteers:teams")}" class="care-hide"' in page
    home = page.split('<main id="main"', 1)[1]
    assert f'href="{reverse("activities:list")}"' in home
    assert f'href="{reverse("volunteers:teams")}"' in home
    staff = login("secretary").get(reverse("accounts:home")).text
    assert 'class="care-hide"' not in staff.split('<main id="main"', 1)[0]


def test_care_mode_costs_no_query(world: World, login) -> None:
    client = login("resident")
    default = count_queries(client, reverse("accounts:home"))
    client.cookies[care.COOKIE] = "off"
    assert count_queries(client, reverse("accounts:home")) == default


def test_the_choice_is_kept_on_the_account_and_comes_back_at_sign_in(world: World) -> None:
    """Grandma turns care mode on on the family phone; her grandson, signing in on the same
    phone later, gets his own choice (off); on her new phone she gets hers back."""
    from sanxian.accounts.models import User
    from tests.world import PASSWORD

    phone = Client()
    assert phone.login(username="party_member", password=PASSWORD)
    phone.post(reverse("accounts:care_mode"), {"care": "on", "next": "/"})
    assert User.objects.get(username="party_member").care_mode == "on"
    phone.logout()
    assert phone.login(username="secretary", password=PASSWORD)
    phone.post(reverse("accounts:care_mode"), {"care": "off", "next": "/"})
    phone.logout()

    def sign_in(client: Client, username: str):  # type: ignore[no-untyped-def]
        return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})

    assert sign_in(phone, "party_member").cookies[care.COOKIE].value == "on"
    phone.logout()
    assert sign_in(phone, "secretary").cookies[care.COOKIE].value == "off"
    new_phone = Client()
    answer = sign_in(new_phone, "party_member")
    assert answer.status_code == 302 and answer.cookies[care.COOKIE].value == "on"
    # Never chosen: no cookie, the default for the role applies.
    assert care.COOKIE not in sign_in(Client(), "resident").cookies
    # Signed out, the switch changes the device only.
    Client().post(reverse("accounts:care_mode"), {"care": "off", "next": "/"})
    assert User.objects.get(username="resident").care_mode == ""
