"""No double booking under concurrent sign-ups (real threads, each with its own database
connection; the SQLite test database is a file in WAL mode)."""

from __future__ import annotations

import pytest

from sanxian.volunteers import services
from sanxian.volunteers.models import DutyShift, ShiftSignup, SignupState
from tests.concurrency import race
from tests.volunteers.conftest import build_crew
from tests.world import build_world


@pytest.mark.django_db(transaction=True)
def test_the_last_seat_is_sold_once() -> None:
    world = build_world()
    crew = build_crew(world)
    services.update_roster(roster=crew.roster, capacity=1)
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    fourth = services.volunteer_for_resident(world.leader)
    services.join_team(team=crew.patrol, volunteer=fourth)
    volunteers = [crew.resident, crew.member, crew.leader, fourth]
    # Each thread holds the page it loaded: the shift with one free seat.
    copies = [DutyShift.objects.select_related("roster").get(pk=shift.pk) for _ in volunteers]

    def click(i: int) -> None:
        services.sign_up(shift=copies[i], volunteer=volunteers[i])

    outcomes = race(click, n=len(volunteers))
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"], outcomes
    shift.refresh_from_db()
    assert shift.taken == 1
    assert ShiftSignup.objects.filter(shift=shift, state=SignupState.SIGNED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_volunteer_clicking_twice_gets_one_seat() -> None:
    world = build_world()
    crew = build_crew(world)
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    copies = [DutyShift.objects.select_related("roster").get(pk=shift.pk) for _ in range(3)]

    def click(i: int) -> None:
        services.sign_up(shift=copies[i], volunteer=crew.resident)

    outcomes = race(click, n=3)
    assert sorted(outcomes) == ["ok", "refused", "refused"], outcomes
    shift.refresh_from_db()
    assert shift.taken == 1
    assert ShiftSignup.objects.filter(shift=shift, volunteer=crew.resident).count() == 1


@pytest.mark.django_db(transaction=True)
def test_overlapping_shifts_clicked_together_give_one() -> None:
    """Two different shifts at the same time, clicked by one volunteer at once."""
    world = build_world()
    crew = build_crew(world)
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    twin = DutyShift.objects.create(
        roster=services.create_roster(
            team=crew.patrol,
            place=world.north,
            title="同时段值守",
            service="值守",
            start_date=shift.starts_at.date(),
            start_time=shift.roster.start_time,
            end_time=shift.roster.end_time,
            generate=False,
        ),
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        capacity=2,
    )
    shifts = [DutyShift.objects.select_related("roster").get(pk=pk) for pk in (shift.pk, twin.pk)]

    def click(i: int) -> None:
        services.sign_up(shift=shifts[i], volunteer=crew.resident)

    outcomes = race(click, n=2)
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    assert (
        ShiftSignup.objects.filter(volunteer=crew.resident, state=SignupState.SIGNED).count() == 1
    )
