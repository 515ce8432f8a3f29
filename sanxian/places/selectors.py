"""Reads of the territory tree shared by pages and the API, scoped to the user."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Substr
from django.http import Http404

from sanxian.accounts.models import Role
from sanxian.accounts.scope import Scope, get_scope
from sanxian.grids.models import Grid, GridTeamTerm
from sanxian.party.models import PartyMember
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH, subtree_q


def get_place_for_user(user, pk: int) -> Place:
    """The place with this id if the user's scope covers it, else 404."""
    scope = get_scope(user)
    place = Place.objects.select_related("grid").filter(pk=pk).first()
    if place is None or not scope.covers(place.path):
        raise Http404
    return place


def get_resident_for_user(user, pk: int) -> Resident:
    """The resident if the user's scope covers their home, else 404. Someone who moved
    out of a household is no business of the people living there now: only staff (and
    the person themself) open a departed resident."""
    scope = get_scope(user)
    resident = Resident.objects.select_related("household", "household__grid").filter(pk=pk).first()
    if resident is None or not scope.covers(resident.path):
        raise Http404
    if resident.departed and not scope.is_staff and user.resident_id != resident.pk:
        raise Http404
    return resident


# Who may see residents' identity card and phone numbers (the residents' committee that
# keeps the roster), besides the resident themself.
PERSONAL_DATA_ROLES = frozenset(
    {Role.SUBDISTRICT_ADMIN, Role.NEIGHBORHOOD_SECRETARY, Role.SOCIAL_WORKER}
)


def keeps_roster_of(user, resident: Resident) -> bool:
    """The user holds a roster-keeping role (administrator, the neighborhood's secretary,
    social worker) at a place covering the resident's home."""
    return any(
        a.role in PERSONAL_DATA_ROLES
        and a.place is not None
        and resident.path.startswith(a.place.path)
        for a in get_scope(user).assignments
    )


def may_see_personal_numbers(user, resident: Resident) -> bool:
    if user.resident_id == resident.pk:
        return True
    return keeps_roster_of(user, resident)


def may_record_departure(user, resident: Resident) -> bool:
    """Who records (or cancels) a resident's moving away: the staff keeping the roster
    (not the resident themself)."""
    return keeps_roster_of(user, resident)


def ancestors(place: Place) -> list[Place]:
    """The place's ancestors, root first (one query)."""
    paths = place.ancestor_paths()
    if not paths:
        return []
    return list(Place.objects.filter(path__in=paths).order_by("depth"))


@dataclass
class ChildRow:
    place: Place
    households: int = 0
    residents: int = 0
    party_members: int = 0
    grids: int = 0
    building_groups: int = 0


def _counts_by_prefix(qs: QuerySet, length: int, path_field: str = "path") -> dict[str, int]:
    rows = (
        qs.order_by()  # a default ordering would split the groups
        .annotate(prefix=Substr(path_field, 1, length))
        .values("prefix")
        .annotate(n=Count("id"))
        .values_list("prefix", "n")
    )
    return dict(rows)


def children_with_counts(place: Place, *, with_party: bool) -> list[ChildRow]:
    """The place's children, each with the counts of what lies under it.

    A constant number of queries whatever the size of the subtree: one per measure,
    grouped by the child's path prefix.
    """
    children = list(Place.objects.get_children(place).select_related("grid"))
    if not children:
        return []
    length = len(children[0].path)
    under = subtree_q(place.path)
    households = _counts_by_prefix(Place.objects.filter(under, kind=PlaceKind.HOUSEHOLD), length)
    residents = _counts_by_prefix(Resident.objects.current().filter(under), length)
    members: dict[str, int] = {}
    if with_party:
        members = _counts_by_prefix(PartyMember.objects.filter(under), length)
    grids: dict[str, int] = {}
    groups: dict[str, int] = {}
    if place.kind in (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD):
        grids = _counts_by_prefix(Grid.objects.filter(under), length)
    if place.kind in (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD, PlaceKind.BLOCK):
        groups = _counts_by_prefix(
            Place.objects.filter(under, kind=PlaceKind.BUILDING_GROUP), length
        )
    return [
        ChildRow(
            place=c,
            households=households.get(c.path, 0),
            residents=residents.get(c.path, 0),
            party_members=members.get(c.path, 0),
            grids=grids.get(c.path, 0),
            building_groups=groups.get(c.path, 0),
        )
        for c in children
    ]


