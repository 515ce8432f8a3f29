"""Reads of grids and their teams."""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.http import Http404

from sanxian.accounts.scope import get_scope
from sanxian.grids.models import Grid, GridRole, GridTeamTerm
from sanxian.party.models import PartyMember, PartyOrg
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH, any_subtree_q


def get_grid_for_user(user, pk: int) -> Grid:
    scope = get_scope(user)
    grid = Grid.objects.select_related("block").filter(pk=pk).first()
    if grid is None or not scope.sees_grid(grid.pk, grid.path):
        raise Http404
    return grid


def grid_building_groups(grid: Grid) -> list[Place]:
    building_path = Substr(OuterRef("path"), 1, KIND_DEPTH[PlaceKind.BUILDING] * STEP_LENGTH)
    return list(
        Place.objects.filter(kind=PlaceKind.BUILDING_GROUP, grid=grid)
        .annotate(
            building_name=Subquery(Place.objects.filter(path=building_path).values("name")[:1])
        )
        .order_by("path")
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
    return PartyOrg.objects.filter(grid=grid).first()


def grid_party_members(grid: Grid, building_groups: list[Place]) -> list[PartyMember]:
    """Members living in the grid's building groups or registered to serve in it."""
    paths = [bg.path for bg in building_groups]
    return list(
        PartyMember.objects.filter(any_subtree_q(paths) | _serving(grid))
        .select_related("resident", "resident__household", "group")
        .order_by("path", "id")
    )


def _serving(grid: Grid) -> Q:
    return Q(serving_grid=grid)


def grid_households(building_groups: list[Place]) -> list[tuple[Place, list[Place]]]:
    """The grid's households grouped by building group (one query)."""
    from django.db.models import Count

    paths = [bg.path for bg in building_groups]
    households = (
        Place.objects.filter(any_subtree_q(paths), kind=PlaceKind.HOUSEHOLD)
        .annotate(resident_count=Count("residents", filter=Q(residents__moved_out__isnull=True)))
        .order_by("path")
    )
    grouped: dict[str, list[Place]] = {bg.path: [] for bg in building_groups}
    for household in households:
        grouped[household.path[: len(building_groups[0].path)]].append(household)
    return [(bg, grouped[bg.path]) for bg in building_groups]


def grid_resident_count(building_groups: list[Place]) -> int:
    return (
        Resident.objects.current()
        .filter(any_subtree_q([bg.path for bg in building_groups]))
        .count()
    )
