"""The language switch in the browser: a secretary chooses English on the office PC, the
page answers in English, and on the phone — a new browser, no cookie — signing in brings
English back; choosing 中文 there is kept for the next device too."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from e2e.conftest import new_page, screenshot, sign_in
from sanxian.accounts.models import User
from tests.world import build_world


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    return build_world()


def test_the_chosen_language_follows_the_person(browser, live_server, desktop, world) -> None:  # type: ignore[no-untyped-def]
    page = desktop
    sign_in(page, "secretary")
    page.goto(reverse("accounts:home"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.locator(".lang-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".topnav")).to_contain_text("Home")
    assert User.objects.get(username="secretary").language == "en"

    phone = new_page(browser, live_server.url, "phone")
    try:
        phone.goto(reverse("accounts:login"))
        expect(phone.locator("html")).to_have_attribute("lang", "zh-CN")  # nobody known yet
        sign_in(phone, "secretary")
        phone.goto(reverse("accounts:home"))
        expect(phone.locator("html")).to_have_attribute("lang", "en")
        screenshot(phone, "language-follows-the-person")
        phone.locator(".lang-switch").get_by_role("button", name="中文").click()
        expect(phone.locator("html")).to_have_attribute("lang", "zh-CN")
        assert User.objects.get(username="secretary").language == "zh-hans"
    finally:
        phone.context.close()
