"""A volunteer world on top of the test sub-district: 北苑匠心舫 with a patrol team, a team
leader who signs in (``vleader``, not a resident), the resident and the party member as
patrol members, and a nightly patrol roster crossing midnight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from sanxian.accounts.models import Role, User
from sanxian.accounts.services import assign_role, create_user
from sanxian.volunteers import services
from sanxian.volunteers.models import DutyShift, Roster, Volunteer, VolunteerTeam
from tests.world import PASSWORD, START, World


@dataclass
class Crew:
    top: VolunteerTeam
    patrol: VolunteerTeam
    leader_user: User
    leader: Volunteer
    resident: Volunteer  # the "resident" persona
    member: Volunteer  # the "party_member" persona
    roster: Roster


def aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def build_crew(world: World) -> Crew:
    top = services.create_team(
        place=world.north, name="北苑匠心舫", created_on=date(2012, 5, 1), description="总队"
    )
    patrol = services.create_team(
        place=world.north, name="夜间巡逻队", parent=top, created_on=date(2013, 1, 1)
    )
    leader_user = create_user(username="vleader", password=PASSWORD, display_name="施永康")
    assign_role(
        user=leader_user, role=Role.VOLUNTEER_TEAM_LEADER, starts_on=START, place=world.north
    )
    world.users["vleader"] = leader_user
    leader = services.register_volunteer(
        name="施永康", place=world.north, user=leader_user, on=date(2012, 5, 1)
    )
    services.join_team(team=top, volunteer=leader, leader=True, on=date(2012, 5, 1))
    resident = services.volunteer_for_resident(world.resident, on=date(2020, 1, 1))
    member = services.volunteer_for_resident(world.member_resident, on=date(2020, 1, 1))
    services.join_team(team=patrol, volunteer=resident, on=date(2020, 1, 1))
    services.join_team(team=patrol, volunteer=member, on=date(2020, 1, 1))
    roster = services.create_roster(
        team=patrol,
        place=world.north,
        title="北苑夜间巡逻",
        service="夜间安全巡逻",
        start_date=timezone.localdate(),
        start_time=time(20, 0),
        end_time=time(0, 30),
        capacity=2,
        location="北苑大门",
    )
    return Crew(top, patrol, leader_user, leader, resident, member, roster)


@pytest.fixture
def crew(world: World) -> Crew:
    return build_crew(world)


def shift_at(crew: Crew, starts_at: datetime, hours: float = 4.5, capacity: int = 2) -> DutyShift:
    """A shift of the patrol roster at a given moment (for past or running shifts)."""
    return DutyShift.objects.create(
        roster=crew.roster,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        capacity=capacity,
    )
