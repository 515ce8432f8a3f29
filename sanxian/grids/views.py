from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from sanxian.accounts.scope import get_scope
from sanxian.grids import selectors
from sanxian.grids.models import GridRole
from sanxian.grids.selectors import GridNode
from sanxian.places.links import id_url_maker
from sanxian.places.models import Place


@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A grid: its building groups, three-person team, party group and members (party
    roles only), and its households room by room."""
    scope = get_scope(request.user)
    grid = selectors.get_grid_for_user(request.user, pk)
    places = selectors.grid_places(grid)
    building_groups = places.building_groups
    current, history = selectors.grid_team(grid)
    nodes: list[GridNode | Place] = [*places.ancestors, grid.block]
    crumbs: list[dict[str, str | None]] = [
        {
            "label": node.name,
            "url": reverse("places:detail", args=[node.pk]) if scope.covers(node.path) else None,
        }
        for node in nodes
    ]
    crumbs.append({"label": grid.name, "url": None})
    party_group = selectors.grid_party_group(grid) if scope.is_party else None
    group_id = party_group.pk if party_group is not None else None
    members = selectors.grid_party_members(grid, building_groups) if scope.is_party else []
    resident_url = id_url_maker("places:resident")
    return render(
        request,
        "grids/grid.html",
        {
            "grid": grid,
            "building_groups": building_groups,
            "team": [(GridRole(role), current[role]) for role in current],
            "history": [t for t in history if t.ends_on is not None],
            "party_group": party_group,
            # Each member with the link to their resident page (None for members who
            # serve here without living here) and whether they belong to another group.
            "members": [
                (
                    member,
                    resident_url(member.resident_id) if member.resident_id else None,
                    group_id is None or member.group_id != group_id,
                )
                for member in members
            ],
            "households": places.households,
            "show_party": scope.is_party,
            "breadcrumbs": crumbs,
        },
    )
