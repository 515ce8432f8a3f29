"""Care mode in the browser (larger type, bigger targets, fewer elements), and forms that
survive a reload the way WeChat's in-app browser reloads pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from sanxian.appeals.models import Appeal
from sanxian.appeals.services import seed_default_categories
from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays
from tests.world import build_world

ROOT_PX = "parseFloat(getComputedStyle(document.documentElement).fontSize)"


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    clear_cache()
    year = timezone.localdate().year
    seed_holidays([year, year + 1])
    seed_default_categories()
    return build_world()


def smallest_target(page) -> float:  # type: ignore[no-untyped-def]
    """The height of the smallest visible button or button-like link in the page's main part."""
    return page.evaluate(
        """() => Math.min(...[...document.querySelectorAll(
            'main button, main .button, main .list > li > a, main .choice')]
            .filter(e => e.offsetParent !== null)
            .map(e => e.getBoundingClientRect().height))"""
    )


def test_resident_reads_in_care_mode_and_can_switch_it_off(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    page.goto(reverse("accounts:login"))
    assert page.evaluate(ROOT_PX) == pytest.approx(21)  # the sign-in page is in care mode
    sign_in(page, "resident")
    page.goto(reverse("accounts:home"))
    switch = page.get_by_test_id("care-switch")
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(ROOT_PX) == pytest.approx(21)
    assert smallest_target(page) >= 56
    # Fewer elements: the top bar leaves activities and volunteers to the home page.
    expect(page.locator(".topnav").get_by_role("link", name="志愿者", exact=True)).to_be_hidden()
    visible = page.locator(".topnav a:visible")
    expect(visible).to_have_count(2)  # Home and Inbox; the home page has the rest
    expect(visible.first).to_have_text("首页")
    neighbours = page.get_by_test_id("home-neighbours")
    expect(neighbours.get_by_role("link", name="志愿者团队")).to_be_visible()
    expect(page.get_by_test_id("home-api-tokens")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "care-home-on")

    page.goto(reverse("appeals:new"))
    expect(page.locator(".choice .hint").first).to_be_hidden()
    assert smallest_target(page) >= 60
    screenshot(page, "care-appeal-form-on")

    page.get_by_test_id("care-switch").click()
    page.wait_for_url(lambda url: url.endswith(reverse("appeals:new")))
    expect(page.get_by_test_id("care-switch")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(ROOT_PX) == pytest.approx(17)
    expect(page.locator(".choice .hint").first).to_be_visible()
    screenshot(page, "care-appeal-form-off")
    # Remembered on this phone: other pages, and after signing out and in again.
    page.goto(reverse("appeals:mine"))
    assert page.evaluate(ROOT_PX) == pytest.approx(17)
    page.locator(f'form[action="{reverse("accounts:logout")}"] button').click()
    page.wait_for_url(lambda url: "/login" in url)
    assert page.evaluate(ROOT_PX) == pytest.approx(17)
    sign_in(page, "resident")
    assert page.evaluate(ROOT_PX) == pytest.approx(17)


def test_staff_switch_care_mode_on(desktop, world) -> None:  # type: ignore[no-untyped-def]
    page = desktop
    sign_in(page, "secretary")
    page.goto(reverse("issues:list"))
    assert page.evaluate(ROOT_PX) == pytest.approx(17)
    page.get_by_test_id("care-switch").click()
    page.wait_for_url(lambda url: url.endswith(reverse("issues:list")))
    expect(page.get_by_test_id("care-switch")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(ROOT_PX) == pytest.approx(21)
    # Staff keep every top-bar link in care mode.
    expect(page.locator(".topnav").get_by_role("link", name="志愿者", exact=True)).to_be_visible()
    screenshot(page, "care-issues-desktop")


def test_the_browsers_text_size_setting_scales_the_page(phone, world) -> None:  # type: ignore[no-untyped-def]
    """Sizes are relative to the reader's own setting, not fixed pixels."""
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    phone.goto(reverse("accounts:login"))
    assert phone.evaluate(ROOT_PX) == pytest.approx(42)
    phone.context.add_cookies([{"name": "sanxian_care", "value": "off", "url": phone.url}])
    phone.reload()
    assert phone.evaluate(ROOT_PX) == pytest.approx(34)


def test_a_half_written_appeal_survives_a_reload(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "resident")
    page.goto(reverse("appeals:new"))
    page.locator("#id_category_1").check()
    page.locator("#id_text").fill("楼下路灯坏了三天，晚上看不清台阶。")
    page.locator("#id_place_1").check()
    page.locator("#id_contact_phone").fill("13812345678")

    page.reload()
    restored = page.get_by_test_id("draft-restored")
    expect(restored).to_be_visible()
    expect(page.locator("#id_text")).to_have_value("楼下路灯坏了三天，晚上看不清台阶。")
    expect(page.locator("#id_category_1")).to_be_checked()
    expect(page.locator("#id_place_1")).to_be_checked()
    expect(page.locator("#id_contact_phone")).to_have_value("13812345678")
    screenshot(page, "draft-restored")

    # Sending forgets the draft: the next report starts empty.
    page.get_by_test_id("submit-appeal").click()
    expect(page.get_by_test_id("appeal-state")).to_be_visible()
    assert Appeal.objects.get().text == "楼下路灯坏了三天，晚上看不清台阶。"
    page.goto(reverse("appeals:new"))
    expect(page.locator("#id_text")).to_have_value("")
    expect(page.get_by_test_id("draft-restored")).to_have_count(0)


def test_a_restored_draft_can_be_cleared(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "resident")
    page.goto(reverse("appeals:new"))
    page.locator("#id_text").fill("电梯里有异味")
    page.reload()
    expect(page.locator("#id_text")).to_have_value("电梯里有异味")
    page.get_by_test_id("draft-restored").get_by_role("button").click()
    expect(page.locator("#id_text")).to_have_value("")
    page.reload()
    expect(page.locator("#id_text")).to_have_value("")
    expect(page.get_by_test_id("draft-restored")).to_have_count(0)
    # Passwords are never kept.
    sign_in(page, "resident")  # leaves the sign-in form filled and sent
    assert "secret" not in page.evaluate("JSON.stringify(sessionStorage)")
    assert Appeal.objects.count() == 0
