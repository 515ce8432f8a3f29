"""On a phone: a neighborhood secretary moves the 25th meeting to the 26th at another
venue, is told exactly what is wrong with a bad day first, and finds the new rule saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from sanxian.meetings.models import CycleRule
from tests.world import build_world


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    return build_world()


def test_secretary_sets_the_monthly_cycle(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "secretary")
    page.goto("/meetings/")
    page.get_by_test_id(f"cycle-rule-{world.north.pk}").click()
    expect(page.get_by_test_id("rule-form")).to_be_visible()
    page.locator("input[name=consultation_day]").fill("40")
    page.get_by_test_id("rule-save").click()
    expect(page.locator("[role=alert]").first).to_be_visible()
    assert not CycleRule.objects.filter(place=world.north).exists()
    screenshot(page, "cycle-rule-error")

    page.locator("input[name=consultation_day]").fill("26")
    page.locator("input[name=venue]").fill("北苑睦邻中心")
    page.get_by_test_id("rule-save").click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.get_by_test_id("rule-clear")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"
    screenshot(page, "cycle-rule-saved")
    rule = CycleRule.objects.get(place=world.north)
    assert (rule.consultation_day, rule.venue) == (26, "北苑睦邻中心")
