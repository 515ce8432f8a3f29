"""Reads of the territory tree shared by pages and the API, scoped to the user."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Substr
from django.http import Http404

from sanxian.accounts.models import Role
from sanxian.accounts.scope import Scope, get_scope
from sanxian.grids.models import Grid, GridTeamTerm
from sanxian.party.models import PartyMember
from sanxian.places.models import CHILD_KIND, KIND_DEPTH, Place, PlaceKind, Resident
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


def place_children(place: Place) -> list[Place]:
    """The place's children in path order, with their grid (one query).

    Every child of a place is of the kind below it, so the query runs on the (kind, path)
    index over the children alone, rather than over the whole subtree filtered by depth.
    """
    kind = CHILD_KIND.get(PlaceKind(place.kind))
    if kind is None:
        return []
    return list(
        Place.objects.filter(subtree_q(place.path), kind=kind, depth=place.depth + 1)
        .select_related("grid")
        .order_by("path")
    )


@dataclass
class ChildRow:
    place: Place
    households: int = 0
    residents: int = 0
    party_members: int = 0
    grids: int = 0
    building_groups: int = 0


def children_with_counts(
    place: Place, *, with_party: bool, children: list[Place] | None = None
) -> list[ChildRow]:
    """The place's children (``children`` when already read), each with the counts of
    what lies under it.

    One query whatever the size of the subtree: each measure grouped by the child's path
    prefix, the measures joined by UNION ALL.
    """
    if children is None:
        children = place_children(place)
    if not children:
        return []
    length = len(children[0].path)
    under = subtree_q(place.path)
    kinds = [PlaceKind.HOUSEHOLD]
    if place.kind in (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD, PlaceKind.BLOCK):
        kinds.append(PlaceKind.BUILDING_GROUP)
    # Places are grouped by kind as well: "household" and "building_group" are measures.
    parts = [_grouped(Place.objects.filter(under, kind__in=kinds), F("kind"), length)]
    parts.append(_grouped(Resident.objects.current().filter(under), Value("residents"), length))
    if with_party:
        parts.append(_grouped(PartyMember.objects.filter(under), Value("party_members"), length))
    if place.kind in (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD):
        parts.append(_grouped(Grid.objects.filter(under), Value("grids"), length))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for measure, prefix, n in parts[0].union(*parts[1:], all=True):
        counts[measure][prefix] = n
    return [
        ChildRow(
            place=c,
            households=counts[PlaceKind.HOUSEHOLD].get(c.path, 0),
            residents=counts["residents"].get(c.path, 0),
            party_members=counts["party_members"].get(c.path, 0),
            grids=counts["grids"].get(c.path, 0),
            building_groups=counts[PlaceKind.BUILDING_GROUP].get(c.path, 0),
        )
        for c in children
    ]


def _grouped(qs: QuerySet[Any], measure: F | Value, length: int) -> QuerySet[Any]:
    """``(measure, path prefix, count)`` rows of ``qs`` grouped by the prefix."""
    return (
        qs.order_by()  # a default ordering would split the groups
        .annotate(measure=measure, prefix=Substr("path", 1, length))
        .values("measure", "prefix")
        .annotate(n=Count("*"))
        .values_list("measure", "prefix", "n")
    )


# Places whose tree page reads its children's counts from the structure snapshot of the
# roll-ups rather than counting their subtrees live: a sub-district holds tens of
# thousands of residents, and the page would otherwise slow down as the sub-district
# grows. Smaller places are counted live (their subtrees are bounded).
SNAPSHOT_KINDS = frozenset({PlaceKind.SUBDISTRICT})
# The tree page's measures, as the structure snapshot names its metrics.
SNAPSHOT_METRICS = ("households", "residents", "party_members", "grids", "building_groups")


@dataclass
class TreeChildren:
    rows: list[ChildRow]
    # The day of the roll-up snapshot the counts come from; None when counted live.
    counted_on: date | None = None


def tree_children(place: Place, *, with_party: bool) -> TreeChildren:
    """The children of a place with their counts for its tree page.

    A sub-district's come from the latest structure snapshot of the roll-ups (refreshed
    with them), in two queries whatever its size; when its tree has no snapshot yet, and
    for every smaller place, they are counted live (``children_with_counts``).
    """
    children = place_children(place)
    if children and place.kind in SNAPSHOT_KINDS:
        snapshot = children_from_snapshot(place, children, with_party=with_party)
        if snapshot is not None:
            return snapshot
    return TreeChildren(children_with_counts(place, with_party=with_party, children=children))


def children_from_snapshot(
    place: Place, children: list[Place], *, with_party: bool
) -> TreeChildren | None:
    """The place's children (nodes of the roll-ups: neighborhoods, blocks) with the counts
    of the latest structure snapshot of its sub-district's roll-ups (one query); None when
    there is no snapshot to read."""
    from sanxian.dashboards.measures import snapshot_families
    from sanxian.dashboards.models import DailyRollup

    families = snapshot_families()
    latest = (
        DailyRollup.objects.filter(root=place.path[:STEP_LENGTH], family__in=families)
        .order_by("-day")
        .values("day")[:1]
    )
    rows = DailyRollup.objects.filter(
        node__in=[c.path for c in children],
        family__in=families,
        metric__in=SNAPSHOT_METRICS,
        day=Subquery(latest),
    ).values_list("node", "metric", "value", "day")
    values: dict[str, dict[str, int]] = defaultdict(dict)
    day: date | None = None
    for node, metric, value, on in rows:
        values[node][metric] = int(value)
        day = on
    if day is None:
        return None
    return TreeChildren(
        [
            ChildRow(
                place=c,
                households=values[c.path].get("households", 0),
                residents=values[c.path].get("residents", 0),
                party_members=values[c.path].get("party_members", 0) if with_party else 0,
                grids=values[c.path].get("grids", 0),
                building_groups=values[c.path].get("building_groups", 0),
            )
            for c in children
        ],
        counted_on=day,
    )


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
