"""On a phone: a resident reports a problem with a photo, the neighborhood secretary
acknowledges it, and the resident sees it acknowledged (screenshots at 360 px wide)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from sanxian.appeals.models import Appeal, AppealState
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


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 150, 90)).save(buffer, format="JPEG")
    return buffer.getvalue()


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.locator(f'form[action="{reverse("accounts:logout")}"] button').click()
    page.wait_for_url(lambda url: "/login" in url)


def fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_resident_files_secretary_acknowledges(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "resident")
    page.goto(reverse("appeals:new"))
    expect(page.get_by_test_id("appeal-form")).to_be_visible()
    screenshot(page, "appeal-new-empty")
    fits_the_phone(page)

    page.locator("#id_category_1").check()  # 楼道堆物
    page.locator("#id_text").fill("3楼楼道堆满了旧家具和纸箱，老人上下楼很不方便。")
    page.locator("#id_place_1").check()  # the building group
    page.locator("#id_photos").set_input_files(
        [{"name": "stairwell.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    page.locator("#id_contact_phone").fill("13812345678")
    screenshot(page, "appeal-new-filled")
    page.get_by_test_id("submit-appeal").click()

    state = page.get_by_test_id("appeal-state")
    expect(state).to_have_attribute("data-state", AppealState.SUBMITTED)
    appeal = Appeal.objects.get()
    assert appeal.place_id == world.building_group.pk
    assert appeal.photos.count() == 1
    expect(page.locator(".photos img")).to_have_count(1)
    screenshot(page, "appeal-filed")
    fits_the_phone(page)
    sign_out(page)

    sign_in(page, "secretary")
    page.goto(reverse("appeals:list"))
    row = page.get_by_test_id(f"appeal-{appeal.pk}")
    expect(row).to_be_visible()
    screenshot(page, "appeal-staff-list")
    fits_the_phone(page)
    row.click()
    expect(page.get_by_test_id("actions")).to_be_visible()
    screenshot(page, "appeal-staff-detail")
    fits_the_phone(page)
    page.locator("#ack-note").fill("已电话联系居民，明天上门查看")
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("appeal-state")).to_have_attribute(
        "data-state", AppealState.ACKNOWLEDGED
    )
    screenshot(page, "appeal-acknowledged-staff")
    page.goto(reverse("appeals:rates", args=[world.north.pk]))
    expect(page.get_by_test_id("rate-response")).to_be_visible()
    screenshot(page, "appeal-rates")
    fits_the_phone(page)
    sign_out(page)

    sign_in(page, "resident")
    page.goto(reverse("appeals:mine"))
    mine = page.get_by_test_id(f"appeal-{appeal.pk}")
    expect(mine.get_by_test_id("appeal-state")).to_have_attribute(
        "data-state", AppealState.ACKNOWLEDGED
    )
    screenshot(page, "appeal-mine")
    fits_the_phone(page)
    mine.click()
    expect(page.get_by_test_id("timeline").locator("li[data-kind=acknowledged]")).to_be_visible()
    screenshot(page, "appeal-resident-acknowledged")
    fits_the_phone(page)
    assert Appeal.objects.get().state == AppealState.ACKNOWLEDGED
