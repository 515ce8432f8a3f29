"""Reads of grids and their teams."""

from __future__ import annotations

from django.http import Http404

from sanxian.accounts.scope import get_scope
from sanxian.grids.models import Grid, GridRole, GridTeamTerm
from sanxian.party.models import PartyMember, PartyOrg
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.places.paths import any_subtree_q


def get_grid_for_user(user, pk: int) -> Grid:  # type: ignore[no-untyped-def]
    scope = get_scope(user)
    grid = Grid.objects.select_related("block").filter(pk=pk).first()
    if grid is None or not scope.sees_grid(grid.pk, grid.path):
        raise Http404
    return grid


def grid_building_groups(grid: Grid) -> list[Place]:
    return list(
        Place.objects.filter(kind=PlaceKind.BUILDING_GROUP, grid=grid).order_by("path")
    )


def grid_team(grid: Grid) -> tuple[dict[str, GridTeamTerm | None], list[GridTeamTerm]]:
    """The current holder of each of the three roles, and the full term history."""
    terms = list(
        GridTeamTerm.objects.filter(grid=grid)
        .select_related("resident", "resident__household")
        .order_by("role", "-starts_on")
    )
    current: dict[str, GridTeamTerm | None] = {role: None for role in GridRole.values}
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


def _serving(grid: Grid):  # type: ignore[no-untyped-def]
    from django.db.models import Q

    return Q(serving_grid=grid)


def grid_households(building_groups: list[Place]) -> list[Place]:
    from django.db.models import Count

    paths = [bg.path for bg in building_groups]
    return list(
        Place.objects.filter(any_subtree_q(paths), kind=PlaceKind.HOUSEHOLD)
        .annotate(resident_count=Count("residents"))
        .order_by("path")
    )


def grid_resident_count(building_groups: list[Place]) -> int:
    return Resident.objects.filter(any_subtree_q([bg.path for bg in building_groups])).count()
