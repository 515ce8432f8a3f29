"""Reads of appeals shared by pages and (later) the API, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from sanxian import personal_data
from sanxian.accounts.models import User
from sanxian.accounts.scope import Scope, get_scope
from sanxian.appeals.models import (
    CLOSED_STATES,
    GOOD_RATINGS,
    OPEN_STATES,
    Appeal,
    AppealCategory,
    AppealEvent,
    AppealPhoto,
    AppealState,
)
from sanxian.appeals.services import APPEAL_PLACE_KINDS, is_own_appeal
from sanxian.appeals.similarity import SIMILARITY_THRESHOLD, features, similarity
from sanxian.issues.models import Issue, IssueState
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH, ancestor_paths, subtree_q
from sanxian.workdays.selectors import SHANGHAI

PAGE_SIZE = 20
SIMILAR_CANDIDATES = 200
SIMILAR_LIMIT = 5

_APPEAL_RELATED = ("category", "place", "resident", "filed_by", "issue", "escalated_to")
# What a line of the staff list shows (appeals/list.html).
_LIST_RELATED = ("category", "place", "resident")
_LIST_FIELDS = (
    "id",
    "category__name",
    "text",
    "place__name",
    "resident__name",
    "state",
    "created_at",
    "response_due_at",
    "resolution_due_at",
    "first_contacted_at",
    "escalation_level",
)


def get_appeal_for_user(user: User, pk: int, *, write: bool = False) -> Appeal:
    """The appeal if the user may see it, else 404.

    Staff whose scope covers the appeal's place see and handle it; the resident it was
    filed for and the person who filed it see it (``write=False`` only). ``write=True``
    asks for the right to handle it (acknowledge, resolve …): staff in scope only.
    """
    appeal = Appeal.objects.select_related(*_APPEAL_RELATED).filter(pk=pk).first()
    if appeal is None:
        raise Http404
    scope = get_scope(user)
    if scope.is_staff and scope.covers(appeal.path):
        return appeal
    if not write and is_own_appeal(user, appeal):
        return appeal
    raise Http404


def can_handle(user: User, appeal: Appeal) -> bool:
    scope = get_scope(user)
    return scope.is_staff and scope.covers(appeal.path)


def get_photo_for_user(user: User, pk: int) -> AppealPhoto:
    photo = AppealPhoto.objects.filter(pk=pk).first()
    if photo is None:
        raise Http404
    get_appeal_for_user(user, photo.appeal_id)
    return photo


def active_categories() -> QuerySet[AppealCategory]:
    return AppealCategory.objects.filter(active=True).order_by("position", "id")


def resident_places(resident: Resident) -> list[Place]:
    """The places a resident may file about, nearest first: household, building group,
    building, block, neighborhood."""
    depths = [KIND_DEPTH[PlaceKind(k)] for k in APPEAL_PLACE_KINDS]
    paths = [resident.path[: d * STEP_LENGTH] for d in depths]
    return list(Place.objects.filter(path__in=paths).order_by("-depth"))


def resident_to_file_for(user: User, resident_pk: int) -> Resident:
    """The resident staff file an appeal for (on behalf): one living in their scope;
    anyone else, and for users without a staff role, 404 — as on the pages."""
    from sanxian.places.selectors import get_resident_for_user

    if not get_scope(user).is_staff:
        raise Http404
    resident = get_resident_for_user(user, resident_pk)
    if resident.departed:
        raise Http404
    return resident


def residents_by_phone(user: User, phone: str) -> list[Resident]:
    """Current residents in the staff user's scope with this (normalised) phone number:
    how a hotline's caller is found. At most two (enough to tell one from several)."""
    scope = get_scope(user)
    if not scope.is_staff or not phone:
        return []
    return list(
        Resident.objects.current()
        .filter(scope.q(), phone_digest=personal_data.digest(phone))
        .exclude(phone_digest="")
        .order_by("id")[:2]
    )


def open_overdue_q(now: datetime) -> Q:
    return Q(state__in=OPEN_STATES) & (
        Q(resolution_due_at__lt=now) | Q(first_contacted_at__isnull=True, response_due_at__lt=now)
    )


@dataclass
class AppealPage:
    appeals: list[Appeal]
    next_before: int | None


