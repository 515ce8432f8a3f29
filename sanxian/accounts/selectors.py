"""What the home page shows each role: the places and grids that need them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sanxian.accounts.models import GRID_ROLES, Role, RoleAssignment
from sanxian.accounts.scope import Scope
from sanxian.grids.models import Grid, GridTeamTerm
from sanxian.party.structure import check_structure
from sanxian.places.models import Place
from sanxian.places.selectors import place_totals


@dataclass
class HomeCard:
    assignment: RoleAssignment
    place: Place | None = None
    grid: Grid | None = None
    totals: dict[str, int] = field(default_factory=dict)
    gap_count: int | None = None
    team: list[GridTeamTerm] = field(default_factory=list)


PLACE_STAFF_ROLES = {
    Role.SUBDISTRICT_ADMIN,
    Role.NEIGHBORHOOD_SECRETARY,
    Role.SOCIAL_WORKER,
    Role.BRANCH_SECRETARY,
}


def home_cards(scope: Scope) -> list[HomeCard]:
    """One card per current role assignment, with what that role should look at."""
    cards: list[HomeCard] = []
    for a in scope.assignments:
        card = HomeCard(assignment=a, place=a.place, grid=a.grid)
        if a.role in PLACE_STAFF_ROLES and a.place is not None:
            card.totals = place_totals(a.place, with_party=scope.is_party)
            card.gap_count = len(check_structure(a.place))
        elif a.role in GRID_ROLES and a.grid is not None:
            card.team = _current_team(a.grid)
        elif a.role in (Role.RESIDENT, Role.PARTY_MEMBER) and a.place is not None:
            grid = _grid_of(a.place)
            card.grid = grid
            if grid is not None:
                card.team = _current_team(grid)
        cards.append(card)
    return cards


def _current_team(grid: Grid) -> list[GridTeamTerm]:
    return list(
        GridTeamTerm.objects.filter(grid=grid, ends_on__isnull=True)
        .select_related("resident")
        .order_by("role")
    )


def _grid_of(place: Place) -> Grid | None:
    """The grid of the building group a household (or building group) lies in."""
    paths = [place.path[:i] for i in range(place.steplen, len(place.path) + 1, place.steplen)]
    group = (
        Place.objects.filter(path__in=paths, grid__isnull=False)
        .select_related("grid")
        .order_by("-depth")
        .first()
    )
    return group.grid if group is not None else None
