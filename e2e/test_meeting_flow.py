"""On a phone: a secretary opens the 15th meeting, marks attendance, records a decision
that moves an issue to act, and finds the issue in act."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from sanxian.issues.models import Issue, IssueState
from sanxian.meetings.models import Invitation, MeetingKind
from sanxian.meetings.services import create_meeting, invite
from tests.issues.helpers import issue_in, satisfy_deliberate
from tests.world import build_world


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    w = build_world()
    w.meeting = create_meeting(  # type: ignore[attr-defined]
        place=w.north,
        kind=MeetingKind.PARTY_DELIBERATION,
        starts_at=timezone.now() - timedelta(minutes=10),
        title="北苑党内民主恳谈会",
    )
    invite(meeting=w.meeting)  # type: ignore[attr-defined]
    issue = issue_in(w, IssueState.DELIBERATE, title="楼道堆物清理")
    satisfy_deliberate(issue, w, meeting=w.meeting)  # type: ignore[attr-defined]
    w.issue = issue  # type: ignore[attr-defined]
    return w


def test_secretary_runs_the_15th_meeting(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "secretary")
    page.goto(f"/meetings/{world.meeting.pk}/")
    expect(page.get_by_test_id("meeting-title")).to_have_text("北苑党内民主恳谈会")
    expect(page.get_by_test_id("qr")).to_be_visible()
    first = Invitation.objects.filter(meeting=world.meeting).order_by("role", "name", "id")
    ids = [i.pk for i in first]
    for pk in ids[:2]:
        page.get_by_test_id(f"attended-{pk}").check()
    page.get_by_test_id("save-attendance").click()
    expect(page.get_by_test_id("quorum")).to_have_attribute("data-met", "1")
    screenshot(page, "meeting-attendance")

    page.locator("textarea[name=text]").fill("同意按方案先行，党员带头清理楼道")
    page.locator("select[name=issue]").select_option(str(world.issue.pk))
    page.locator("select[name=to]").select_option(IssueState.ACT)
    page.get_by_test_id("record-decision").click()
    expect(page.get_by_test_id("decisions")).to_contain_text("同意按方案先行")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"
    screenshot(page, "meeting-decision")

    page.goto(f"/issues/{world.issue.pk}/")
    expect(page.get_by_test_id("issue-state")).to_have_attribute("data-state", IssueState.ACT)
    screenshot(page, "meeting-issue-in-act")
    assert Issue.objects.get(pk=world.issue.pk).state == IssueState.ACT
    assert Invitation.objects.filter(meeting=world.meeting, attended=True).count() == 2