def _page(
    qs: QuerySet[Appeal],
    before: int | None,
    limit: int,
    *,
    related: tuple[str, ...] = ("category", "place"),
    fields: tuple[str, ...] = (),
    by_path: bool = False,
) -> AppealPage:
    """Keyset pagination on the id (newest first): a deep page costs what the first does.

    The page's ids are chosen first by the filters alone (on the path index, without
    joining anything), then only those rows are read with their ``related`` rows (and, when
    given, only ``fields``): one query, whose joins do not grow with the list.

    ``by_path``: the filters hold the rows to a bounded subtree (a sub-district or less),
    so the ids are taken from the (path, id) index and sorted, rather than by walking the
    primary key backwards until enough rows match (which reads most of the table when the
    subtree's appeals are not the newest ones).
    """
    if before:
        qs = qs.filter(id__lt=before)
    newest: Any = "-id"
    if by_path:
        # An expression: no index serves the order, so the planner takes the path index.
        newest = (F("id") + 0).desc()
    page_ids = qs.order_by(newest).values("id")[: limit + 1]
    rows_qs = Appeal.objects.filter(id__in=page_ids).select_related(*related).order_by("-id")
    if fields:
        rows_qs = rows_qs.only(*fields)
    rows = list(rows_qs)
    more = len(rows) > limit
    rows = rows[:limit]
    return AppealPage(appeals=rows, next_before=rows[-1].pk if more and rows else None)


def my_appeals(user: User, *, before: int | None = None, limit: int = PAGE_SIZE) -> AppealPage:
    """Appeals the user filed, or that were filed for the resident the user is."""
    mine = Q(filed_by=user)
    if user.resident_id is not None:
        mine |= Q(resident_id=user.resident_id)
    return _page(Appeal.objects.filter(mine), before, limit)


def staff_appeals(
    scope: Scope,
    *,
    state: str = "",
    category: AppealCategory | None = None,
    overdue: bool = False,
    escalated: bool = False,
    before: int | None = None,
    now: datetime | None = None,
    limit: int = PAGE_SIZE,
) -> AppealPage:
    """One page of the staff list: only what a line of the list shows."""
    qs = listed_appeals(
        scope, state=state, category=category, overdue=overdue, escalated=escalated, now=now
    )
    # At most one sub-district: a bounded subtree, read through the path index. Wider
    # scopes (a district's administrators) hold most appeals: the newest ids come first.
    by_path = sum(len(path) <= STEP_LENGTH for path in scope.paths) <= 1
    return _page(qs, before, limit, related=_LIST_RELATED, fields=_LIST_FIELDS, by_path=by_path)


def listed_appeals(
    scope: Scope,
    *,
    state: str = "",
    category: AppealCategory | None = None,
    overdue: bool = False,
    escalated: bool = False,
    now: datetime | None = None,
) -> QuerySet[Appeal]:
    """The appeals the staff list shows for its filters (all of its pages), newest first:
    the page and its export."""
    now = now or timezone.now()
    qs = Appeal.objects.filter(scope.q()).select_related("category", "place", "resident")
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    if category is not None:
        qs = qs.filter(category=category)
    if overdue:
        qs = qs.filter(open_overdue_q(now))
    if escalated:
        qs = qs.filter(escalation_level__gt=0)
    return qs.order_by("-id")


def appeal_events(appeal: Appeal) -> list[AppealEvent]:
    return list(appeal.events.select_related("actor", "place").order_by("at", "id"))


def appeal_photos(appeal: Appeal) -> list[AppealPhoto]:
    return list(appeal.photos.order_by("position", "id"))


def _similar_area_q(appeal: Appeal) -> Q:
    """The same building group (and its households), or the building for an appeal about
    a whole building; appeals about the building itself are neighbours of every group."""
    group_len = KIND_DEPTH[PlaceKind.BUILDING_GROUP] * STEP_LENGTH
    building_len = KIND_DEPTH[PlaceKind.BUILDING] * STEP_LENGTH
    area = appeal.path[:group_len] if len(appeal.path) >= group_len else appeal.path
    return subtree_q(area) | Q(path=appeal.path[:building_len])


@dataclass
class Similar:
    appeal: Appeal
    score: float


def similar_appeals(
    appeal: Appeal,
    scope: Scope,
    *,
    threshold: float = SIMILARITY_THRESHOLD,
    limit: int = SIMILAR_LIMIT,
) -> list[Similar]:
    """Other open appeals at the same place or building group with similar text, best
    first (one query over the newest ``SIMILAR_CANDIDATES`` candidates)."""
    candidates = (
        Appeal.objects.filter(_similar_area_q(appeal), scope.q(), state__in=OPEN_STATES)
        .exclude(pk=appeal.pk)
        .select_related("category", "place")
        .order_by("-id")[:SIMILAR_CANDIDATES]
    )
    mine = features(appeal.text)
    scored = [Similar(c, similarity(mine, c.text)) for c in candidates]
    found = [s for s in scored if s.score >= threshold]
    found.sort(key=lambda s: (-s.score, -s.appeal.pk))
    return found[:limit]


