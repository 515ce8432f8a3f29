"""A resident whose phone is set to 200% text size, on a 360-px-wide screen inside WeChat:
files an appeal, finds it, signs up for an activity and a volunteer shift, opens the inbox —
with care mode on (the default for residents) and switched off.

The browser's default font size is 32px (200% of 16px), as Android's font size setting makes
it for WebView: set in the browser profile's own font size preference (Chrome's Settings →
Appearance → Font size), and through the Chrome DevTools Protocol (Page.setFontSizes). The
protocol's setting alone does not last: Playwright's full-page screenshot resets the page's
device metrics and with them the fonts, back to the profile's sizes. Every step checks the layout
(e2e/layout.py) and clicks the controls it needs the way a finger would (Playwright waits
for each to be visible, stable and not covered by anything else).
"""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import CHROMIUM, PHONE, WECHAT_UA, screenshot
from e2e.layout import assert_layout
from e2e.test_walkthrough import world  # noqa: F401  (the same prepared sub-district)
from sanxian.activities.models import ActivitySignup, SignupState
from sanxian.appeals.models import Appeal
from sanxian.volunteers.models import ShiftSignup
from tests.world import PASSWORD

DEFAULT_FONT_PX = 32  # 200% of the browser's 16px


@pytest.fixture
def big_text(browser, live_server, tmp_path):  # type: ignore[no-untyped-def]
    """A phone page in WeChat whose browser profile has the default font size at 200%."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    prefs = {
        "webkit": {
            "webprefs": {"default_font_size": DEFAULT_FONT_PX, "default_fixed_font_size": 26}
        }
    }
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
    context = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=WECHAT_UA,
        locale="zh-CN",
        base_url=live_server.url,
    )
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(15_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": DEFAULT_FONT_PX, "fixed": 26}})
    yield page
    context.close()


def check(page, care: str, step: str) -> None:  # type: ignore[no-untyped-def]
    """The page has the reader's text size and care mode, fits the screen, and is saved."""
    page.wait_for_load_state("load")
    expect(page.locator("[data-testid=inbox-link] [hx-get]")).to_have_count(0)
    root = float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))
    # 106.25% (care off) or more (care on) of the 32px default: the setting took effect.
    assert root >= DEFAULT_FONT_PX * 1.0625 - 0.5, f"{step}: root font size {root}px"
    classes = page.evaluate("document.documentElement.className")
    assert ("care" in classes.split()) == (care == "on"), f"{step}: <html class={classes!r}>"
    screenshot(page, f"text200-care-{care}-{step}")
    assert_layout(page, f"200% text, care mode {care}: {step}", touch=True)


@pytest.mark.parametrize("care", ["on", "off"])
def test_resident_at_200_percent_text(big_text, world, care: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = big_text
    assert "MicroMessenger" in page.evaluate("navigator.userAgent")

    page.goto("/accounts/login/")
    check(page, "on", "sign-in")  # care mode is on for the sign-in page
    page.locator("input[name=username]").fill("resident")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if care == "off":
        switch = page.get_by_test_id("care-switch")
        expect(switch).to_have_attribute("aria-pressed", "true")
        switch.click()
        expect(page.get_by_test_id("care-switch")).to_have_attribute("aria-pressed", "false")
    check(page, care, "home")

    # Report a problem: category, what happened, where, send.
    page.locator("a[href='/appeals/new/']:visible").first.click()
    expect(page.get_by_test_id("appeal-form")).to_be_visible()
    check(page, care, "appeal-new")
    page.locator("label[for=id_category_1], label:has(#id_category_1)").first.click()
    expect(page.locator("#id_category_1")).to_be_checked()
    page.locator("#id_text").fill("楼下路灯坏了一个多星期，晚上出门看不清台阶。")
    page.locator("label[for=id_place_1], label:has(#id_place_1)").first.click()
    expect(page.locator("#id_place_1")).to_be_checked()
    check(page, care, "appeal-filled")
    page.get_by_test_id("submit-appeal").click()
    expect(page.get_by_test_id("appeal-state")).to_be_visible()
    appeal = Appeal.objects.filter(text__startswith="楼下路灯").get()
    check(page, care, "appeal-filed")

    # My appeals, then the appeal's page.
    page.locator("a[href='/appeals/mine/']:visible").first.click()
    row = page.get_by_test_id(f"appeal-{appeal.pk}")
    expect(row).to_be_visible()
    check(page, care, "appeals-mine")
    row.click()
    expect(page).to_have_url(re.compile(rf"/appeals/{appeal.pk}/$"))
    expect(page.get_by_test_id("timeline")).to_be_visible()
    check(page, care, "appeal")

    # An activity: the list, the activity, sign up.
    page.locator("a[href='/']:visible").last.click()  # home, where every section starts
    page.locator("a[href='/activities/']:visible").first.click()
    card = page.get_by_test_id(f"activity-{world.activity.pk}")
    expect(card).to_be_visible()
    check(page, care, "activities")
    card.locator("a.activity-link").click()
    expect(page.get_by_test_id("activity-title")).to_be_visible()
    check(page, care, "activity")
    page.get_by_test_id("signup-submit").click()
    expect(page.get_by_test_id(f"member-{world.resident.pk}")).to_have_attribute(
        "data-state", SignupState.CONFIRMED
    )
    check(page, care, "activity-signed-up")
    assert ActivitySignup.objects.get(activity=world.activity, resident=world.resident).state == (
        SignupState.CONFIRMED
    )

    # A volunteer shift of the resident's patrol team: sign up.
    crew = world.crew
    shift = crew.roster.shifts.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    assert shift is not None
    page.locator("a[href='/']:visible").last.click()  # home, where every section starts
    page.locator("a[href='/volunteers/']:visible").first.click()
    check(page, care, "volunteers")
    page.goto(f"/volunteers/rosters/{crew.roster.pk}/")
    expect(page.get_by_test_id("roster-title")).to_be_visible()
    check(page, care, "roster")
    page.get_by_test_id(f"sign-up-{shift.pk}").click()
    expect(page.get_by_test_id(f"shift-{shift.pk}")).to_contain_text(crew.resident.name)
    check(page, care, "shift-signed-up")
    assert ShiftSignup.objects.filter(shift=shift, volunteer=crew.resident).exists()

    # The inbox, from the top bar.
    page.get_by_test_id("inbox-link").click()
    expect(page).to_have_url(re.compile(r"/inbox/$"))
    check(page, care, "inbox")
