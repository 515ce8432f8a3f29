"""Meetings through the API: scope, scheduling through the service, and check-in with the
QR code's rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian.meetings import services
from sanxian.meetings.models import CheckInMethod, Invitation, InviteeGroup, Meeting, MeetingKind
from tests.test_query_counts import count_queries
from tests.world import World

BASE = "/api/meetings/"


def _meeting(world: World, *, minutes: float = 10, kind: str = MeetingKind.COLLECTION, place=None):  # type: ignore[no-untyped-def]
    """A meeting starting in ``minutes`` (negative: it has begun)."""
    return services.create_meeting(
        place=place or world.north,
        kind=kind,
        starts_at=timezone.now() + timedelta(minutes=minutes),
    )


def _rows() -> tuple[int, int, int]:
    return (
        Meeting.objects.count(),
        Invitation.objects.count(),
        Invitation.objects.filter(attended=True).count(),
    )


def test_list_holds_the_meetings_in_scope(api, world: World) -> None:
    soon = _meeting(world, minutes=60 * 24)
    later = _meeting(world, minutes=60 * 48, kind=MeetingKind.JOINT_CONSULTATION)
    past = _meeting(world, minutes=-60 * 24 * 3)
    south = _meeting(world, minutes=60, place=world.south)
    upcoming = api("secretary").get(BASE).json()["items"]
    assert [m["id"] for m in upcoming] == [soon.pk, later.pk]
    assert upcoming[0]["kind"] == "collection" and upcoming[0]["place"]["id"] == world.north.pk
    recent = api("secretary").get(BASE, when="past").json()["items"]
    assert [m["id"] for m in recent] == [past.pk]
    assert [m["id"] for m in api("outsider").get(BASE).json()["items"]] == [south.pk]
    # A resident sees the meetings they are invited to only.
    assert api("resident").get(BASE).json()["items"] == []


def test_party_deliberation_is_for_party_roles(api, world: World) -> None:
    meeting = _meeting(world, minutes=60, kind=MeetingKind.PARTY_DELIBERATION)
    assert api("secretary").get(f"{BASE}{meeting.pk}").status_code == 200
    assert api("social_worker").get(f"{BASE}{meeting.pk}").status_code == 404
    assert meeting.pk not in [m["id"] for m in api("social_worker").get(BASE).json()["items"]]


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("resident", 404)])
def test_detail_outside_the_scope_is_404(api, world: World, persona: str, status: int) -> None:
    meeting = _meeting(world)
    assert api(persona).get(f"{BASE}{meeting.pk}").status_code == status


def test_schedule_creates_the_meeting_through_the_service(api, world: World) -> None:
    starts = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    body = {
        "place": world.north.pk,
        "kind": "joint_consultation",
        "starts_at": starts.isoformat(),
        "venue": "亲邻驿家二楼",
    }
    response = api("secretary").post(BASE, body)
    assert response.status_code == 201, response.content
    out = response.json()
    meeting = Meeting.objects.get(pk=out["id"])
    assert (meeting.place, meeting.kind, meeting.starts_at) == (
        world.north,
        MeetingKind.JOINT_CONSULTATION,
        starts,
    )
    assert meeting.title == f"北苑 {MeetingKind.JOINT_CONSULTATION.label}"
    assert meeting.venue == "亲邻驿家二楼"
    assert meeting.scheduled_for is None  # by hand
    assert out["can_write"] is True
    assert out["checkin_code"] == services.checkin_token(meeting)
    # Before the meeting the page invites the rule's invitees: so does the API.
    assert out["invited"] == Invitation.objects.filter(meeting=meeting).count() > 0


def test_schedule_refusals_change_nothing(api, world: World) -> None:
    starts = (timezone.now() + timedelta(days=3)).isoformat()
    body = {"place": world.block.pk, "kind": "collection", "starts_at": starts}
    before = _rows()
    refused = api("secretary").post(BASE, body)
    assert refused.status_code == 400
    assert refused.json()["detail"] == _(
        "Meetings of the monthly cycle are held by a neighborhood."
    )
    north = {**body, "place": world.north.pk}
    assert api("outsider").post(BASE, north).status_code == 404
    assert api("resident").post(BASE, north).status_code == 404
    party = {**north, "kind": "party_deliberation"}
    assert api("social_worker").post(BASE, party).status_code == 404
    naive = {**north, "starts_at": "2030-01-05T19:00:00"}
    assert api("secretary").post(BASE, naive).status_code == 422
    assert _rows() == before


def test_resident_checks_in_with_the_code(api, world: World) -> None:
    meeting = _meeting(world, minutes=10)
    code = services.checkin_token(meeting)
    client = api("resident")
    response = client.post(BASE + "check-in", {"code": code})
    assert response.status_code == 200, response.content
    assert response.json()["meeting"]["id"] == meeting.pk
    assert response.json()["role"] == InviteeGroup.WALK_IN
    invitation = Invitation.objects.get(meeting=meeting, resident=world.resident)
    assert invitation.attended and invitation.method == CheckInMethod.QR
    first = invitation.checked_in_at
    again = client.post(BASE + "check-in", {"code": code})
    assert again.status_code == 200
    invitation.refresh_from_db()
    assert invitation.checked_in_at == first
    assert Invitation.objects.filter(meeting=meeting, resident=world.resident).count() == 1
    # Checked in, the resident now sees the meeting.
    assert api("resident").get(f"{BASE}{meeting.pk}").json()["checkin_code"] is None


def test_check_in_refusals_change_nothing(api, world: World) -> None:
    early = _meeting(world, minutes=60 * 24)
    party = _meeting(world, minutes=5, kind=MeetingKind.PARTY_DELIBERATION)
    south = _meeting(world, minutes=5, place=world.south)
    before = _rows()
    client = api("resident")
    cases = [
        (services.checkin_token(early), _("Check-in opens 30 minutes before the meeting starts.")),
        (services.checkin_token(party), _("You are not invited to this meeting.")),
        (services.checkin_token(south), _("You are not invited to this meeting.")),
        ("not-a-code", _("This check-in code is not valid.")),
    ]
    for code, message in cases:
        response = client.post(BASE + "check-in", {"code": code})
        assert response.status_code == 400
        assert response.json()["detail"] == message
    staff = api("secretary").post(BASE + "check-in", {"code": services.checkin_token(south)})
    assert staff.json()["detail"] == _("Only a resident's account can check in.")
    assert _rows() == before


def test_list_query_count_does_not_grow(api, world: World) -> None:
    client = api("secretary")
    _meeting(world, minutes=60)
    client.get(BASE)
    small = count_queries(client.client, BASE)
    for day in range(1, 16):
        _meeting(world, minutes=60 * 24 * day)
        _meeting(world, minutes=-60 * 24 * day)
    assert count_queries(client.client, BASE) == small
    assert count_queries(client.client, BASE + "?when=past") == small
    assert small <= 6
