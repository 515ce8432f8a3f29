"""Community activities in the JSON API: what is on in my neighborhood, one activity with
my household's sign-ups, signing up (a seat while seats last, else the waiting list) and
cancelling a sign-up.

The same selectors and services as the pages: the same scope (404 outside it), seats,
waiting list, deadlines and messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from sanxian.activities import selectors, services
from sanxian.activities.models import Activity, ActivitySignup, ActivityState, SignupState
from sanxian.api.schemas import ERRORS, PlaceRef, token_user

router = Router(tags=["activities"])

SignupStateName = Literal["confirmed", "waiting", "cancelled"]


class SignupOut(Schema):
    id: int
    resident_id: int
    name: str
    state: SignupStateName
    position: int | None = Field(description="Place on the waiting list (1 = next).")
    checked_in: bool


class ActivityOut(Schema):
    id: int
    title: str
    place: PlaceRef
    starts_at: datetime
    ends_at: datetime
    venue: str
    audience: str
    organiser: str
    state: Literal["planned", "cancelled", "held"]
    state_label: str
    capacity: int
    seats_left: int
    signup_closes_at: datetime
    signup_open: bool
    mine: list[SignupOut] = Field(description="My household's live sign-ups.")


class MemberOut(Schema):
    resident_id: int
    name: str
    signup: SignupOut | None


class ActivityDetailOut(ActivityOut):
    description: str
    summary: str = Field(description="Written after the activity was held.")
    waiting: int = Field(description="How many are on the waiting list.")
    checkin_open: bool
    can_manage: bool
    household: list[MemberOut] = Field(
        description="My household (me first) and each one's sign-up; empty outside the "
        "activity's neighborhood."
    )


class ActivityListOut(Schema):
    items: list[ActivityOut]


class SignupIn(Schema):
    residents: list[int] = Field(
        max_length=50, description="Me and/or members of my household, by resident id."
    )


class SignupResultOut(Schema):
    confirmed: list[int] = Field(description="Residents who got a seat.")
    waiting: list[int] = Field(description="Residents put on the waiting list.")
    already: list[int] = Field(description="Residents who were already signed up.")
    activity: ActivityDetailOut


def _signup(s: ActivitySignup) -> dict:
    ahead = getattr(s, "ahead", None)
    return {
        "id": s.pk,
        "resident_id": s.resident_id,
        "name": s.resident.name,
        "state": s.state,
        "position": ahead + 1 if s.state == SignupState.WAITING and ahead is not None else None,
        "checked_in": s.checked_in_at is not None,
    }


def _out(activity: Activity, mine: list[ActivitySignup]) -> dict:
    return {
        "id": activity.pk,
        "title": activity.title,
        "place": activity.place,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "venue": activity.venue,
        "audience": activity.audience,
        "organiser": activity.organiser_name,
        "state": activity.state,
        "state_label": str(ActivityState(activity.state).label),
        "capacity": activity.capacity,
        "seats_left": activity.seats_left,
        "signup_closes_at": activity.signup_closes_at,
        "signup_open": activity.signup_open(),
        "mine": [_signup(s) for s in mine],
    }


def _detail(request: HttpRequest, activity_id: int) -> dict:
    user = token_user(request)
    activity = selectors.get_activity_for_user(user, activity_id)
    page = selectors.activity_page(user, activity)
    return {
        **_out(activity, [m.signup for m in page.household if m.signup is not None]),
        "description": activity.description,
        "summary": activity.summary if activity.state == ActivityState.HELD else "",
        "waiting": page.waiting,
        "checkin_open": services.checkin_open(activity),
        "can_manage": page.can_manage,
        "household": [
            {
                "resident_id": m.resident.pk,
                "name": m.resident.name,
                "signup": _signup(m.signup) if m.signup is not None else None,
            }
            for m in page.household
        ],
    }


@router.get(
    "/",
    response={200: ActivityListOut, **ERRORS},
    summary="Activities in my neighborhood: upcoming (soonest first) or past",
    description="Upcoming ones include cancelled ones; past ones leave them out.",
)
def activity_list(request: HttpRequest, when: Literal["upcoming", "past"] = "upcoming") -> dict:
    user = token_user(request)
    if not selectors.may_list(user):
        raise Http404
    data = selectors.activity_list(user, timezone.now())
    if when == "past":
        return {"items": [_out(a, []) for a in data.past]}
    return {"items": [_out(a, a.mine) for a in [*data.soon, *data.later]]}  # type: ignore[attr-defined]


@router.get(
    "/{activity_id}",
    response={200: ActivityDetailOut, **ERRORS},
    summary="One activity, with my household's sign-ups",
)
def activity_detail(request: HttpRequest, activity_id: int) -> dict:
    return _detail(request, activity_id)


@router.post(
    "/{activity_id}/sign-ups",
    response={200: SignupResultOut, **ERRORS},
    summary="Sign up myself and members of my household",
    description=(
        "Each gets a seat while seats last, in the order given (me first), and a place on "
        "the waiting list after that; someone already signed up keeps their sign-up."
    ),
)
def sign_up(request: HttpRequest, activity_id: int, body: SignupIn) -> dict:
    user = token_user(request)
    activity = selectors.get_activity_for_user(user, activity_id)
    residents = selectors.household_residents(user, body.residents)
    result = services.sign_up(activity=activity, residents=residents, actor=user)
    return {
        "confirmed": [s.resident_id for s in result.confirmed],
        "waiting": [s.resident_id for s in result.waiting],
        "already": [s.resident_id for s in result.already],
        "activity": _detail(request, activity_id),
    }


@router.post(
    "/{activity_id}/sign-ups/{signup_id}/cancel",
    response={200: ActivityDetailOut, **ERRORS},
    summary="Cancel a sign-up of my household",
    description="A freed seat goes to the first on the waiting list at once.",
)
def cancel_signup(request: HttpRequest, activity_id: int, signup_id: int) -> dict:
    user = token_user(request)
    activity = selectors.get_activity_for_user(user, activity_id)
    signup = selectors.signup_to_cancel(user, activity, signup_id)
    services.cancel_signup(signup=signup, actor=user)
    return _detail(request, activity_id)
