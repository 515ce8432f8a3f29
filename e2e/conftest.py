"""Browser tests: Playwright driving Debian's Chromium against Django's live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by
# the test itself (building data) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium "
            "(apt-get install chromium fonts-wqy-microhei)"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


# WeChat's in-app browser (XWEB) on an Android phone, as residents open the app.
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117 "
    "MMWEBSDK/20240404 MMWEBID/1234 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 "
    "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
SCREEN_OPTIONS: dict[str, dict[str, object]] = {
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": DESKTOP},
    "wechat": {
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "user_agent": WECHAT_UA,
    },
}


def new_page(browser, base_url: str, screen: str = "desktop", *, timeout: int = 15_000, **options):  # type: ignore[no-untyped-def]
    """A page in a fresh browser context: the screen's size (a phone: touch, two device pixels
    a pixel; WeChat: also its user agent), Chinese, relative URLs against ``base_url``;
    ``options`` add to or override the context's (a user agent, JavaScript off, …). The
    caller closes ``page.context``."""
    context = browser.new_context(
        **{**SCREEN_OPTIONS[screen], "locale": "zh-CN", "base_url": base_url, **options}
    )
    page = context.new_page()
    page.set_default_timeout(timeout)
    return page


@pytest.fixture
def phone(browser, live_server):  # type: ignore[no-untyped-def]
    """A fresh phone-sized page whose relative URLs resolve against the live server."""
    page = new_page(browser, live_server.url, "phone")
    yield page
    page.context.close()


@pytest.fixture
def desktop(browser, live_server):  # type: ignore[no-untyped-def]
    """A fresh office-PC-sized page whose relative URLs resolve against the live server."""
    page = new_page(browser, live_server.url, "desktop")
    yield page
    page.context.close()


@pytest.fixture
def wechat(browser, live_server):  # type: ignore[no-untyped-def]
    """A fresh phone-sized page in WeChat's in-app browser (its user agent, touch, no hover)."""
    page = new_page(browser, live_server.url, "wechat")
    yield page
    page.context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, username: str, password: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the form and wait until the browser has left the sign-in page."""
    from django.conf import settings

    from tests.world import PASSWORD

    # Requests the previous page started after loading (the inbox badge) may still be under
    # way; a late answer would set the previous user's session cookie again. Let them finish,
    # then forget that session (other cookies, such as the chosen language, are kept).
    page.wait_for_load_state("networkidle")
    context = page.context
    kept = [c for c in context.cookies() if c["name"] != settings.SESSION_COOKIE_NAME]
    context.clear_cookies()
    if kept:
        context.add_cookies(kept)
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password or PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
