"""Duty shifts in the JSON API: my shifts, the shifts open to me, signing up for one,
cancelling, and checking in and out with the code of the shift's QR code.

The same selectors and services as the pages: the same scope (404 outside it), seats,
overlaps, windows and messages; check-out records the pending hours as the page does.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from sanxian.api.schemas import ERRORS, token_user
from sanxian.places.errors import DomainError
from sanxian.volunteers import selectors, services
from sanxian.volunteers.models import CheckMethod, DutyShift, ShiftSignup

router = Router(tags=["volunteers"])


class ShiftOut(Schema):
    id: int
    roster_id: int
    title: str = Field(description="The roster's title.")
    service: str
    location: str
    team: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int = Field(description="Seats left.")


class MyShiftOut(Schema):
    signup_id: int
    shift: ShiftOut
    checked_in_at: datetime | None
    checked_out_at: datetime | None


class MyShiftsOut(Schema):
    current: list[MyShiftOut] = Field(
        description="Starting within 30 minutes or under way, not checked out yet."
    )
    upcoming: list[MyShiftOut]


class ShiftListOut(Schema):
    items: list[ShiftOut]


class ShiftDetailOut(ShiftOut):
    mine: MyShiftOut | None = Field(description="My sign-up of this shift.")
    names: list[str] = Field(description="Who is signed up.")
    can_sign_up: bool
    checkin_open: bool


class CheckInIn(Schema):
    code: str = Field(max_length=500, description="What the shift's QR code holds.")
    action: Literal["in", "out"] = Field("in", description="Check in, or check out at the end.")


class CheckInOut(MyShiftOut):
    hours: Decimal | None = Field(description="On check-out: the hours waiting for approval.")


def _shift(shift: DutyShift) -> dict:
    roster = shift.roster
    return {
        "id": shift.pk,
        "roster_id": roster.pk,
        "title": roster.title,
        "service": roster.service,
        "location": roster.location,
        "team": roster.team.name,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "capacity": shift.capacity,
        "free": shift.free,
    }


def _mine(signup: ShiftSignup) -> dict:
    return {
        "signup_id": signup.pk,
        "shift": _shift(signup.shift),
        "checked_in_at": signup.checked_in_at,
        "checked_out_at": signup.checked_out_at,
    }


@router.get(
    "/shifts/mine",
    response={200: MyShiftsOut, **ERRORS},
    summary="My shifts: under way and upcoming",
)
def my_shifts(request: HttpRequest) -> dict:
    page = selectors.mine_page(token_user(request))
    # The page shows no team names; each shift here carries its team's (one more query).
    prefetch_related_objects([*page.current, *page.upcoming], "shift__roster__team")
    return {
        "current": [_mine(s) for s in page.current],
        "upcoming": [_mine(s) for s in page.upcoming],
    }


@router.get(
    "/shifts/open",
    response={200: ShiftListOut, **ERRORS},
    summary="Shifts of my teams with a seat left, soonest first",
)
def open_shifts(request: HttpRequest) -> dict:
    return {"items": [_shift(s) for s in selectors.open_shifts(token_user(request))]}


def _detail(request: HttpRequest, shift_id: int) -> dict:
    user = token_user(request)
    page = selectors.shift_page(user, selectors.get_shift_for_user(user, shift_id))
    return {
        **_shift(page.shift),
        "mine": _mine(page.mine) if page.mine is not None else None,
        "names": [s.volunteer.name for s in page.signups if s.state == "signed"],
        "can_sign_up": page.can_sign_up,
        "checkin_open": page.checkin_open,
    }


@router.get(
    "/shifts/{shift_id}",
    response={200: ShiftDetailOut, **ERRORS},
    summary="One shift: who is on it, my sign-up",
)
def shift_detail(request: HttpRequest, shift_id: int) -> dict:
    return _detail(request, shift_id)


@router.post(
    "/shifts/{shift_id}/sign-up",
    response={200: ShiftDetailOut, **ERRORS},
    summary="Take a seat on an upcoming shift of one of my teams",
)
def sign_up(request: HttpRequest, shift_id: int) -> dict:
    user = token_user(request)
    shift = selectors.get_shift_for_user(user, shift_id)
    viewer = selectors.get_viewer(user)
    if viewer.volunteer is None:
        raise DomainError(_("Join the team first."))
    services.sign_up(shift=shift, volunteer=viewer.volunteer)
    return _detail(request, shift_id)


@router.post(
    "/sign-ups/{shift_signup_id}/cancel",
    response={200: ShiftDetailOut, **ERRORS},
    summary="Give my seat back before the shift starts",
)
def cancel(request: HttpRequest, shift_signup_id: int) -> dict:
    signup = selectors.get_signup_for_user(token_user(request), shift_signup_id, own=True)
    services.cancel_signup(signup=signup)
    return _detail(request, signup.shift_id)


@router.post(
    "/check-in",
    response={200: CheckInOut, **ERRORS},
    summary="Check in or out of my shift with the code of its QR code",
    description=(
        "From 30 minutes before the start; checking out records the hours served, waiting "
        "for the leader's approval."
    ),
)
def check_in(request: HttpRequest, body: CheckInIn) -> dict:
    shift = services.shift_for_token(body.code)
    signup = selectors.own_shift_signup(token_user(request), shift.pk)
    if signup is None:
        raise DomainError(_("You are not signed up for this shift."))
    hours = None
    if body.action == "in":
        services.check_in(signup=signup, method=CheckMethod.QR)
    else:
        hours = services.check_out(signup=signup, method=CheckMethod.QR).hours
    return {**_mine(signup), "hours": hours}
