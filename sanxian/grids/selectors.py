"""Reads of grids and their teams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from django.db.models import Count, IntegerField, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import Http404

from sanxian.accounts.scope import get_scope
from sanxian.grids.models import Grid, GridRole, GridTeamTerm
from sanxian.party.models import MemberCategory, PartyMember, PartyOrg
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH, any_subtree_q, subtree_q

M = TypeVar("M", bound=Model)


def get_grid_for_user(user, pk: int) -> Grid:
    """The grid (with its block and party group) if the user's scope reaches it, else 404."""
    scope = get_scope(user)
    grid = Grid.objects.select_related("block", "party_group").filter(pk=pk).first()
    if grid is None or not scope.sees_grid(grid.pk, grid.path):
        raise Http404
    return grid


class GridNode(NamedTuple):
    """A place on the grid page: the block's ancestors (breadcrumbs) and the building
    groups (with their building's name)."""

    pk: int
    path: str
    kind: str
    name: str
    building_name: str | None = None


class HouseholdRoom(NamedTuple):
    """A household as the grid page lays it out: its id, room (or name when it has no room
    number) and how many people live there now."""

    pk: int
    path: str
    label: str
    resident_count: int


@dataclass
class GridPlaces:
    # The ancestors of the grid's block, root first.
    ancestors: list[GridNode]
    # The grid's building groups in path order.
    building_groups: list[GridNode]
    # Each building group with its households in path order.
    households: list[tuple[GridNode, list[HouseholdRoom]]]


BUILDING_LENGTH = KIND_DEPTH[PlaceKind.BUILDING] * STEP_LENGTH
BUILDING_GROUP_LENGTH = KIND_DEPTH[PlaceKind.BUILDING_GROUP] * STEP_LENGTH


def grid_places(grid: Grid) -> GridPlaces:
    """The places of the grid page in one query, as plain values: the block's ancestors,
    the block's buildings (for their names), the grid's building groups and their
    households, each household with the number of people living there now."""
    ancestor_paths = grid.block.ancestor_paths()
    in_grid = Place.objects.filter(kind=PlaceKind.BUILDING_GROUP, grid=grid).values("path")
    living = (
        Resident.objects.filter(household=OuterRef("pk"), moved_out__isnull=True)
        .order_by()
        .values("household")
        .annotate(n=Count("*"))
        .values("n")
    )
    in_block = Q(kind=PlaceKind.BUILDING) | Q(kind=PlaceKind.BUILDING_GROUP, grid=grid)
    in_block |= Q(kind=PlaceKind.HOUSEHOLD, group_path__in=in_grid)
    rows = (
        Place.objects.alias(group_path=Substr("path", 1, BUILDING_GROUP_LENGTH))
        .filter(Q(path__in=ancestor_paths) | (subtree_q(grid.path) & in_block))
        .annotate(residents_now=Subquery(living, output_field=IntegerField()))
        .order_by("path")
        .values_list("pk", "path", "kind", "name", "room", "residents_now")
    )
    ancestors: list[GridNode] = []
    buildings: dict[str, str] = {}
    groups: list[GridNode] = []
    rooms: dict[str, list[HouseholdRoom]] = {}
    for pk, path, kind, name, room, residents_now in rows:
        if kind == PlaceKind.HOUSEHOLD:
            rooms[path[:BUILDING_GROUP_LENGTH]].append(
                HouseholdRoom(pk, path, room or name, residents_now or 0)
            )
        elif kind == PlaceKind.BUILDING_GROUP:
            group = GridNode(pk, path, kind, name, buildings.get(path[:BUILDING_LENGTH]))
            groups.append(group)
            rooms[path] = []
        elif kind == PlaceKind.BUILDING:
            buildings[path] = name
        else:
            ancestors.append(GridNode(pk, path, kind, name))
    return GridPlaces(
        ancestors=ancestors,
        building_groups=groups,
        households=[(bg, rooms[bg.path]) for bg in groups],
    )


def grid_team(grid: Grid) -> tuple[dict[str, GridTeamTerm | None], list[GridTeamTerm]]:
    """The current holder of each of the three roles, and the full term history."""
    terms = list(
        GridTeamTerm.objects.filter(grid=grid)
        .select_related("resident", "resident__household")
        .order_by("role", "-starts_on")
    )
    current: dict[str, GridTeamTerm | None] = dict.fromkeys(GridRole.values)
    for term in terms:
        if term.ends_on is None:
            current[term.role] = term
    return current, terms


def grid_party_group(grid: Grid) -> PartyOrg | None:
    """The grid's party group (read with the grid by ``get_grid_for_user``)."""
    try:
        return grid.party_group
    except PartyOrg.DoesNotExist:
        return None


class GridMember(NamedTuple):
    """One line of the grid page's party member list (plain values, no model instances)."""

    pk: int
    name: str
    category: str
    category_label: str
    # The resident the member is, and their household's name (None for members employed
    # elsewhere who serve in the grid).
    resident_id: int | None
    household_name: str | None
    group_id: int | None


def grid_party_members(grid: Grid, building_groups: Sequence[GridNode | Place]) -> list[GridMember]:
    """Members living in the grid's building groups or registered to serve in it (one
    query, only the columns the page shows)."""
    paths = [bg.path for bg in building_groups]
    labels = {value: str(label) for value, label in MemberCategory.choices}
    # Both kinds of member lie under the grid's block (registered members carry the
    # block's path): its range keeps the query on the path index.
    rows = (
        _under_any(PartyMember.objects.filter(subtree_q(grid.path)), paths, _serving(grid))
        .order_by("path", "id")
        .values_list(
            "pk", "name", "category", "resident_id", "resident__household__name", "group_id"
        )
    )
    return [
        GridMember(
            pk=pk,
            name=name,
            category=category,
            category_label=labels.get(category, category),
            resident_id=resident_id,
            household_name=household_name,
            group_id=group_id,
        )
        for pk, name, category, resident_id, household_name, group_id in rows
    ]


def _serving(grid: Grid) -> Q:
    return Q(serving_grid=grid)


def _under_any(qs: QuerySet[M], paths: list[str], *alternatives: Q) -> QuerySet[M]:
    """The rows of ``qs`` under one of ``paths`` (or matching one of ``alternatives``).

    Paths of one length (building groups) are tested as one ``IN`` on the path's prefix,
    a single lookup whatever their number, rather than a pair of range lookups each: the
    caller's range of their common ancestor is what the index serves.
    """
    lengths = {len(path) for path in paths}
    if len(lengths) != 1:
        either = any_subtree_q(paths)
        for alternative in alternatives:
            either |= alternative
        return qs.filter(either)
    either = Q(under_prefix__in=paths)
    for alternative in alternatives:
        either |= alternative
    return qs.alias(under_prefix=Substr("path", 1, lengths.pop())).filter(either)


def grid_resident_count(building_groups: Sequence[GridNode | Place]) -> int:
    return (
        Resident.objects.current()
        .filter(any_subtree_q([bg.path for bg in building_groups]))
        .count()
    )
