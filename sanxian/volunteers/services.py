"""Volunteer registration, teams and the hours ledger. Other apps (activities) credit
hours only through ``credit_hours``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from sanxian.places.models import Place, Resident
from sanxian.volunteers.models import HoursEntry, HoursSource, HoursState, Volunteer, VolunteerTeam


def hours_between(started_at: datetime, ended_at: datetime) -> Decimal:
    """Hours between two instants (a shift may cross midnight), rounded to 0.01."""
    seconds = Decimal((ended_at - started_at).total_seconds())
    return (seconds / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def volunteer_for_resident(resident: Resident, *, on: date | None = None) -> Volunteer:
    """The resident's volunteer record, registered on first use."""
    existing = Volunteer.objects.filter(resident=resident).first()
    if existing is not None:
        return existing
    household = Place.objects.only("id", "path").get(pk=resident.household_id)
    try:
        with transaction.atomic():
            return Volunteer.objects.create(
                resident=resident,
                name=resident.name,
                place=household,
                path=household.path,
                registered_on=on or timezone.localdate(),
            )
    except IntegrityError:  # registered concurrently
        return Volunteer.objects.get(resident=resident)


def credit_hours(
    *,
    volunteer: Volunteer,
    service: str,
    started_at: datetime,
    ended_at: datetime,
    path: str,
    source: str,
    source_ref: int | None = None,
    team: VolunteerTeam | None = None,
    hours: Decimal | None = None,
) -> HoursEntry:
    """Record pending hours. A (volunteer, source, source_ref) is credited once: a repeated
    call returns the existing entry unchanged."""
    if source not in HoursSource.values:
        raise ValueError(source)
    if ended_at <= started_at:
        raise ValueError("ended_at must be after started_at")
    if source_ref is not None:
        existing = HoursEntry.objects.filter(
            volunteer=volunteer, source=source, source_ref=source_ref
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return HoursEntry.objects.create(
                volunteer=volunteer,
                team=team,
                path=path,
                service=service,
                started_at=started_at,
                ended_at=ended_at,
                hours=hours if hours is not None else hours_between(started_at, ended_at),
                source=source,
                source_ref=source_ref,
                state=HoursState.PENDING,
            )
    except IntegrityError:
        if source_ref is None:
            raise
        return HoursEntry.objects.get(volunteer=volunteer, source=source, source_ref=source_ref)
