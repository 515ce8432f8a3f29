"""Residents racing for the last seat from their phones at the same moment (real threads,
each with its own database connection)."""

from __future__ import annotations

import pytest

from sanxian.accounts.models import User
from sanxian.accounts.services import create_user
from sanxian.activities import services
from sanxian.activities.models import Activity, ActivitySignup, SignupState
from sanxian.places.models import Resident
from sanxian.places.paths import subtree_q
from tests.concurrency import race
from tests.world import World, grow


def residents_with_accounts(world: World, n: int) -> list[User]:
    """``n`` residents of 北苑 from different households, each with an account."""
    grow(world)
    taken = set(User.objects.exclude(resident=None).values_list("resident_id", flat=True))
    users, households = [], {world.household.pk}
    for r in Resident.objects.filter(subtree_q(world.north.path)).order_by("id"):
        if r.pk in taken or r.household_id in households:
            continue
        households.add(r.household_id)
        users.append(create_user(username=f"racer{len(users)}", password="x-pass-1234", resident=r))
        if len(users) == n:
            break
    assert len(users) == n
    return users


N = 6


@pytest.mark.django_db(transaction=True)
def test_the_last_seat_goes_once(world: World, make_activity) -> None:  # type: ignore[no-untyped-def]
    activity = make_activity(capacity=3)
    services.sign_up(
        activity=activity,
        residents=list(Resident.objects.filter(household=world.household).order_by("id"))[:2],
        actor=world.users["resident"],
    )
    racers = residents_with_accounts(world, N)

    def sign_up(i: int) -> None:
        copy = Activity.objects.get(pk=activity.pk)  # each phone loaded the page before
        services.sign_up(activity=copy, residents=[racers[i].resident], actor=racers[i])

    outcomes = race(sign_up, N)
    assert outcomes == ["ok"] * N, outcomes
    racer_ids = [u.resident_id for u in racers]
    rows = ActivitySignup.objects.filter(activity=activity, resident_id__in=racer_ids)
    assert rows.filter(state=SignupState.CONFIRMED).count() == 1
    assert rows.filter(state=SignupState.WAITING).count() == N - 1
    activity.refresh_from_db()
    confirmed = ActivitySignup.objects.filter(activity=activity, state=SignupState.CONFIRMED)
    assert activity.taken == confirmed.count() == activity.capacity == 3


@pytest.mark.django_db(transaction=True)
def test_two_cancellations_promote_two_different_people(world: World, make_activity) -> None:  # type: ignore[no-untyped-def]
    activity = make_activity(capacity=2)
    racers = residents_with_accounts(world, 5)
    for u in racers:
        services.sign_up(activity=activity, residents=[u.resident], actor=u)
    seats = list(
        ActivitySignup.objects.filter(activity=activity, state=SignupState.CONFIRMED).order_by("id")
    )

    def cancel(i: int) -> None:
        services.cancel_signup(signup=ActivitySignup.objects.get(pk=seats[i].pk), actor=racers[i])

    outcomes = race(cancel, 2)
    assert outcomes == ["ok", "ok"], outcomes
    states = list(
        ActivitySignup.objects.filter(activity=activity)
        .order_by("id")
        .values_list("state", flat=True)
    )
    assert states == ["cancelled", "cancelled", "confirmed", "confirmed", "waiting"]
    activity.refresh_from_db()
    assert activity.taken == 2


@pytest.mark.django_db(transaction=True)
def test_one_household_on_two_phones_signs_up_once(world: World, make_activity) -> None:  # type: ignore[no-untyped-def]
    activity = make_activity(capacity=10)
    members = list(Resident.objects.filter(household=world.household).order_by("id"))
    actors = [world.users["resident"], world.users["group_leader"]]  # same household

    def sign_up(i: int) -> None:
        services.sign_up(
            activity=Activity.objects.get(pk=activity.pk), residents=members, actor=actors[i]
        )

    outcomes = race(sign_up, 2)
    assert outcomes == ["ok", "ok"], outcomes
    assert ActivitySignup.objects.filter(activity=activity).count() == len(members)
    activity.refresh_from_db()
    assert activity.taken == len(members)
