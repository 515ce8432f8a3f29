"""On a phone: a resident makes an API token, a program files an appeal with it over HTTP
(it shows in 我的诉求), and the resident revokes it — the program is refused from then on."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from sanxian.appeals.models import Appeal
from sanxian.appeals.services import seed_default_categories
from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays
from tests.world import build_world


@pytest.fixture
def world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_cache()
    year = timezone.localdate().year
    seed_holidays([year, year + 1])
    seed_default_categories()
    return build_world()


def _call(url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_resident_makes_uses_and_revokes_a_token(phone, live_server, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "resident")
    # Care mode (on for residents) leaves the link to connecting programs off the home page.
    expect(page.get_by_test_id("home-api-tokens")).to_be_hidden()
    page.get_by_test_id("care-switch").click()
    page.get_by_test_id("home-api-tokens").click()
    page.get_by_label("用在哪里").fill("小程序")
    page.get_by_test_id("make-token").click()
    token = page.get_by_test_id("token-value").input_value()
    assert token.startswith("sx_")
    screenshot(page, "api-token-made")

    api = f"{live_server.url}/api/appeals/"
    status, places = _call(api + "places", token)
    assert status == 200
    _, categories = _call(api + "categories", token)
    body = {"category": categories[0]["id"], "place": places[0]["id"], "text": "楼道灯不亮"}
    status, filed = _call(api, token, body)
    assert status == 201
    assert Appeal.objects.filter(pk=filed["id"], text="楼道灯不亮").exists()

    page.goto("/appeals/mine/")
    expect(page.get_by_text("楼道灯不亮")).to_be_visible()

    page.goto("/account/api-tokens/")
    expect(page.get_by_test_id("tokens")).to_contain_text("小程序")
    screenshot(page, "api-tokens-list")
    page.locator("[data-testid^=revoke-]").first.click()
    expect(page.get_by_test_id("tokens")).to_contain_text("已吊销")
    assert _call(api, token)[0] == 401
