from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from sanxian.accounts.scope import get_scope
from sanxian.grids import selectors
from sanxian.grids.models import GridRole
from sanxian.places.selectors import ancestors


@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request.user)
    grid = selectors.get_grid_for_user(request.user, pk)
    building_groups = selectors.grid_building_groups(grid)
    current, history = selectors.grid_team(grid)
    crumbs: list[dict[str, str | None]] = [
        {
            "label": node.name,
            "url": reverse("places:detail", args=[node.pk]) if scope.covers(node.path) else None,
        }
        for node in [*ancestors(grid.block), grid.block]
    ]
    crumbs.append({"label": grid.name, "url": None})
    return render(
        request,
        "grids/grid.html",
        {
            "grid": grid,
            "building_groups": building_groups,
            "team": [(GridRole(role), current[role]) for role in current],
            "history": [t for t in history if t.ends_on is not None],
            "party_group": selectors.grid_party_group(grid) if scope.is_party else None,
            "members": (
                selectors.grid_party_members(grid, building_groups) if scope.is_party else []
            ),
            "households": selectors.grid_households(building_groups),
            "show_party": scope.is_party,
            "breadcrumbs": crumbs,
        },
    )
