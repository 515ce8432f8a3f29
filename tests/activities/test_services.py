"""Sign-up, the waiting list and its promotion, check-in, helpers' hours, photos."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from sanxian.activities import services
from sanxian.activities.models import (
    Activity,
    ActivityPhoto,
    ActivitySignup,
    ActivityState,
    OrganiserKind,
    SignupState,
)
from sanxian.places.errors import DomainError
from sanxian.volunteers.models import HoursEntry, HoursSource, HoursState
from sanxian.volunteers.services import volunteer_for_resident
from tests.activities.conftest import household_of, more_residents
from tests.world import World


def states(activity: Activity) -> dict[int, str]:
    return dict(
        ActivitySignup.objects.filter(activity=activity).values_list("resident_id", "state")
    )


def test_a_household_gets_seats_while_they_last_and_the_rest_wait(
    world: World, make_activity
) -> None:
    activity = make_activity(capacity=2)
    members = household_of(world)
    result = services.sign_up(activity=activity, residents=members, actor=world.users["resident"])
    assert [s.resident_id for s in result.confirmed] == [m.pk for m in members[:2]]
    assert [s.resident_id for s in result.waiting] == [members[2].pk]
    activity.refresh_from_db()
    assert activity.taken == 2
    again = services.sign_up(activity=activity, residents=members, actor=world.users["resident"])
    assert len(again.already) == 3 and not again.confirmed and not again.waiting
    assert ActivitySignup.objects.filter(activity=activity).count() == 3


def test_cancelling_a_seat_promotes_the_earliest_waiting(world: World, make_activity) -> None:
    activity = make_activity(capacity=1)
    first, second, third = household_of(world)
    actor = world.users["resident"]
    services.sign_up(activity=activity, residents=[first], actor=actor)
    services.sign_up(activity=activity, residents=[second], actor=actor)
    services.sign_up(activity=activity, residents=[third], actor=actor)
    seat = ActivitySignup.objects.get(activity=activity, resident=first)
    promoted = services.cancel_signup(signup=seat, actor=actor)
    assert [s.resident_id for s in promoted] == [second.pk]
    row = ActivitySignup.objects.get(activity=activity, resident=second)
    assert row.state == SignupState.CONFIRMED and row.promoted_at is not None
    assert states(activity)[third.pk] == SignupState.WAITING
    activity.refresh_from_db()
    assert activity.taken == 1
    # Cancelling again changes nothing more.
    assert services.cancel_signup(signup=seat, actor=actor) == []
    assert states(activity)[third.pk] == SignupState.WAITING
    # A waiting sign-up cancelled frees no seat.
    waiting = ActivitySignup.objects.get(activity=activity, resident=third)
    assert services.cancel_signup(signup=waiting, actor=actor) == []
    activity.refresh_from_db()
    assert activity.taken == 1
    # Cancelled people can sign up again (at the end of the list).
    result = services.sign_up(activity=activity, residents=[first], actor=actor)
    assert len(result.waiting) == 1


def test_more_seats_go_to_the_waiting_list(world: World, make_activity) -> None:
    activity = make_activity(capacity=1)
    members = household_of(world)
    services.sign_up(activity=activity, residents=members, actor=world.users["resident"])
    with pytest.raises(DomainError):  # a title is needed
        services.update_activity(
            activity=activity,
            title="",
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            capacity=3,
        )
    assert Activity.objects.get(pk=activity.pk).capacity == 1
    promoted = services.update_activity(
        activity=activity,
        title=activity.title,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        capacity=3,
    )
    assert len(promoted) == 2
    activity.refresh_from_db()
    assert activity.taken == 3


def test_seats_cannot_drop_below_those_taken(world: World, make_activity) -> None:
    activity = make_activity(capacity=3)
    services.sign_up(
        activity=activity, residents=household_of(world)[:2], actor=world.users["resident"]
    )
    with pytest.raises(DomainError):
        services.update_activity(
            activity=activity,
            title=activity.title,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            capacity=1,
        )
    activity.refresh_from_db()
    assert activity.capacity == 3


def test_who_may_be_signed_up(world: World, make_activity) -> None:
    activity = make_activity()
    resident_user = world.users["resident"]
    with pytest.raises(DomainError):  # someone of another household
        services.sign_up(activity=activity, residents=[world.member_resident], actor=resident_user)
    with pytest.raises(DomainError):  # an account without a resident
        services.sign_up(
            activity=activity, residents=[world.resident], actor=world.users["secretary"]
        )
    with pytest.raises(DomainError):  # nobody chosen
        services.sign_up(activity=activity, residents=[], actor=resident_user)
    south = make_activity(place=world.south, title="南苑活动")
    with pytest.raises(DomainError):  # another neighborhood's activity
        services.sign_up(activity=south, residents=[world.resident], actor=resident_user)
    with pytest.raises(DomainError):  # staff on behalf, but not a resident of the neighborhood
        services.sign_up(
            activity=activity,
            residents=[world.south_household.residents.first()],
            actor=world.users["secretary"],
            on_behalf=True,
        )
    result = services.sign_up(
        activity=activity,
        residents=[world.member_resident],
        actor=world.users["secretary"],
        on_behalf=True,
    )
    signup = result.confirmed[0]
    assert signup.on_behalf and signup.signed_up_by == world.users["secretary"]
    assert not ActivitySignup.objects.filter(activity=south).exists()


def test_closed_or_cancelled_activities_take_no_sign_ups(world: World, make_activity) -> None:
    actor = world.users["resident"]
    closed = make_activity(signup_closes_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError):
        services.sign_up(activity=closed, residents=[world.resident], actor=actor)
    cancelled = make_activity()
    services.cancel_activity(activity=cancelled)
    with pytest.raises(DomainError):
        services.sign_up(activity=cancelled, residents=[world.resident], actor=actor)
    assert not ActivitySignup.objects.exists()


def test_organiser_must_match_its_kind(world: World, make_activity, team) -> None:
    with pytest.raises(DomainError):
        make_activity(organiser_kind=OrganiserKind.TEAM)
    with pytest.raises(DomainError):
        make_activity(organiser_kind=OrganiserKind.BRANCH)
    south_branch = world.south_block.party_orgs.first()
    with pytest.raises(DomainError):
        make_activity(organiser_kind=OrganiserKind.BRANCH, organiser_branch=south_branch)
    by_team = make_activity(organiser_kind=OrganiserKind.TEAM, organiser_team=team)
    assert by_team.organiser_name == team.name
    by_branch = make_activity(organiser_kind=OrganiserKind.BRANCH, organiser_branch=world.branch)
    assert by_branch.organiser_branch == world.branch and by_branch.organiser_team is None
    # The database refuses a mismatched row too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=by_team.pk).update(organiser_kind=OrganiserKind.COMMITTEE)


def test_the_same_activity_entered_twice_is_one(world: World, make_activity) -> None:
    starts = timezone.now() + timedelta(days=3)
    a = make_activity(title="猜灯谜", starts_at=starts, ends_at=starts + timedelta(hours=2))
    b = make_activity(title="猜灯谜", starts_at=starts, ends_at=starts + timedelta(hours=2))
    assert a.pk == b.pk
    with pytest.raises(DomainError):
        make_activity(title="  ")
    with pytest.raises(DomainError):
        make_activity(capacity=0)
    with pytest.raises(DomainError):
        make_activity(place=world.household)
    with pytest.raises(DomainError):
        make_activity(ends_at=starts - timedelta(hours=1), starts_at=starts)


def test_qr_check_in(world: World, make_activity) -> None:
    activity = make_activity(hours=0.25, capacity=1)
    members = household_of(world)
    services.sign_up(
        activity=activity, residents=[world.resident, members[0]], actor=world.users["resident"]
    )
    token = services.checkin_token(activity)
    signup = services.check_in(token=token, user=world.users["resident"])
    assert signup.checked_in_at is not None and signup.method == "qr"
    with pytest.raises(DomainError):  # on the waiting list: no seat
        services.check_in(token=token, user=world.users["group_leader"])
    with pytest.raises(DomainError):
        services.check_in(token="forged:token", user=world.users["resident"])
    with pytest.raises(DomainError):  # too early
        services.check_in(
            token=token, user=world.users["resident"], now=activity.starts_at - timedelta(hours=1)
        )
    with pytest.raises(DomainError):  # over
        services.check_in(
            token=token, user=world.users["resident"], now=activity.ends_at + timedelta(minutes=1)
        )
    with pytest.raises(DomainError):  # the meetings' token does not open activities
        from django.core import signing

        services.check_in(
            token=signing.dumps(activity.pk, salt="meeting-checkin"), user=world.users["resident"]
        )


def test_staff_marks_check_in(world: World, make_activity) -> None:
    activity = make_activity(capacity=5)
    result = services.sign_up(
        activity=activity, residents=household_of(world), actor=world.users["resident"]
    )
    ids = [s.pk for s in result.confirmed]
    assert services.mark_checkins(activity=activity, checked_ids=ids[:2]) == 2
    assert services.mark_checkins(activity=activity, checked_ids=ids[:1]) == 1
    assert ActivitySignup.objects.get(pk=ids[0]).method == "staff"


def test_helpers_are_credited_once_after_the_activity(world: World, make_activity, team) -> None:
    activity = make_activity(hours=-4, organiser_kind=OrganiserKind.TEAM, organiser_team=team)
    cook = volunteer_for_resident(world.member_resident)
    host = volunteer_for_resident(world.leader)
    services.add_helper(activity=activity, volunteer=cook, role="掌勺")
    services.add_helper(activity=activity, volunteer=host, role="主持", hours=Decimal("2"))
    with pytest.raises(DomainError):  # not held yet
        services.credit_helpers(activity)
    services.mark_held(activity=activity)
    assert services.credit_helpers(activity) == 2
    assert services.credit_helpers(activity) == 0
    entries = HoursEntry.objects.filter(source=HoursSource.ACTIVITY).order_by("hours")
    assert [(e.hours, e.state, e.team_id) for e in entries] == [
        (Decimal("2.00"), HoursState.PENDING, team.pk),
        (Decimal("3.00"), HoursState.PENDING, team.pk),
    ]
    assert entries[1].service == f"{activity.title}（掌勺）"
    helper = activity.helpers.get(volunteer=cook)
    with pytest.raises(DomainError):
        services.remove_helper(helper=helper)


def test_held_summary_and_photos(world: World, make_activity) -> None:
    activity = make_activity(hours=1)
    with pytest.raises(DomainError):
        services.mark_held(activity=activity)  # not started
    with pytest.raises(DomainError):
        services.save_summary(activity=activity, summary="热闹")
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    activity.refresh_from_db()
    services.mark_held(activity=activity)
    assert activity.state == ActivityState.HELD
    services.save_summary(activity=activity, summary="  六十位老人一起吃年夜饭。 ")
    assert Activity.objects.get(pk=activity.pk).summary == "六十位老人一起吃年夜饭。"
    stored = services.add_photos(activity=activity, uploads=[png()], caption="合影", form_key="k1")
    again = services.add_photos(activity=activity, uploads=[png()], caption="合影", form_key="k1")
    assert len(stored) == 1 and again == []
    assert ActivityPhoto.objects.filter(activity=activity).count() == 1
    with pytest.raises(DomainError):
        services.cancel_activity(activity=activity)


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


def test_bigger_households(world: World, make_activity) -> None:
    more_residents(world, 3)
    activity = make_activity(capacity=4)
    result = services.sign_up(
        activity=activity, residents=household_of(world), actor=world.users["resident"]
    )
    assert (len(result.confirmed), len(result.waiting)) == (4, 2)
