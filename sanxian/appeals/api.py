"""Appeals in the JSON API: a resident files, follows and rates their own appeals; staff
file on behalf of a resident in their scope (a call to the hotline, a visit).

The same services and selectors as the pages: the same rules, messages, deadlines, limits
and audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from sanxian.accounts.models import User
from sanxian.api.schemas import ERRORS, ErrorOut
from sanxian.appeals import selectors, services
from sanxian.appeals.limits import filing_wait
from sanxian.appeals.models import Appeal, AppealEvent, AppealState, Rating
from sanxian.places.models import Place, Resident

router = Router(tags=["appeals"])


class CategoryOut(Schema):
    id: int
    name: str
    response_hours: int = Field(description="Hours until someone contacts the resident.")
    resolution_working_days: int = Field(description="Working days until it is resolved.")


class PlaceOut(Schema):
    id: int
    name: str
    kind: str


class AppealIn(Schema):
    category: int = Field(description="An id from GET /api/appeals/categories.")
    text: str = Field(min_length=1, max_length=services.MAX_TEXT)
    place: int = Field(description="An id from GET /api/appeals/places.")
    contact_phone: str = Field("", max_length=30)
    resident: int | None = Field(
        None,
        description=(
            "Staff filing for a resident (on behalf, e.g. a call to the hotline): the "
            "resident's id. The places are then theirs (GET /api/appeals/places?resident=…)."
        ),
    )
    on_behalf_note: str = Field("", max_length=200, description="How the resident was reached.")


class RatingIn(Schema):
    rating: Literal["satisfied", "basically_satisfied", "unsatisfied"]
    comment: str = Field("", max_length=500)
    reopen: bool = Field(False, description="Only with an unsatisfied rating.")


class EventOut(Schema):
    kind: str
    at: datetime
    from_state: str
    to_state: str
    note: str


class AppealOut(Schema):
    id: int
    state: Literal["submitted", "acknowledged", "in_progress", "resolved", "rejected", "merged"]
    state_label: str
    category: CategoryOut
    place: PlaceOut
    text: str
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    closed_at: datetime | None
    outcome_note: str
    rating: str
    can_rate: bool


class AppealDetailOut(AppealOut):
    events: list[EventOut]


class AppealPageOut(Schema):
    items: list[AppealOut]
    next_before: int | None = Field(
        description="Pass as ?before= for the next (older) page; null on the last page."
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _resident(user: User) -> Resident:
    resident = Resident.objects.filter(pk=user.resident_id).first() if user.resident_id else None
    if resident is None:
        raise HttpError(400, _("Only a resident can file an appeal for themself."))
    return resident


def _out(appeal: Appeal) -> dict:
    return {
        "id": appeal.pk,
        "state": appeal.state,
        "state_label": str(AppealState(appeal.state).label),
        "category": appeal.category,
        "place": appeal.place,
        "text": appeal.text,
        "created_at": appeal.created_at,
        "response_due_at": appeal.response_due_at,
        "resolution_due_at": appeal.resolution_due_at,
        "closed_at": appeal.closed_at,
        "outcome_note": appeal.outcome_note,
        "rating": appeal.rating,
        "can_rate": appeal.can_be_rated,
    }


def _detail(appeal: Appeal) -> dict:
    events: list[AppealEvent] = selectors.appeal_events(appeal)
    return {**_out(appeal), "events": events}


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="Appeal categories")
def categories(request: HttpRequest) -> list:
    return list(selectors.active_categories())


@router.get(
    "/places",
    response={200: list[PlaceOut], **ERRORS},
    summary="Places the resident (staff: ?resident=id) may file about, nearest first",
)
def places(request: HttpRequest, resident: int | None = None) -> list[Place]:
    user = _user(request)
    if resident is not None:
        return selectors.resident_places(selectors.resident_to_file_for(user, resident))
    return selectors.resident_places(_resident(user))


@router.post(
    "/",
    response={201: AppealDetailOut, 429: ErrorOut, **ERRORS},
    summary="File an appeal for oneself (or, for staff, on behalf of a resident)",
)
def file(request: HttpRequest, body: AppealIn) -> Status:
    user = _user(request)
    on_behalf = body.resident is not None
    if body.resident is not None:
        resident = selectors.resident_to_file_for(user, body.resident)
    else:
        resident = _resident(user)
    place = next((p for p in selectors.resident_places(resident) if p.pk == body.place), None)
    if place is None:
        raise HttpError(400, _("Please choose one of the places offered."))
    category = selectors.active_categories().filter(pk=body.category).first()
    if category is None:
        raise HttpError(400, _("Please choose one of the categories offered."))
    wait = filing_wait(request, on_behalf=on_behalf)
    if wait is not None:
        return Status(
            429,
            {
                "detail": _(
                    "Many appeals have been sent from here in a short time. Please send "
                    "this one again in %(minutes)d minutes."
                )
                % {"minutes": wait}
            },
        )
    appeal = services.file_appeal(
        category=category,
        text=body.text,
        place=place,
        resident=resident,
        filed_by=user,
        contact_phone=body.contact_phone,
        on_behalf=on_behalf,
        on_behalf_note=body.on_behalf_note,
    )
    return Status(201, _detail(appeal))


@router.get("/", response={200: AppealPageOut, **ERRORS}, summary="My appeals, newest first")
def mine(request: HttpRequest, before: int | None = None) -> dict:
    page = selectors.my_appeals(_user(request), before=before)
    return {"items": [_out(a) for a in page.appeals], "next_before": page.next_before}


def _visible(request: HttpRequest, appeal_id: int) -> Appeal:
    """The appeal when the token's owner may see it (their own, or staff in scope)."""
    return selectors.get_appeal_for_user(_user(request), appeal_id)


@router.get(
    "/{appeal_id}", response={200: AppealDetailOut, **ERRORS}, summary="One appeal and its history"
)
def detail(request: HttpRequest, appeal_id: int) -> dict:
    return _detail(_visible(request, appeal_id))


@router.post(
    "/{appeal_id}/rating",
    response={200: AppealDetailOut, **ERRORS},
    summary="Rate a resolved or rejected appeal (and, when unsatisfied, reopen it)",
)
def rate(request: HttpRequest, appeal_id: int, body: RatingIn) -> dict:
    user = _user(request)
    appeal = _visible(request, appeal_id)
    if not services.is_own_appeal(user, appeal):
        raise Http404
    services.rate_appeal(
        appeal=appeal,
        actor=user,
        rating=Rating(body.rating),
        comment=body.comment,
        reopen=body.reopen,
    )
    return _detail(appeal)
