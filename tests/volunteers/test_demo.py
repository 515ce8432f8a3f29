"""The demo's volunteers: 江南匠心舫 and its 13 teams, 老王's four years at the metro site,
the night patrol, a filled honour roll, idempotence and deletion."""

from __future__ import annotations

import io
import time
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sanxian.demo.volunteers import (
    JIANGNAN,
    METRO_END,
    METRO_ROSTER,
    METRO_START,
    TOP_TEAM,
    delete_volunteers,
    load_volunteers,
)
from sanxian.demo.xietu import DEMO_PASSWORD, load_demo
from sanxian.places.models import Place
from sanxian.places.paths import subtree_q
from sanxian.volunteers.models import (
    DutyShift,
    HoursEntry,
    HoursSource,
    HoursState,
    Roster,
    ShiftSignup,
    TeamMembership,
    Volunteer,
    VolunteerTeam,
)


@pytest.mark.django_db
def test_demo_volunteers(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo()
    started = time.monotonic()
    counts = load_volunteers()
    elapsed = time.monotonic() - started
    assert counts["volunteer teams"] == 14
    assert load_volunteers() == counts  # idempotent
    print(f"load_volunteers: {elapsed:.1f} s, {counts}")

    top = VolunteerTeam.objects.get(name=TOP_TEAM)
    assert top.place.name == JIANGNAN
    assert top.children.count() == 13
    leader = TeamMembership.objects.get(team=top, is_leader=True)
    assert leader.volunteer.user is not None
    assert leader.volunteer.user.username == "volunteer_leader"

    # 老王 at the metro line 12 site, every day of the works.
    roster = Roster.objects.get(title=METRO_ROSTER)
    days = (METRO_END - METRO_START).days + 1
    assert DutyShift.objects.filter(roster=roster).count() == days
    by_person = (
        ShiftSignup.objects.filter(shift__roster=roster)
        .values("volunteer__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    wang = by_person[0]
    assert wang["volunteer__name"].startswith("王")
    assert wang["n"] > 0.9 * days
    assert len(by_person) > 2  # others covering
    assert all(s.taken >= 1 for s in DutyShift.objects.filter(roster=roster))

    # The night patrol: upcoming shifts crossing midnight, pending hours waiting.
    now = timezone.now()
    upcoming = DutyShift.objects.filter(roster__title="江南新村夜间巡逻", starts_at__gt=now)
    assert upcoming.count() >= 6
    shift = upcoming.first()
    assert shift is not None
    assert timezone.localtime(shift.ends_at).date() > timezone.localtime(shift.starts_at).date()
    assert HoursEntry.objects.filter(state=HoursState.PENDING).exists()

    # Signed in: the teams, the roster, the honour roll, the approvals, the service record.
    client = Client()
    assert client.login(username="volunteer_leader", password=DEMO_PASSWORD)
    teams = client.get(reverse("volunteers:teams")).text
    assert teams.count('data-testid="team-') >= 13
    page = client.get(reverse("volunteers:roster", args=[roster.pk]))
    assert page.context["page"].ended
    assert page.context["page"].total_shifts == days
    top_server = page.context["page"].served[0]
    assert top_server.name == wang["volunteer__name"] and top_server.shifts == wang["n"]
    assert top_server.hours > 3000
    assert len(page.context["page"].shifts) == 14
    team_page = client.get(reverse("volunteers:team", args=[roster.team_id])).text
    assert METRO_ROSTER in team_page
    roll = client.get(reverse("volunteers:honour_roll"))
    assert len(roll.context["roll"].rows) >= 20
    roll = client.get(reverse("volunteers:honour_roll") + "?period=2015")
    assert roll.context["roll"].rows[0].name == wang["volunteer__name"]
    approvals = client.get(reverse("volunteers:approvals"))
    assert approvals.context["page"].entries
    lao_wang = Volunteer.objects.get(name=wang["volunteer__name"], memberships__team__parent=top)
    response = client.get(reverse("volunteers:record_xlsx", args=[lao_wang.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    expected = HoursEntry.objects.filter(volunteer=lao_wang, state=HoursState.APPROVED).aggregate(
        t=Sum("hours")
    )["t"]
    assert Decimal(str(rows[-1][6])).quantize(Decimal("0.01")) == expected
    assert expected > 3000

    # The demo party member patrols at night and can take an open seat.
    member = Client()
    assert member.login(username="party_member", password=DEMO_PASSWORD)
    open_shift = next(s for s in upcoming.order_by("starts_at") if s.free)
    member.post(reverse("volunteers:sign_up", args=[open_shift.pk]))
    assert ShiftSignup.objects.filter(
        shift=open_shift, volunteer__resident__user__username="party_member"
    ).exists()

    hood = Place.objects.get(name=JIANGNAN)
    delete_volunteers(hood.path)
    # Everything under 江南 is gone (the activities' helpers at 嘉乐公寓 are not).
    assert not VolunteerTeam.objects.filter(subtree_q(hood.path)).exists()
    assert not Volunteer.objects.filter(subtree_q(hood.path)).exists()
    assert not HoursEntry.objects.filter(subtree_q(hood.path)).exists()
    assert load_volunteers()["volunteer teams"] == 14


@pytest.mark.django_db
def test_a_patrol_under_way_while_the_demo_loads_is_there(settings) -> None:  # type: ignore[no-untyped-def]
    """Loaded on a Friday at 21:30, tonight's patrol (20:00–00:30) has begun: it is in the
    demo with two volunteers checked in and not yet out, and no hours yet."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    friday = datetime(2026, 11, 27, 21, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(friday, tick=False):
        load_demo()
        load_volunteers()
        now = timezone.now()
        running = DutyShift.objects.get(
            roster__title="江南新村夜间巡逻", starts_at__lte=now, ends_at__gt=now
        )
        assert timezone.localtime(running.starts_at).hour == 20
        on_duty = ShiftSignup.objects.filter(shift=running)
        assert running.taken == on_duty.count() == 2
        assert all(s.checked_in_at is not None and s.checked_out_at is None for s in on_duty)
        assert not HoursEntry.objects.filter(
            source=HoursSource.SHIFT, source_ref__in=[s.pk for s in on_duty]
        ).exists()
        load_volunteers()  # idempotent
        assert (
            DutyShift.objects.filter(roster=running.roster, starts_at=running.starts_at).count()
            == 1
        )
