"""Teams, rosters, sign-ups, swaps, check-in and check-out, and deciding hours."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from sanxian.places.errors import DomainError
from sanxian.volunteers import services
from sanxian.volunteers.models import (
    CheckMethod,
    DutyShift,
    HoursEntry,
    HoursSource,
    HoursState,
    ShiftSignup,
    SignupState,
    SwapState,
    TeamMembership,
)
from sanxian.volunteers.selectors import volunteer_for_user
from tests.volunteers.conftest import Crew, aware, shift_at
from tests.world import World

pytestmark = pytest.mark.django_db


def test_shifts_are_generated_once_and_cross_midnight(crew: Crew) -> None:
    today = timezone.localdate()
    # Tonight's shift is made only while it has not started yet.
    tonight = aware(today, 20) > crew.roster.created_at
    first_day = today if tonight else today + timedelta(days=1)
    shifts = list(DutyShift.objects.filter(roster=crew.roster).order_by("starts_at"))
    assert len(shifts) == services.SHIFT_DAYS_AHEAD + tonight
    first = shifts[0]
    assert timezone.localtime(first.starts_at).date() == first_day
    assert timezone.localtime(first.starts_at).time() == time(20, 0)
    assert timezone.localtime(first.ends_at).date() == first_day + timedelta(days=1)
    assert timezone.localtime(first.ends_at).time() == time(0, 30)
    assert services.generate_shifts() == 0  # idempotent
    assert services.generate_shifts(days=40) == 40 - services.SHIFT_DAYS_AHEAD
    assert DutyShift.objects.filter(roster=crew.roster).count() == 40 + tonight


def test_a_shift_that_has_started_is_not_made(crew: Crew, world: World) -> None:
    day = date(2030, 3, 4)
    with time_machine.travel(aware(day, 21), tick=False):
        roster = services.create_roster(
            team=crew.patrol,
            place=world.north,
            title="晚间值守",
            service="值守",
            start_date=day,
            start_time=time(20, 0),
            end_time=time(22, 0),
        )
        starts = sorted(s.starts_at for s in DutyShift.objects.filter(roster=roster))
        assert starts[0] == aware(day + timedelta(days=1), 20)
        # Editing the roster later that evening does not add one for tonight either.
        services.update_roster(roster=roster, start_time=time(19, 0))
        starts = sorted(s.starts_at for s in DutyShift.objects.filter(roster=roster))
        assert starts[0] == aware(day + timedelta(days=1), 19)
        assert len(starts) == services.SHIFT_DAYS_AHEAD


def test_weekly_roster_and_end_date(crew: Crew, world: World) -> None:
    monday = date(2030, 1, 7)
    roster = services.create_roster(
        team=crew.patrol,
        place=world.north,
        title="周五巡逻",
        service="巡逻",
        start_date=monday,
        end_date=monday + timedelta(days=20),
        weekdays="5",
        start_time=time(19, 0),
        end_time=time(21, 0),
        generate=False,
    )
    assert services.generate_shifts(rosters=[roster], today=monday, days=60) == 3
    days = [timezone.localtime(s.starts_at).date() for s in DutyShift.objects.filter(roster=roster)]
    assert days == [date(2030, 1, 11), date(2030, 1, 18), date(2030, 1, 25)]


def test_roster_rules(crew: Crew, world: World) -> None:
    with pytest.raises(DomainError):
        services.create_roster(
            team=crew.patrol,
            place=world.north,
            title="x",
            service="x",
            start_date=date(2030, 1, 1),
            end_date=date(2029, 1, 1),
            start_time=time(8),
            end_time=time(9),
        )
    with pytest.raises(DomainError):
        services.create_roster(
            team=crew.patrol,
            place=world.north,
            title="x",
            service="x",
            start_date=date(2030, 1, 1),
            weekdays="9",
            start_time=time(8),
            end_time=time(9),
        )


def test_update_roster_remakes_empty_upcoming_shifts(crew: Crew) -> None:
    shifts = list(DutyShift.objects.filter(roster=crew.roster).order_by("starts_at"))
    taken = shifts[2]
    services.sign_up(shift=taken, volunteer=crew.resident)
    services.update_roster(roster=crew.roster, start_time=time(19, 0), capacity=3)
    kept = DutyShift.objects.get(pk=taken.pk)
    assert timezone.localtime(kept.starts_at).time() == time(20, 0)
    assert kept.capacity == 3
    others = DutyShift.objects.filter(roster=crew.roster).exclude(pk=taken.pk)
    now = timezone.now()
    upcoming = {timezone.localtime(s.starts_at).time() for s in others if s.starts_at > now}
    assert upcoming == {time(19, 0)}
    # A shift already under way keeps its time; none is added beside it.
    started = [s for s in others if s.starts_at <= now]
    assert all(timezone.localtime(s.starts_at).time() == time(20, 0) for s in started)
    assert len({timezone.localtime(s.starts_at).date() for s in others}) == others.count()


def test_sign_up_rules(crew: Crew, world: World) -> None:
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    signup = services.sign_up(shift=shift, volunteer=crew.resident)
    assert signup.state == SignupState.SIGNED
    with pytest.raises(DomainError):
        services.sign_up(shift=shift, volunteer=crew.resident)  # twice
    # An overlapping shift of another roster.
    other = services.create_roster(
        team=crew.patrol,
        place=world.north,
        title="另一值守",
        service="值守",
        start_date=timezone.localdate(),
        start_time=time(23, 0),
        end_time=time(1, 0),
    )
    clash = DutyShift.objects.get(roster=other, starts_at=shift.starts_at + timedelta(hours=3))
    with pytest.raises(DomainError):
        services.sign_up(shift=clash, volunteer=crew.resident)
    services.sign_up(shift=clash, volunteer=crew.member)
    # Full: capacity 2.
    services.sign_up(shift=shift, volunteer=crew.leader)
    outsider = services.volunteer_for_resident(world.leader)
    services.join_team(team=crew.patrol, volunteer=outsider)
    with pytest.raises(DomainError):
        services.sign_up(shift=shift, volunteer=outsider)
    shift.refresh_from_db()
    assert shift.taken == 2
    # Not a member of the team.
    stranger = services.register_volunteer(name="路人", place=world.north)
    with pytest.raises(DomainError):
        services.sign_up(shift=DutyShift.objects.filter(roster=crew.roster)[3], volunteer=stranger)


def test_cancel_frees_the_seat_and_a_started_shift_is_refused(crew: Crew) -> None:
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    signup = services.sign_up(shift=shift, volunteer=crew.resident)
    services.cancel_signup(signup=signup)
    shift.refresh_from_db()
    assert shift.taken == 0
    with pytest.raises(DomainError):
        services.cancel_signup(signup=signup)
    again = services.sign_up(shift=shift, volunteer=crew.resident)
    assert again.pk != signup.pk
    running = shift_at(crew, timezone.now() - timedelta(hours=1))
    with pytest.raises(DomainError):
        services.sign_up(shift=running, volunteer=crew.resident)


def test_swap_approved_by_the_leader(crew: Crew) -> None:
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    signup = services.sign_up(shift=shift, volunteer=crew.resident)
    swap = services.request_swap(signup=signup, to_volunteer=crew.member, note="家里有事")
    with pytest.raises(DomainError):
        services.request_swap(signup=signup, to_volunteer=crew.member)
    services.decide_swap(swap=swap, approve=True, actor=crew.leader_user)
    signup.refresh_from_db()
    assert signup.state == SignupState.SWAPPED
    assert ShiftSignup.objects.get(shift=shift, state=SignupState.SIGNED).volunteer == crew.member
    shift.refresh_from_db()
    assert shift.taken == 1
    with pytest.raises(DomainError):
        services.decide_swap(swap=swap, approve=False, actor=crew.leader_user)


def test_swap_rejected_keeps_the_shift(crew: Crew) -> None:
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    signup = services.sign_up(shift=shift, volunteer=crew.resident)
    swap = services.request_swap(signup=signup, to_volunteer=crew.member)
    services.decide_swap(swap=swap, approve=False, actor=crew.leader_user)
    swap.refresh_from_db()
    assert swap.state == SwapState.REJECTED
    signup.refresh_from_db()
    assert signup.state == SignupState.SIGNED


def test_hours_across_midnight_pending_until_approved(crew: Crew) -> None:
    day = date(2026, 3, 10)
    shift = shift_at(crew, aware(day, 20), hours=4.5)  # 20:00 – 00:30
    signup = ShiftSignup.objects.create(shift=shift, volunteer=crew.resident)
    services.check_in(signup=signup, now=aware(day, 19, 50))
    entry = services.check_out(signup=signup, now=aware(day + timedelta(days=1), 0, 40))
    assert entry.hours == Decimal("4.83")  # 19:50 → 00:40
    assert entry.state == HoursState.PENDING
    assert entry.source == HoursSource.SHIFT and entry.source_ref == signup.pk
    assert entry.team == crew.patrol
    signup.refresh_from_db()
    assert signup.hours_entry == entry
    assert signup.check_method == CheckMethod.QR
    services.approve_hours(entry=entry, actor=crew.leader_user)
    entry.refresh_from_db()
    assert entry.state == HoursState.APPROVED
    assert entry.decided_by == crew.leader_user
    with pytest.raises(DomainError):
        services.reject_hours(entry=entry, actor=crew.leader_user)


def test_hours_are_clamped_to_the_shift_and_grace(crew: Crew) -> None:
    day = date(2026, 3, 11)
    shift = shift_at(crew, aware(day, 20), hours=4.5)
    signup = ShiftSignup.objects.create(shift=shift, volunteer=crew.resident)
    services.check_in(signup=signup, now=aware(day, 19, 31))
    entry = services.check_out(signup=signup, now=aware(day + timedelta(days=1), 6, 0))
    # 19:31 → clamped end 01:00 (00:30 + 30 minutes)
    assert entry.hours == Decimal("5.48")
    with pytest.raises(DomainError):
        services.check_out(signup=signup, now=aware(day + timedelta(days=1), 6, 5))
    assert HoursEntry.objects.filter(volunteer=crew.resident).count() == 1


def test_check_in_window(crew: Crew) -> None:
    day = date(2026, 3, 12)
    shift = shift_at(crew, aware(day, 20))
    signup = ShiftSignup.objects.create(shift=shift, volunteer=crew.resident)
    with pytest.raises(DomainError):
        services.check_in(signup=signup, now=aware(day, 19, 0))
    with pytest.raises(DomainError):
        services.check_out(signup=signup, now=aware(day, 21, 0))  # not checked in
    services.check_in(signup=signup, now=aware(day, 20, 5), method=CheckMethod.LEADER)
    with pytest.raises(DomainError):
        services.check_in(signup=signup, now=aware(day, 20, 6))


def test_leader_marks_the_whole_shift(crew: Crew) -> None:
    day = date(2026, 3, 13)
    shift = shift_at(crew, aware(day, 20))
    signup = ShiftSignup.objects.create(shift=shift, volunteer=crew.member)
    with pytest.raises(DomainError):
        services.mark_full_shift(signup=signup, now=aware(day, 22))
    entry = services.mark_full_shift(signup=signup, now=aware(day + timedelta(days=1), 9))
    assert entry.hours == Decimal("4.50")


def test_token_window(crew: Crew) -> None:
    day = date(2026, 3, 14)
    shift = shift_at(crew, aware(day, 20))
    token = services.checkin_token(shift)
    assert services.shift_for_token(token, now=aware(day, 19, 45)) == shift
    with pytest.raises(DomainError):
        services.shift_for_token(token, now=aware(day, 19, 0))
    with pytest.raises(DomainError):
        services.shift_for_token(token, now=aware(day + timedelta(days=1), 1, 30))
    with pytest.raises(DomainError):
        services.shift_for_token("x" + token, now=aware(day, 20))


def test_activity_hours_go_through_the_same_approval(crew: Crew) -> None:
    start = aware(date(2026, 2, 1), 9)
    entry = services.credit_hours(
        volunteer=crew.member,
        service="包粽子送老人",
        started_at=start,
        ended_at=start + timedelta(hours=3),
        path=crew.patrol.path,
        source=HoursSource.ACTIVITY,
        source_ref=42,
        team=crew.patrol,
    )
    assert services.decide_hours(entries=[entry], approve=True, actor=crew.leader_user) == 1
    assert services.decide_hours(entries=[entry], approve=False, actor=crew.leader_user) == 0
    entry.refresh_from_db()
    assert entry.state == HoursState.APPROVED


def test_join_and_leave(crew: Crew, world: World) -> None:
    with pytest.raises(DomainError):
        services.join_team(team=crew.patrol, volunteer=crew.resident)
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    services.sign_up(shift=shift, volunteer=crew.resident)
    assert services.leave_team(team=crew.patrol, volunteer=crew.resident) == 1
    shift.refresh_from_db()
    assert shift.taken == 0
    assert not TeamMembership.objects.filter(
        team=crew.patrol, volunteer=crew.resident, left_on__isnull=True
    ).exists()
    with pytest.raises(DomainError):
        services.leave_team(team=crew.patrol, volunteer=crew.resident)
    services.join_team(team=crew.patrol, volunteer=crew.resident)  # rejoins: a new row


def test_volunteer_for_user(crew: Crew, world: World) -> None:
    assert volunteer_for_user(crew.leader_user) == crew.leader
    assert volunteer_for_user(world.users["resident"]) == crew.resident
    assert volunteer_for_user(world.users["secretary"]) is None


def test_generation_task_and_command(crew: Crew) -> None:
    from io import StringIO

    from django.core.management import call_command

    from sanxian.volunteers.tasks import generate_duty_shifts

    DutyShift.objects.filter(roster=crew.roster, taken=0).order_by("-starts_at")[:1].get().delete()
    assert generate_duty_shifts.call() == {"created": 1}
    out = StringIO()
    call_command("generate_shifts", days=30, stdout=out)
    assert out.getvalue().startswith("2 ")
