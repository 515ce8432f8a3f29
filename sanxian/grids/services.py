"""Writes for grids and their three-person teams."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from sanxian.grids.models import Grid, GridRole, GridTeamTerm
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind, Resident


@transaction.atomic
def create_grid(*, block: Place, number: int, name: str = "") -> Grid:
    if block.kind != PlaceKind.BLOCK:
        raise DomainError(_("A grid belongs to a management block."))
    return Grid.objects.create(
        block=block, path=block.path, number=number, name=name or _("Grid %(n)s") % {"n": number}
    )


@transaction.atomic
def attach_building_group(*, grid: Grid, building_group: Place) -> Place:
    """Put a building group into a grid (moving it out of any other grid)."""
    if building_group.kind != PlaceKind.BUILDING_GROUP:
        raise DomainError(_("Only building groups can be attached to a grid."))
    if not building_group.path.startswith(grid.path):
        raise DomainError(_("A grid never crosses a management block."))
    building_group.grid = grid
    building_group.save(update_fields=["grid"])
    return building_group


@transaction.atomic
def appoint_team_member(
    *, grid: Grid, role: str, resident: Resident, starts_on: date
) -> GridTeamTerm:
    """Start a term in one of the three team roles, ending the current holder's term."""
    GridRole(role)
    current = (
        GridTeamTerm.objects.select_for_update()
        .filter(grid=grid, role=role, ends_on__isnull=True)
        .first()
    )
    if current is not None:
        if current.resident_id == resident.pk:
            return current
        if starts_on <= current.starts_on:
            raise DomainError(_("A new term must start after the current one began."))
        current.ends_on = starts_on
        current.save(update_fields=["ends_on"])
    return GridTeamTerm.objects.create(grid=grid, role=role, resident=resident, starts_on=starts_on)


@transaction.atomic
def end_team_term(*, term: GridTeamTerm, ends_on: date) -> GridTeamTerm:
    if ends_on < term.starts_on:
        raise DomainError(_("A term cannot end before it starts."))
    term.ends_on = ends_on
    term.save(update_fields=["ends_on"])
    return term
