"""Every main page, as each role sees it, on a phone inside WeChat and on an office PC.

Each page is screenshotted (``walk-<role>-<viewport>-<page>``) and its layout checked in
the DOM (see e2e/layout.py): no sideways scrolling, nothing past the right edge, no text
cut off, no overlapping controls and, on the phone, touch targets of at least 24×24 px.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from e2e.layout import layout_problems
from sanxian.activities import services as activities
from sanxian.activities.models import OrganiserKind
from sanxian.appeals.models import AppealCategory
from sanxian.appeals.services import acknowledge_appeal, file_appeal, seed_default_categories
from sanxian.dashboards.services import refresh_all
from sanxian.issues.models import IssueState
from sanxian.meetings.models import MeetingKind
from sanxian.meetings.services import create_meeting, invite, refresh_agenda
from sanxian.volunteers.models import DutyShift
from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays
from tests.issues.helpers import issue_in
from tests.volunteers.conftest import build_crew
from tests.world import build_world


@pytest.fixture
def world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    """The test sub-district with something on every page: an acknowledged appeal, issues in
    think and deliberate, a meeting with its agenda, an activity, a volunteer roster and the
    dashboard's figures."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SANXIAN_PRIVATE_ROOT = tmp_path / "private"
    clear_cache()
    year = timezone.localdate().year
    seed_holidays([year, year + 1])
    seed_default_categories()
    w = build_world()
    users = w.users
    category = AppealCategory.objects.filter(active=True).order_by("id").first()
    assert category is not None
    w.appeal = file_appeal(  # type: ignore[attr-defined]
        category=category,
        text="3楼楼道堆满了旧家具和纸箱，老人上下楼很不方便，请尽快来看看。",
        place=w.building_group,
        resident=w.resident,
        filed_by=users["resident"],
        contact_phone="13812345678",
    )
    acknowledge_appeal(appeal=w.appeal, actor=users["secretary"], note="已电话联系，明天上门查看")  # type: ignore[attr-defined]
    w.think = issue_in(w, IssueState.THINK, title="1号楼楼道堆物和私装铁门")  # type: ignore[attr-defined]
    w.deliberate = issue_in(w, IssueState.DELIBERATE, title="北苑东门电动车充电棚")  # type: ignore[attr-defined]
    w.meeting = create_meeting(  # type: ignore[attr-defined]
        place=w.north,
        kind=MeetingKind.PARTY_DELIBERATION,
        starts_at=timezone.now() + timedelta(days=3),
        title="北苑党内民主恳谈会",
        venue="北苑居委会二楼会议室",
    )
    invite(meeting=w.meeting)  # type: ignore[attr-defined]
    refresh_agenda(meeting=w.meeting)  # type: ignore[attr-defined]
    starts = timezone.now() + timedelta(days=20)
    w.activity = activities.create_activity(  # type: ignore[attr-defined]
        place=w.north,
        title="北苑年夜饭",
        description="楼里的老人和邻居们一起吃年夜饭。",
        audience="独居、高龄老人优先",
        starts_at=starts.replace(hour=9, minute=30),
        ends_at=starts.replace(hour=12, minute=0),
        capacity=10,
        organiser_kind=OrganiserKind.BRANCH,
        organiser_branch=w.branch,
    )
    w.crew = build_crew(w)  # type: ignore[attr-defined]
    refresh_all()
    return w


@dataclass(frozen=True)
class Stop:
    name: str
    url: str
    testid: str = ""  # an element that must be visible once the page has loaded


def stops(role: str, w) -> list[Stop]:  # type: ignore[no-untyped-def]
    month = timezone.localdate().strftime("%Y-%m")
    shift = DutyShift.objects.filter(roster=w.crew.roster).order_by("starts_at").first()
    staff_end = [
        Stop("dashboard", "/dashboards/"),
        Stop("report", f"/dashboards/{w.north.pk}/report/{month}/"),
        Stop("rosters", "/rosters/", "upload-form"),
        Stop("volunteer-roster", f"/volunteers/rosters/{w.crew.roster.pk}/", "roster-title"),
    ]
    return {
        "resident": [
            Stop("home", "/"),
            Stop("appeal-new", "/appeals/new/", "appeal-form"),
            Stop("appeals-mine", "/appeals/mine/", f"appeal-{w.appeal.pk}"),
            Stop("appeal", f"/appeals/{w.appeal.pk}/", "timeline"),
            Stop("activities", "/activities/", f"activity-{w.activity.pk}"),
            Stop("activity", f"/activities/{w.activity.pk}/", "activity-title"),
            Stop("volunteers", "/volunteers/"),
            Stop("volunteer-shift", f"/volunteers/shifts/{shift.pk}/"),
            Stop("inbox", "/inbox/"),
        ],
        "party_member": [
            Stop("home", "/"),
            Stop("issues", "/issues/"),
            Stop("issue-think", f"/issues/{w.think.pk}/", "issue-state"),
            Stop("issue-deliberate", f"/issues/{w.deliberate.pk}/", "issue-state"),
            Stop("meetings", "/meetings/"),
            Stop("meeting", f"/meetings/{w.meeting.pk}/", "meeting-title"),
        ],
        "group_leader": [
            Stop("home", "/"),
            Stop("grid", f"/grids/{w.grid.pk}/"),
            Stop("resident", f"/residents/{w.member_resident.pk}/"),
            Stop("household", f"/places/{w.household.pk}/", "household-members"),
        ],
        "secretary": [
            Stop("home", "/"),
            Stop("issues", "/issues/"),
            Stop("issue", f"/issues/{w.think.pk}/", "issue-state"),
            Stop("issue-new", "/issues/new/", "form-new-issue"),
            Stop("meetings", "/meetings/"),
            Stop("meeting", f"/meetings/{w.meeting.pk}/", "meeting-title"),
            Stop("appeals", "/appeals/", f"appeal-{w.appeal.pk}"),
            Stop("appeal", f"/appeals/{w.appeal.pk}/", "actions"),
            Stop("territory", f"/places/{w.north.pk}/", "children"),
            Stop("structure", f"/structure/{w.north.pk}/"),
            Stop("dashboard", f"/dashboards/{w.north.pk}/"),
        ],
        "social_worker": staff_end,
        "admin": staff_end,
        "auditor": [Stop("audit", "/audit/")],
    }[role]


