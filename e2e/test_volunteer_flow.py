"""On a phone: a volunteer on tonight's patrol scans the shift's QR code, checks in and
checks out; the leader sees the hours waiting and approves them; the service record shows
them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from sanxian.volunteers import services
from sanxian.volunteers.models import DutyShift, HoursEntry, HoursState, ShiftSignup
from tests.volunteers.conftest import aware, build_crew
from tests.world import build_world


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    w = build_world()
    crew = build_crew(w)
    w.crew = crew  # type: ignore[attr-defined]
    # A shift running now (started two hours ago), the resident signed up.
    start = timezone.now() - timedelta(hours=2)
    w.shift = DutyShift.objects.create(  # type: ignore[attr-defined]
        roster=crew.roster, starts_at=start, ends_at=start + timedelta(hours=3), capacity=2, taken=1
    )
    ShiftSignup.objects.create(shift=w.shift, volunteer=crew.resident)  # type: ignore[attr-defined]
    # Earlier service, approved, for the honour roll and the record.
    entry = services.credit_hours(
        volunteer=crew.resident,
        service="夜间安全巡逻",
        started_at=aware(date(2025, 6, 6), 20),
        ended_at=aware(date(2025, 6, 7), 0, 30),
        path=crew.roster.path,
        source="manual",
        team=crew.patrol,
    )
    services.approve_hours(entry=entry, actor=crew.leader_user)
    return w


def fits(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def small_targets(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Buttons and links in main smaller than 44 px high (inline text links excepted)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main button, main .button, .vol-tabs a')]
          .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 40)
          .map(e => e.textContent.trim())"""
    )


def test_volunteer_checks_in_and_out_of_a_shift(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    crew = world.crew
    sign_in(page, "resident")
    page.goto(f"/volunteers/rosters/{crew.roster.pk}/")
    expect(page.get_by_test_id("roster-title")).to_have_text("北苑夜间巡逻")
    fits(page)
    assert not small_targets(page), small_targets(page)
    screenshot(page, "volunteers-roster")

    page.goto(f"/volunteers/shifts/{world.shift.pk}/")
    expect(page.get_by_test_id("my-signup")).to_have_attribute("data-state", "signed")
    fits(page)
    screenshot(page, "volunteers-shift-signed")

    # The QR code's address, as the phone's camera would open it.
    page.goto(f"/volunteers/check-in/{services.checkin_token(world.shift)}/")
    page.get_by_test_id("check-in").click()
    expect(page.get_by_test_id("checkin-card")).to_have_attribute("data-state", "in")
    fits(page)
    screenshot(page, "volunteers-checked-in")
    # Two hours on duty pass (the check-in moves back, as the clock would).
    ShiftSignup.objects.filter(shift=world.shift).update(
        checked_in_at=timezone.now() - timedelta(hours=2)
    )
    page.reload()
    page.get_by_test_id("check-out").click()
    expect(page.get_by_test_id("checkin-card")).to_have_attribute("data-state", "out")
    expect(page.get_by_test_id("checkin-done")).to_be_visible()
    fits(page)
    screenshot(page, "volunteers-checked-out")

    entry = HoursEntry.objects.get(source="shift", volunteer=crew.resident)
    assert entry.state == HoursState.PENDING
    assert Decimal("1.98") <= entry.hours <= Decimal("2.02")
    signup = ShiftSignup.objects.get(shift=world.shift, volunteer=crew.resident)
    assert signup.checked_in_at is not None and signup.checked_out_at is not None

    page.goto("/volunteers/mine/")
    expect(page.get_by_test_id("approved-hours")).to_have_text("4.50")
    expect(page.get_by_test_id("pending-hours")).to_have_text(str(entry.hours))
    fits(page)
    screenshot(page, "volunteers-mine")

    # The leader approves; the QR code shows on the shift page while it runs.
    page.context.clear_cookies()
    sign_in(page, "vleader")
    page.goto(f"/volunteers/shifts/{world.shift.pk}/")
    expect(page.get_by_test_id("qr")).to_be_visible()
    fits(page)
    screenshot(page, "volunteers-shift-leader")
    page.goto("/volunteers/approvals/")
    expect(page.get_by_test_id(f"entry-{entry.pk}")).to_be_visible()
    fits(page)
    screenshot(page, "volunteers-approvals")
    page.get_by_test_id("approve-hours").click()
    expect(page.get_by_test_id("pending-count")).to_have_text("0")
    entry.refresh_from_db()
    assert entry.state == HoursState.APPROVED

    page.goto("/volunteers/honour-roll/?period=2025")
    expect(page.get_by_test_id("roll-row")).to_have_count(1)
    fits(page)
    assert not small_targets(page), small_targets(page)
    screenshot(page, "volunteers-honour-roll")

    page.goto(f"/volunteers/people/{crew.resident.pk}/record/")
    total = HoursEntry.objects.filter(volunteer=crew.resident, state=HoursState.APPROVED)
    expected = sum((e.hours for e in total), start=entry.hours * 0)
    expect(page.get_by_test_id("record-total")).to_have_text(str(expected))
    fits(page)
    screenshot(page, "volunteers-record")
    with page.expect_download() as download:
        page.get_by_test_id("record-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.goto("/volunteers/")
    fits(page)
    screenshot(page, "volunteers-teams")


def test_leader_sets_up_a_roster_and_a_member_signs_up(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    crew = world.crew
    sign_in(page, "vleader")
    page.goto(f"/volunteers/teams/{crew.patrol.pk}/")
    expect(page.get_by_test_id("team-name")).to_have_text("夜间巡逻队")
    page.locator("#new-roster summary").click()
    form = page.locator("#new-roster form")
    form.locator("input[name=title]").fill("北苑楼道巡查")
    form.locator("input[name=service]").fill("楼道消防通道巡查")
    form.locator("input[name=start_date]").fill(timezone.localdate().isoformat())
    for day in ("1", "2", "3", "4", "5", "6", "7"):
        form.locator(f"input[name=weekdays][value='{day}']").uncheck()
    form.locator("input[name=weekdays][value='6']").check()
    form.locator("input[name=start_time]").fill("09:00")
    form.locator("input[name=end_time]").fill("11:00")
    form.locator("input[name=capacity]").fill("1")
    fits(page)
    screenshot(page, "volunteers-new-roster")
    page.get_by_test_id("create-roster").click()
    expect(page.get_by_test_id("roster-title")).to_have_text("北苑楼道巡查")
    expect(page.get_by_test_id("shifts").locator("li")).to_have_count(2)
    fits(page)

    page.context.clear_cookies()
    sign_in(page, "party_member")
    roster = crew.roster.team.rosters.get(title="北苑楼道巡查")
    page.goto(f"/volunteers/rosters/{roster.pk}/")
    first = roster.shifts.order_by("starts_at").first()
    page.get_by_test_id(f"sign-up-{first.pk}").click()
    expect(page.get_by_test_id(f"shift-{first.pk}")).to_contain_text(crew.member.name)
    expect(page.get_by_test_id(f"shift-{first.pk}").locator(".tag-ok")).to_be_visible()
    fits(page)
    screenshot(page, "volunteers-signed-up")
