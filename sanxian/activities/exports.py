"""Activity lists as workbooks: what's on (the list page, all of it) and an activity's
sign-ups (the organisers' page)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from sanxian.accounts.scope import get_scope
from sanxian.activities import selectors
from sanxian.activities.models import Activity, ActivitySignup
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind
from sanxian.places.paths import STEP_LENGTH
from sanxian.spreadsheets import Column, common_path, field_label, list_export

CHUNK = 2000


def list_columns() -> list[Column[Activity]]:
    def label(name: str) -> str:
        return field_label(Activity, name)

    return [
        Column(label("title"), lambda a: a.title, 28),
        Column(label("starts_at"), lambda a: a.starts_at, 18),
        Column(label("ends_at"), lambda a: a.ends_at, 18),
        Column(label("venue"), lambda a: a.venue, 16),
        Column(label("place"), lambda a: a.place.name, 14),
        Column(label("organiser_kind"), lambda a: a.organiser_name, 20),
        Column(label("capacity"), lambda a: a.capacity, 8),
        Column(label("taken"), lambda a: a.taken, 8),
        Column(capfirst(_("waiting")), lambda a: getattr(a, "waiting_count", 0), 8),
        Column(label("state"), lambda a: a.get_state_display(), 10),
    ]


def activity_list_xlsx(request: HttpRequest) -> HttpResponse:
    upcoming, past = selectors.listed_activities(request.user)

    def both() -> Iterator[Activity]:
        yield from upcoming.iterator(chunk_size=CHUNK)
        yield from past.iterator(chunk_size=CHUNK)

    return list_export(
        request,
        what="activities",
        title=_("Activities"),
        slug="activities",
        columns=list_columns(),
        items=both(),
        path=common_path(get_scope(request.user).community_paths),
    )


def signup_columns() -> list[Column[ActivitySignup]]:
    def label(name: str) -> str:
        return field_label(ActivitySignup, name)

    return [
        Column(label("resident"), lambda s: s.resident.name, 12),
        Column(_("Building"), lambda s: getattr(s, "building_name", "") or "", 12),
        Column(_("Household"), lambda s: s.resident.household.name, 10),
        Column(label("state"), lambda s: s.get_state_display(), 14),
        Column(label("created_at"), lambda s: s.created_at, 18),
        Column(capfirst(_("signed up by staff")), lambda s: s.on_behalf, 10),
        Column(label("promoted_at"), lambda s: s.promoted_at, 18),
        Column(label("checked_in_at"), lambda s: s.checked_in_at, 18),
        Column(label("method"), lambda s: s.get_method_display() if s.method else "", 12),
        Column(label("cancelled_at"), lambda s: s.cancelled_at, 18),
    ]


def signups_xlsx(request: HttpRequest, activity: Activity) -> HttpResponse:
    building_path = Substr(
        OuterRef("resident__path"), 1, KIND_DEPTH[PlaceKind.BUILDING] * STEP_LENGTH
    )
    rows = selectors.listed_signups(activity).annotate(
        building_name=Subquery(Place.objects.filter(path=building_path).values("name")[:1])
    )
    return list_export(
        request,
        what="activity sign-ups",
        title=f"{activity.title} {_('Sign-ups')}",
        slug=f"activity-{activity.pk}-sign-ups",
        columns=signup_columns(),
        items=rows.iterator(chunk_size=CHUNK),
        path=activity.path,
        target=activity,
    )
