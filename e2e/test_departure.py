"""On an office PC: the neighborhood secretary records that a resident moved away on the
resident's page; the household page then lists them apart, under the people who moved out."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from sanxian.places.models import Resident
from tests.world import build_world


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    return build_world()


def test_secretary_records_a_departure(desktop, world) -> None:  # type: ignore[no-untyped-def]
    page = desktop
    resident = world.resident
    sign_in(page, "secretary")
    page.goto(f"/residents/{resident.pk}/")
    expect(page.get_by_role("heading", name=resident.name)).to_be_visible()
    expect(page.get_by_test_id("departed-tag")).to_have_count(0)

    page.get_by_test_id("record-departure").click()
    form = page.get_by_test_id("departure-form")
    date_input = form.locator("input[name=moved_out]")
    today = timezone.localdate().isoformat()
    expect(date_input).to_have_value(today)  # today by default
    screenshot(page, "departure-form")

    # A date in the future is refused with a message and changes nothing.
    date_input.fill("2999-01-01")
    form.get_by_role("button").click()
    expect(page.locator(".message-error")).to_be_visible()
    assert Resident.objects.get(pk=resident.pk).moved_out is None

    form = page.get_by_test_id("departure-form")
    form.locator("input[name=moved_out]").fill(today)
    form.get_by_role("button").click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.get_by_test_id("departed-tag")).to_be_visible()
    expect(page.get_by_test_id("cancel-departure-form")).to_be_visible()
    screenshot(page, "departure-recorded")
    assert Resident.objects.get(pk=resident.pk).moved_out == timezone.localdate()

    page.get_by_role("link", name=world.household.name).first.click()
    members = page.get_by_test_id("household-members")
    expect(members).not_to_contain_text(resident.name)
    expect(members).to_contain_text(world.leader.name)
    departed = page.get_by_test_id("household-departed")
    departed.locator("summary").click()
    expect(departed.get_by_role("link", name=resident.name)).to_be_visible()
    screenshot(page, "household-departed")