def candidate_issues(appeal: Appeal, scope: Scope, *, limit: int = 20) -> list[Issue]:
    """Issues not yet done at the appeal's building group, building, block or neighborhood
    that the appeal could join."""
    low = KIND_DEPTH[PlaceKind.NEIGHBORHOOD]
    high = KIND_DEPTH[PlaceKind.BUILDING_GROUP]
    paths = [p for p in ancestor_paths(appeal.path) if low <= len(p) // STEP_LENGTH <= high]
    return list(
        Issue.objects.filter(scope.q(), path__in=paths)
        .exclude(state=IssueState.DONE)
        .select_related("place")
        .order_by("-id")[:limit]
    )


def appeals_by_ids(scope: Scope, ids: list[int]) -> list[Appeal]:
    """The appeals with these ids that lie in the scope (others are silently left out)."""
    return list(Appeal.objects.filter(scope.q(), pk__in=ids).order_by("pk"))


def issues_in_scope(scope: Scope, pk: int) -> Issue | None:
    return Issue.objects.filter(scope.q(), pk=pk).first()


# --- Rates (12345 hotline convention) ---------------------------------------------------


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in Beijing time: both days included."""
    return (
        datetime.combine(start, time.min, tzinfo=SHANGHAI),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI),
    )


def _rate_filters(start_at: datetime, end_at: datetime, now: datetime) -> dict[str, Q]:
    def within(field: str) -> Q:
        return Q(**{f"{field}__gte": start_at, f"{field}__lt": end_at})

    response_due = within("response_due_at") & (
        Q(response_due_at__lte=now) | Q(first_contacted_at__isnull=False)
    )
    rated = within("rated_at") & ~Q(rating="")
    closed = within("closed_at") & Q(state__in=CLOSED_STATES)
    open_overdue = (
        Q(state__in=OPEN_STATES) & within("resolution_due_at") & Q(resolution_due_at__lt=now)
    )
    return {
        "response_num": response_due & Q(first_contacted_at__lte=F("response_due_at")),
        "response_den": response_due,
        "resolution_num": rated & Q(rating_state=AppealState.RESOLVED, rating__in=GOOD_RATINGS),
        "resolution_den": rated,
        "satisfaction_num": rated & Q(rating__in=GOOD_RATINGS),
        "satisfaction_den": rated,
        "on_time_num": closed & Q(closed_at__lte=F("resolution_due_at")),
        "closed": closed,
        "open_overdue": open_overdue,
    }


RATE_KEYS = ("response", "resolution", "satisfaction", "on_time")


def _rates_from_counts(counts: dict[str, int]) -> dict[str, dict[str, object]]:
    result: dict[str, dict[str, object]] = {}
    for key in RATE_KEYS:
        num = counts.get(f"{key}_num") or 0
        if key == "on_time":
            den = (counts.get("closed") or 0) + (counts.get("open_overdue") or 0)
        else:
            den = counts.get(f"{key}_den") or 0
        result[key] = {
            "numerator": num,
            "denominator": den,
            "rate": num / den if den else None,
            "percent": round(num * 100 / den, 1) if den else None,
        }
    result["on_time"]["closed"] = counts.get("closed") or 0
    result["on_time"]["open_overdue"] = counts.get("open_overdue") or 0
    return result


def appeal_rates(
    place: Place, start: date, end: date, *, now: datetime | None = None
) -> dict[str, dict[str, object]]:
    """The four rates for the appeals under ``place`` in the period ``start``–``end``
    (both days included, Beijing time), in one aggregate query.

    Each rate is ``{"numerator", "denominator", "rate"}`` (``rate`` is None when nothing
    is counted); ``on_time`` also gives ``closed`` and ``open_overdue``. See
    ``RATE_DEFINITIONS`` in the rates template for the wording shown on screen.
    """
    now = now or timezone.now()
    start_at, end_at = period_bounds(start, end)
    filters = _rate_filters(start_at, end_at, now)
    any_counted = Q()
    for q in filters.values():
        any_counted |= q
    counts = (
        Appeal.objects.filter(subtree_q(place.path))
        .filter(any_counted)
        .aggregate(**{name: Count("id", filter=q) for name, q in filters.items()})
    )
    return _rates_from_counts(counts)


def appeal_rates_by_child(
    place: Place, children: list[Place], start: date, end: date, *, now: datetime | None = None
) -> dict[int, dict[str, dict[str, object]]]:
    """The four rates for each child of ``place`` (one grouped query)."""
    if not children:
        return {}
    now = now or timezone.now()
    start_at, end_at = period_bounds(start, end)
    filters = _rate_filters(start_at, end_at, now)
    any_counted = Q()
    for q in filters.values():
        any_counted |= q
    length = len(children[0].path)
    rows = (
        Appeal.objects.filter(subtree_q(place.path))
        .filter(any_counted)
        .order_by()
        .annotate(prefix=Substr("path", 1, length))
        .values("prefix")
        .annotate(**{name: Count("id", filter=q) for name, q in filters.items()})
    )
    by_prefix = {row.pop("prefix"): row for row in rows}
    return {c.pk: _rates_from_counts(by_prefix.get(c.path, {})) for c in children}
