"""On a phone: sign in, walk the tree down to a household, find a resident by pinyin."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot
from sanxian.places.models import Gender, Relation
from sanxian.places.services import create_resident
from tests.world import PASSWORD, build_world


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    w = build_world()
    # A name the world's generated names never take (they combine a fixed list of given
    # names), so the search below finds exactly one person.
    create_resident(
        household=w.household,
        name="张子墨",
        gender=Gender.MALE,
        relation=Relation.FAMILY,
        birth_year=1958,
    )
    return w


def sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in the way a Chinese user sees the form: labels and button in Chinese."""
    page.goto("/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_secretary_walks_tree_to_household_and_searches(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "secretary")
    expect(page.get_by_role("heading", name="北苑", exact=False)).to_be_visible()
    screenshot(page, "home-secretary")

    page.get_by_role("link", name="浏览辖区").click()
    expect(page.get_by_role("heading", name="北苑")).to_be_visible()
    page.get_by_test_id("children").get_by_role("link", name="第一块区").click()
    page.get_by_test_id("children").get_by_role("link", name="1号楼").click()
    expect(page.get_by_test_id("floors")).to_be_visible()
    screenshot(page, "building")
    page.get_by_test_id("floors").get_by_role("link", name="101").click()
    expect(page.get_by_role("heading", name="101室")).to_be_visible()
    expect(page.get_by_test_id("household-members")).to_contain_text("张子墨")
    screenshot(page, "household")

    page.get_by_role("link", name="搜索").click()
    page.get_by_role("searchbox").fill("zzm")
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("张子墨")
    screenshot(page, "search-zzm")
    results.get_by_role("link", name="张子墨").click()
    expect(page.get_by_role("heading", name="张子墨")).to_be_visible()

    # The page fits the phone: nothing wider than the viewport.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_outsider_cannot_open_another_neighborhood(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "outsider")
    expect(page.get_by_role("heading", name="南苑", exact=False)).to_be_visible()
    response = page.goto(f"/places/{world.north.pk}/")
    assert response is not None and response.status == 404
