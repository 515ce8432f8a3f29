"""Meetings in the JSON API: the upcoming and recent meetings in scope, one meeting (its
agenda, attendance, minutes, decisions and votes), scheduling one by hand, and checking in
with the code of the meeting's QR code.

The same selectors and services as the pages: the same scope (404 outside it, the party
deliberation for party roles only) and the same check-in rule (a genuine code inside the
meeting's window; invitees, or residents of the neighborhood at an open meeting).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from sanxian.api.schemas import ERRORS, PlaceRef, token_user
from sanxian.meetings import selectors, services
from sanxian.meetings.models import Invitation, InviteeGroup, Meeting, MeetingKind

router = Router(tags=["meetings"])

KindName = Literal["collection", "party_deliberation", "joint_consultation"]


class MeetingOut(Schema):
    id: int
    kind: KindName
    kind_label: str
    title: str
    place: PlaceRef
    starts_at: datetime
    ends_at: datetime
    venue: str
    held: bool
    party_only: bool = Field(description="The party deliberation: party roles only.")


class AgendaItemOut(Schema):
    title: str
    source: Literal["auto", "manual"]
    dropped: bool
    issue_id: int | None
    appeal_id: int | None


class InviteeOut(Schema):
    name: str
    role: str
    role_label: str
    attended: bool


class DecisionOut(Schema):
    text: str
    issue_id: int | None


class VoteOut(Schema):
    question: str
    named: bool = Field(description="Named ballots (a party meeting) rather than counts.")
    votes_for: int
    votes_against: int
    votes_abstain: int


class MeetingDetailOut(MeetingOut):
    chair: str
    recorder: str
    minutes: str
    quorum_percent: int
    invited: int
    attended: int
    quorum_met: bool
    agenda: list[AgendaItemOut]
    invitees: list[InviteeOut]
    decisions: list[DecisionOut]
    votes: list[VoteOut]
    can_write: bool = Field(description="The token's owner keeps this meeting's records.")
    checkin_open: bool
    checkin_code: str | None = Field(
        description=(
            "What the meeting's QR code holds, for those who keep its records (null for "
            "others): attendees send it to POST /api/meetings/check-in."
        )
    )


class MeetingListOut(Schema):
    items: list[MeetingOut]


class MeetingIn(Schema):
    place: int = Field(description="The neighborhood holding the meeting.")
    kind: KindName
    starts_at: AwareDatetime = Field(description="With its UTC offset.")
    title: str = Field("", max_length=200, description="Empty: the neighborhood and kind.")
    venue: str = Field("", max_length=100)


class CheckInIn(Schema):
    code: str = Field(max_length=500, description="What the meeting's QR code holds.")


class CheckInOut(Schema):
    meeting: MeetingOut
    name: str
    role: str = Field(description="Invited as; walk_in for a resident who came uninvited.")
    checked_in_at: datetime | None


def _out(meeting: Meeting) -> dict:
    return {
        "id": meeting.pk,
        "kind": meeting.kind,
        "kind_label": str(MeetingKind(meeting.kind).label),
        "title": meeting.title,
        "place": meeting.place,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.end,
        "venue": meeting.venue,
        "held": meeting.held,
        "party_only": meeting.party_only,
    }


def _role_label(role: str) -> str:
    return str(InviteeGroup(role).label) if role in InviteeGroup.values else role


def _detail(request: HttpRequest, meeting: Meeting) -> dict:
    page = selectors.meeting_page(token_user(request), meeting)
    opens, closes = services.checkin_window(meeting)
    return {
        **_out(meeting),
        "chair": meeting.chair,
        "recorder": meeting.recorder,
        "minutes": meeting.minutes,
        "quorum_percent": meeting.quorum_percent,
        "invited": page.invited,
        "attended": page.attended,
        "quorum_met": page.quorum_met,
        "agenda": page.agenda,
        "invitees": [
            {
                "name": i.name,
                "role": i.role,
                "role_label": _role_label(i.role),
                "attended": i.attended,
            }
            for i in page.invitations
        ],
        "decisions": page.decisions,
        "votes": page.votes,
        "can_write": page.can_write,
        "checkin_open": opens <= timezone.now() <= closes,
        "checkin_code": services.checkin_token(meeting) if page.can_write else None,
    }


@router.get(
    "/",
    response={200: MeetingListOut, **ERRORS},
    summary="Meetings in my scope: upcoming (soonest first) or past (latest first)",
)
def meeting_list(request: HttpRequest, when: Literal["upcoming", "past"] = "upcoming") -> dict:
    upcoming, past = selectors.listed_meetings(token_user(request))
    chosen = upcoming if when == "upcoming" else past
    return {"items": [_out(m) for m in chosen[: selectors.MAX_LIST]]}


@router.post(
    "/",
    response={201: MeetingDetailOut, **ERRORS},
    summary="Schedule a meeting by hand",
    description=(
        "For those who keep a neighborhood's meeting records (404 elsewhere); the party "
        "deliberation for party roles only."
    ),
)
def schedule(request: HttpRequest, body: MeetingIn) -> Status:
    user = token_user(request)
    place = selectors.place_for_new_meeting(user, body.place, body.kind)
    meeting = services.create_meeting(
        place=place,
        kind=body.kind,
        starts_at=body.starts_at,
        title=body.title.strip(),
        venue=body.venue.strip(),
    )
    return Status(201, _detail(request, selectors.get_meeting_for_user(user, meeting.pk)))


@router.post(
    "/check-in",
    response={200: CheckInOut, **ERRORS},
    summary="Check in at a meeting with the code of its QR code",
    description=(
        "From 30 minutes before the start until the end; invitees, and residents of the "
        "neighborhood at a meeting open to them. Checking in twice changes nothing."
    ),
)
def check_in(request: HttpRequest, body: CheckInIn) -> dict:
    invitation: Invitation = services.check_in(token=body.code, user=token_user(request))
    return {
        "meeting": _out(invitation.meeting),
        "name": invitation.name,
        "role": invitation.role,
        "checked_in_at": invitation.checked_in_at,
    }


@router.get(
    "/{meeting_id}",
    response={200: MeetingDetailOut, **ERRORS},
    summary="One meeting: agenda, attendance, minutes, decisions, votes",
)
def meeting_detail(request: HttpRequest, meeting_id: int) -> dict:
    return _detail(request, selectors.get_meeting_for_user(token_user(request), meeting_id))
