"""Writes for meetings."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from sanxian.accounts.models import User
from sanxian.meetings.models import Meeting, MeetingDecision, MeetingKind
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind


@transaction.atomic
def create_meeting(
    *,
    place: Place,
    kind: str,
    starts_at: datetime,
    title: str = "",
    venue: str = "",
) -> Meeting:
    if place.kind != PlaceKind.NEIGHBORHOOD:
        raise DomainError(_("Meetings of the monthly cycle are held by a neighborhood."))
    kind = MeetingKind(kind)
    return Meeting.objects.create(
        kind=kind,
        place=place,
        path=place.path,
        title=title or f"{place.name} {kind.label}",
        starts_at=starts_at,
        venue=venue,
    )


@transaction.atomic
def record_minutes(*, meeting: Meeting, minutes: str) -> Meeting:
    meeting.minutes = minutes
    meeting.held = True
    meeting.save(update_fields=["minutes", "held"])
    return meeting


@transaction.atomic
def record_decision(
    *, meeting: Meeting, text: str, actor: User | None, issue_id: int | None = None
) -> MeetingDecision:
    if not text.strip():
        raise DomainError(_("A decision needs its text."))
    if not meeting.held:
        meeting.held = True
        meeting.save(update_fields=["held"])
    return MeetingDecision.objects.create(
        meeting=meeting, text=text.strip(), issue_id=issue_id, recorded_by=actor
    )