def _count_subquery(qs: QuerySet[Any]) -> Subquery:
    """COUNT(*) of a queryset as a scalar subquery (grouped by a constant)."""
    return Subquery(
        qs.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def place_totals(place: Place, *, with_party: bool) -> dict[str, int]:
    """Households, residents (and party members) under a place, in one query."""
    under = subtree_q(place.path)
    counts = {
        "households": _count_subquery(Place.objects.filter(under, kind=PlaceKind.HOUSEHOLD)),
        "residents": _count_subquery(Resident.objects.current().filter(under)),
    }
    if with_party:
        counts["party_members"] = _count_subquery(PartyMember.objects.filter(under))
    # Prefixed names: "residents" is also a reverse relation of Place.
    aliased = {f"n_{key}": value for key, value in counts.items()}
    row = Place.objects.filter(pk=place.pk).order_by().annotate(**aliased).values(*aliased).get()
    return {key: int(row[f"n_{key}"] or 0) for key in counts}


def totals_from_children(children: list[ChildRow], *, with_party: bool) -> dict[str, int]:
    """A place's totals as the sum of its children's counts (no extra query).

    For a building group the children are the households themselves.
    """
    leaf = bool(children) and children[0].place.kind == PlaceKind.HOUSEHOLD
    totals = {
        "households": len(children) if leaf else sum(c.households for c in children),
        "residents": sum(c.residents for c in children),
    }
    if with_party:
        totals["party_members"] = sum(c.party_members for c in children)
    return totals


@dataclass
class FloorRow:
    floor: int
    households: list[Place] = field(default_factory=list)


def building_floors(building: Place) -> list[FloorRow]:
    """Households of a building laid out floor by floor, top floor first (two queries)."""
    households = list(
        Place.objects.filter(subtree_q(building.path), kind=PlaceKind.HOUSEHOLD)
        .annotate(resident_count=Count("residents", filter=Q(residents__moved_out__isnull=True)))
        .order_by("-floor", "room")
    )
    by_floor: dict[int, list[Place]] = defaultdict(list)
    for h in households:
        by_floor[h.floor or 0].append(h)
    top = max([building.floors or 0, *by_floor.keys()]) if by_floor else (building.floors or 0)
    return [FloorRow(floor=f, households=by_floor.get(f, [])) for f in range(top, 0, -1)]


@dataclass
class HouseholdPeople:
    current: list[Resident]
    # Moved out, most recent first.
    departed: list[Resident]


def household_people(household: Place) -> HouseholdPeople:
    """Who lives in the household now, and who moved out of it (one query)."""
    everyone = list(
        Resident.objects.filter(household=household)
        .select_related("party_member")
        .order_by("relation", "birth_year", "id")
    )
    departed = sorted(
        (r for r in everyone if r.moved_out is not None),
        key=lambda r: (r.moved_out, r.pk),
        reverse=True,
    )
    return HouseholdPeople(current=[r for r in everyone if r.moved_out is None], departed=departed)


def household_members(household: Place) -> list[Resident]:
    """The people living in the household now."""
    return household_people(household).current


SEARCH_LIMIT = 50


def search_residents(
    scope: Scope, query: str, *, limit: int = SEARCH_LIMIT, include_departed: bool = False
) -> list[Resident]:
    """Residents in scope matching a name, pinyin initials (``zxm``), full pinyin or a room.

    A query of Latin letters matches initials or full pinyin by prefix; a query with
    digits matches the room number; anything else matches the name.

    Only current residents, unless ``include_departed``: then those who moved out come
    after them (shown as such), except those whose personal data has been erased.
    """
    query = query.strip()
    if not query or scope.is_empty:
        return []
    building_path = Substr(OuterRef("path"), 1, KIND_DEPTH[PlaceKind.BUILDING] * STEP_LENGTH)
    people = (
        Resident.objects.filter(erased_at__isnull=True)
        if include_departed
        else Resident.objects.current()
    )
    base = (
        people.filter(scope.q())
        .select_related("household")
        .annotate(
            building_name=Subquery(Place.objects.filter(path=building_path).values("name")[:1])
        )
    )
    lowered = query.lower()
    if lowered.isascii() and lowered.isalpha():
        match = Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
    elif any(ch.isdigit() for ch in query):
        room = query.replace("室", "").strip()
        match = Q(household__room=room) | Q(household__room__startswith=room)
    else:
        match = Q(name__contains=query)
    order: list[Any] = ["name_initials", "id"]
    if include_departed:
        order.insert(0, F("moved_out").asc(nulls_first=True))  # current residents first
    return list(base.filter(match).order_by(*order)[:limit])


def resident_grid_terms(resident: Resident) -> list[GridTeamTerm]:
    return list(
        GridTeamTerm.objects.filter(resident=resident).select_related("grid").order_by("-starts_on")
    )


def resident_party_member(resident: Resident) -> PartyMember | None:
    return PartyMember.objects.filter(resident=resident).select_related("group").first()
