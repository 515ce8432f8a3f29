from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanxian.activities import services
from sanxian.activities.models import Activity, OrganiserKind
from sanxian.places.models import Gender, Relation, Resident
from sanxian.places.services import create_resident
from sanxian.volunteers.models import TeamMembership, VolunteerTeam
from sanxian.volunteers.services import volunteer_for_resident
from tests.world import World


@pytest.fixture
def make_activity(world: World) -> Callable[..., Activity]:
    """``make_activity(capacity=2, hours=24)``: a committee activity of 北苑 starting in
    ``hours`` hours (negative: it has started)."""

    def _make(**kwargs: Any) -> Activity:
        hours = kwargs.pop("hours", 24)
        starts = timezone.now() + timedelta(hours=hours)
        defaults: dict[str, Any] = {
            "place": world.north,
            "title": f"年夜饭 {Activity.objects.count() + 1}",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=3),
            "capacity": 10,
            "organiser_kind": OrganiserKind.COMMITTEE,
            "actor": world.users["secretary"],
        }
        defaults.update(kwargs)
        if defaults["starts_at"] < timezone.now() and "signup_closes_at" not in kwargs:
            defaults["signup_closes_at"] = defaults["ends_at"]
        return services.create_activity(**defaults)

    return _make


@pytest.fixture
def team(world: World) -> VolunteerTeam:
    """A volunteer team of 北苑 led by the group leader (through their volunteer record)."""
    team = VolunteerTeam.objects.create(
        place=world.north,
        path=world.north.path,
        name="北苑志愿者服务队",
        created_on=timezone.localdate(),
    )
    leader = volunteer_for_resident(world.leader)
    TeamMembership.objects.create(
        team=team, volunteer=leader, is_leader=True, joined_on=timezone.localdate()
    )
    return team


def household_of(world: World) -> list[Resident]:
    return list(Resident.objects.filter(household=world.household).order_by("id"))


def more_residents(world: World, n: int) -> list[Resident]:
    return [
        create_resident(
            household=world.household,
            name=f"测试{i}",
            gender=Gender.MALE,
            relation=Relation.FAMILY,
        )
        for i in range(n)
    ]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
