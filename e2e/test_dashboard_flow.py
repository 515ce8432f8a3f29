"""The sub-district administrator opens the dashboard: its charts draw with data, the
tables beside them hold the same numbers, and the drill-down goes from the sub-district
to a neighborhood, its block and one grid."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import ARTIFACTS, new_page, screenshot, sign_in
from sanxian.activities.models import SignupState
from sanxian.appeals.models import AppealState, Rating
from sanxian.dashboards.services import refresh_all
from sanxian.issues.models import ActionRecord, IssueState
from sanxian.meetings.models import InviteeGroup, MeetingKind
from tests.dashboards.helpers import (
    add_activity,
    add_appeal,
    add_hours,
    add_issue,
    add_meeting,
    get_category,
    get_volunteer,
)
from tests.world import build_world

DESKTOP = {"width": 1100, "height": 900}


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    w = build_world()
    now = timezone.now()
    category = get_category()
    for days, state, rating in (
        (40, AppealState.RESOLVED, Rating.SATISFIED),
        (25, AppealState.RESOLVED, Rating.UNSATISFIED),
        (12, AppealState.IN_PROGRESS, ""),
        (3, AppealState.REJECTED, Rating.BASICALLY_SATISFIED),
    ):
        add_appeal(
            w.building_group,
            category,
            created=now - timedelta(days=days),
            response_hours=24,
            resolution_hours=24 * 7,
            contacted_after=5,
            state=state,
            closed_after=48,
            rating=rating,
            rated_after=2,
        )
    issue = add_issue(
        w.building,
        [
            (IssueState.COLLECTED.value, now - timedelta(days=50)),
            (IssueState.THINK.value, now - timedelta(days=45)),
            (IssueState.DELIBERATE.value, now - timedelta(days=30)),
            (IssueState.ACT.value, now - timedelta(days=20)),
        ],
    )
    ActionRecord.objects.create(
        issue=issue,
        name="王建国",
        is_party_member=True,
        acted_at=now - timedelta(days=18),
        what="党员先清理",
    )
    add_issue(w.building_group, [(IssueState.COLLECTED.value, now - timedelta(days=2))])
    for days, kind in ((35, MeetingKind.COLLECTION), (25, MeetingKind.PARTY_DELIBERATION)):
        add_meeting(
            w.north,
            kind,
            now - timedelta(days=days),
            scheduled=True,
            held=True,
            minutes=True,
            invitees=[(InviteeGroup.GRID_TEAMS, True), (InviteeGroup.PARTY_MEMBERS, False)],
        )
    helper = get_volunteer(w.north, "王师傅")
    for days, hours in ((50, "3"), (28, "4.5"), (6, "2.5")):
        add_hours(helper, w.building_group, started=now - timedelta(days=days), hours=hours)
    add_activity(
        w.building,
        starts=now - timedelta(days=15),
        capacity=10,
        signups=[(SignupState.CONFIRMED, True), (SignupState.CONFIRMED, False)],
        helpers=[(helper, "2")],
        title="包粽子送老人",
    )
    refresh_all()
    return w


def test_dashboard_draws_charts_and_drills_down_to_a_grid(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    page = new_page(browser, live_server.url)
    try:
        sign_in(page, "admin")
        page.goto("/dashboards/?period=last_3")
        page.goto("/dashboards/" + str(world.subdistrict.pk) + "/?period=last_3")
        expect(page.get_by_test_id("dashboard-title")).to_contain_text("测试街道")
        for key in (
            "states",
            "rates",
            "index",
            "trend-yi",
            "trend-xing",
            "trend-lin",
            "trend-qin",
            "volunteers",
            "activities",
            "meetings",
            "attendance",
            "stages",
        ):
            chart = page.get_by_test_id(f"chart-{key}")
            expect(chart).to_have_attribute("data-drawn", "1")
            expect(chart.locator("canvas")).to_have_count(1)
        # The four parts of the index have values; the new sections their numbers.
        for part in ("yi", "xing", "lin", "qin"):
            expect(page.get_by_test_id(part)).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
        expect(page.get_by_test_id("index-total")).to_have_text(re.compile(r"^\d+(\.\d)?$"))
        expect(page.get_by_test_id("volunteer-hours")).to_have_text("10")
        expect(page.get_by_test_id("volunteers-serving")).to_have_text("1")
        expect(page.get_by_test_id("activity-checkins")).to_have_text("1")
        expect(page.get_by_test_id("activity-attendance")).to_have_text("50%")
        expect(page.get_by_test_id("table-trend-lin")).to_contain_text("%")
        # The tables beside the charts hold the numbers the charts draw.
        expect(page.get_by_test_id("table-states")).to_contain_text("1")
        expect(page.get_by_test_id("rate-satisfaction")).to_have_text("66.7%")
        # A chart actually painted something: not a blank canvas.
        painted = page.evaluate(
            """() => {
                const c = document.querySelector('[data-chart="rates"] canvas');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let ink = 0;
                for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0) ink++; }
                return ink;
            }"""
        )
        assert painted > 1000
        painted_lin = page.evaluate(
            """() => {
                const c = document.querySelector('[data-chart="trend-lin"] canvas');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let ink = 0;
                for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0) ink++; }
                return ink;
            }"""
        )
        assert painted_lin > 1000
        page.get_by_test_id("formula-yi").locator("summary").click()
        expect(page.get_by_test_id("formula-yi")).to_have_attribute("open", "")
        page.get_by_test_id("formula-lin").locator("summary").click()
        expect(page.get_by_test_id("formula-lin")).to_have_attribute("open", "")
        page.get_by_test_id("section-index").screenshot(path=str(ARTIFACTS / "dashboard-index.png"))
        screenshot(page, "dashboard-subdistrict")

        page.get_by_test_id("children").get_by_role("link", name="北苑").click()
        expect(page.get_by_test_id("dashboard-title")).to_contain_text("北苑")
        assert "period=last_3" in page.url
        expect(page.get_by_test_id("schedule-rate")).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
        expect(page.get_by_test_id("minutes-rate")).to_have_text("100%")
        page.get_by_test_id("children").get_by_role("link", name="第一块区").click()
        expect(page.get_by_test_id("dashboard-title")).to_contain_text("第一块区")
        expect(page.get_by_test_id("cycle-note")).to_be_visible()
        page.get_by_test_id("children").get_by_role("link").first.click()
        expect(page).to_have_url(
            f"{live_server.url}/dashboards/grid/{world.grid.pk}/?period=last_3"
        )
        expect(page.get_by_test_id("chart-states")).to_have_attribute("data-drawn", "1")
        expect(page.get_by_test_id("rate-satisfaction")).to_have_text("66.7%")
        breadcrumbs = page.locator("nav.breadcrumbs")
        expect(breadcrumbs).to_contain_text("测试街道")
        expect(breadcrumbs).to_contain_text("第一块区")
        screenshot(page, "dashboard-grid")
    finally:
        page.context.close()


def test_dashboard_on_a_phone_and_the_report(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "secretary")
    page.goto("/dashboards/")
    expect(page.get_by_test_id("dashboard-title")).to_contain_text("北苑")
    expect(page.get_by_test_id("chart-index")).to_have_attribute("data-drawn", "1")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide"
    screenshot(page, "dashboard-phone")
    page.get_by_test_id("report-link").click()
    expect(page.get_by_test_id("report-title")).to_contain_text("北苑")
    expect(page.get_by_test_id("report-title")).to_contain_text("月")
    screenshot(page, "dashboard-report")
