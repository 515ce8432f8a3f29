"""What the home page shows each role: the places and grids that need them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from sanxian.accounts.models import GRID_ROLES, Role, RoleAssignment
from sanxian.accounts.scope import Scope
from sanxian.appeals.models import OPEN_STATES, Appeal
from sanxian.appeals.selectors import open_overdue_q
from sanxian.grids.models import Grid, GridTeamTerm
from sanxian.issues.models import Issue, IssueState
from sanxian.party.structure import check_structure
from sanxian.places.models import Place
from sanxian.places.paths import subtree_q
from sanxian.places.selectors import place_totals


@dataclass
class HomeCard:
    assignment: RoleAssignment
    place: Place | None = None
    grid: Grid | None = None
    totals: dict[str, int] = field(default_factory=dict)
    gap_count: int | None = None
    team: list[GridTeamTerm] = field(default_factory=list)
    work: dict[str, int] = field(default_factory=dict)
    grid_page: bool = False  # whether the user may open the grid's page


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
            card.work = open_work(a.place.path)
        elif a.role in GRID_ROLES and a.grid is not None:
            card.team = _current_team(a.grid)
        elif a.role in (Role.RESIDENT, Role.PARTY_MEMBER) and a.place is not None:
            grid = _grid_of(a.place)
            card.grid = grid
            if grid is not None:
                card.team = _current_team(grid)
        if card.grid is not None:
            card.grid_page = scope.sees_grid(card.grid.pk, card.grid.path)
        cards.append(card)
    return cards


def open_work(path: str) -> dict[str, int]:
    """Open appeals, overdue appeals and issues in progress under a place (two queries)."""
    now = timezone.now()
    under = subtree_q(path)
    appeals = Appeal.objects.filter(under).aggregate(
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("id", filter=open_overdue_q(now)),
    )
    issues = Issue.objects.filter(under).aggregate(
        active=Count("id", filter=~Q(state__in=[IssueState.DONE, IssueState.SHELVED])),
    )
    return {
        "open_appeals": appeals["open"],
        "overdue_appeals": appeals["overdue"],
        "active_issues": issues["active"],
    }


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