ROLES = [
    "resident",
    "party_member",
    "group_leader",
    "secretary",
    "social_worker",
    "admin",
    "auditor",
]


def walk(page, role: str, viewport: str, world) -> list[str]:  # type: ignore[no-untyped-def]
    """Sign in as ``role``, visit each of the role's pages, screenshot it and return the
    layout problems found on all of them."""
    problems: list[str] = []
    sign_in(page, role)
    for stop in stops(role, world):
        response = page.goto(stop.url)
        assert response is not None and response.status == 200, (
            f"{role} {stop.url}: {response.status if response else 'no response'}"
        )
        if stop.testid:
            expect(page.get_by_test_id(stop.testid).first).to_be_visible()
        # The inbox badge in the top bar loads after the page: wait for it to settle.
        expect(page.locator("[data-testid=inbox-link] [hx-get]")).to_have_count(0)
        screenshot(page, f"walk-{role}-{viewport}-{stop.name}")
        found = layout_problems(page, touch=viewport == "phone")
        problems += [f"{viewport} {stop.name} ({stop.url}): {p}" for p in found]
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_walk_through(wechat, desktop, world, role: str) -> None:  # type: ignore[no-untyped-def]
    assert "MicroMessenger" in wechat.evaluate("navigator.userAgent")
    problems = walk(wechat, role, "phone", world) + walk(desktop, role, "desktop", world)
    assert not problems, f"layout problems seen as {role}:\n  - " + "\n  - ".join(problems)


PROBLEMS = """
<meta name="viewport" content="width=device-width, initial-scale=1">
<main style="padding:0">
  <div id="wide" style="width:500px">wide</div>
  <div class="table-scroll"><table style="width:900px"><tr><td>scrolls</td></tr></table></div>
  <p id="cut" style="width:80px;overflow:hidden;white-space:nowrap">一段很长很长很长很长的文字</p>
  <p id="dots" style="width:80px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">
    一段很长很长很长很长的文字</p>
  <button id="one" style="position:absolute;top:300px;left:10px;width:80px;height:40px">一</button>
  <button id="two" style="position:absolute;top:310px;left:40px;width:80px;height:40px">二</button>
  <a id="tiny" href="#" class="tiny">x</a><a id="tiny2" href="#" class="tiny">y</a>
  <style>.tiny { display: inline-block; width: 16px; height: 16px; }</style>
  <p>请 <a id="inline" href="#">点这里</a> 查看。</p>
  <span class="sr-only" style="position:absolute;width:1px;height:1px;overflow:hidden;
    clip:rect(0 0 0 0);white-space:nowrap">只给读屏软件的很长很长的文字</span>
</main>
"""


def test_the_layout_checks_find_each_kind_of_problem(wechat) -> None:  # type: ignore[no-untyped-def]
    """The checks themselves: a page with one of each problem, and things that are fine."""
    wechat.set_content(PROBLEMS)
    found = "\n".join(layout_problems(wechat, touch=True))
    assert "page scrolls sideways" in found
    assert "past the right edge: div#wide" in found
    assert "table" not in found  # inside a sideways scrolling container
    assert "text cut off" in found and "p#cut" in found and "p#dots" in found
    assert "controls overlap" in found and "button#one" in found and "button#two" in found
    assert "touch target 16×16 < 24×24: a#tiny" in found
    assert "a#inline" not in found  # a link inside a sentence
    assert "读屏" not in found  # visually hidden text is not "cut"
    assert layout_problems(wechat, touch=False) == [
        p for p in found.split("\n") if not p.startswith("touch target")
    ]
