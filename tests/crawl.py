"""Shared by the page walks (``test_crawl.py``, ``test_form_junk.py``): the data that gives
every kind of detail page something to show, and a walk of the links a signed-in person is
offered, from home, GET only."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxian.activities import services as activities
from sanxian.activities.models import OrganiserKind
from sanxian.appeals.models import AppealCategory
from sanxian.appeals.services import file_appeal
from sanxian.issues.models import IssueSource
from sanxian.issues.services import create_issue
from sanxian.meetings import services as meetings
from sanxian.meetings.models import MeetingKind
from sanxian.volunteers import services as volunteers
from sanxian.volunteers.models import DutyShift
from tests.volunteers.conftest import build_crew
from tests.world import World

LINK = re.compile(r'<a [^>]*href="(/[^"#?]*(?:\?[^"#]*)?)"')
SKIP = ("/static/", "/media/", "/accounts/logout/", "/i18n/", "/admin/")
PERSONAS = ["admin", "secretary", "social_worker", "group_leader", "party_member", "resident"]
LIMIT = 80


def build_data(world: World) -> None:
    """An issue, an appeal, meetings, an activity and a volunteer crew with a shift, so
    their detail pages (and forms) exist."""
    create_issue(place=world.building_group, title="楼道堆物", source=IssueSource.STAFF, actor=None)
    category = AppealCategory.objects.order_by("id").first()
    assert category is not None
    file_appeal(
        category=category,
        text="楼道灯坏了",
        place=world.household,
        resident=world.resident,
        filed_by=world.users["resident"],
    )
    soon = timezone.now() + timedelta(hours=1)
    for kind in (MeetingKind.COLLECTION, MeetingKind.PARTY_DELIBERATION):
        meeting = meetings.create_meeting(place=world.north, kind=kind, starts_at=soon)
        meetings.invite(meeting=meeting)
        meetings.add_agenda_item(meeting=meeting, title="其他")
    starts = timezone.now() + timedelta(days=1)
    activity = activities.create_activity(
        place=world.north,
        title="年夜饭",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=10,
        organiser_kind=OrganiserKind.COMMITTEE,
        actor=world.users["secretary"],
    )
    activities.sign_up(activity=activity, residents=[world.resident], actor=world.users["resident"])
    crew = build_crew(world)
    volunteers.generate_shifts(rosters=[crew.roster])
    shifts = list(DutyShift.objects.filter(roster=crew.roster).order_by("starts_at"))
    assert shifts
    # Two shifts are enough: fourteen identical shift pages would eat the page budget.
    DutyShift.objects.filter(pk__in=[s.pk for s in shifts[2:]]).delete()
    volunteers.sign_up(shift=shifts[0], volunteer=crew.resident)


@dataclass
class Walk:
    pages: dict[str, str] = field(default_factory=dict)  # url → HTML of each page that opened
    broken: dict[str, int] = field(default_factory=dict)  # url → status other than 200/302
    seen: int = 0  # urls requested


def walk(client: Client, limit: int = LIMIT) -> Walk:
    """Follow the links offered from home, breadth first, at most ``limit`` urls; a redirect
    inside the site (e.g. /dashboards/ → the user's own top node) is followed, one to the
    sign-in page is a failure."""
    out = Walk()
    seen: set[str] = set()
    queue = deque([reverse("accounts:home")])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        seen.add(url)
        response = client.get(url)
        location = response.get("Location", "")
        if response.status_code == 302 and location.startswith("/") and "/login/" not in location:
            queue.append(location)
            continue
        if response.status_code != 200:
            out.broken[url] = response.status_code
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        out.pages[url] = html
        queue.extend(LINK.findall(html.replace("&amp;", "&")))
    out.seen = len(seen)
    return out
