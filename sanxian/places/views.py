from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from sanxian.accounts.scope import get_scope
from sanxian.places import selectors
from sanxian.places.models import Place, PlaceKind


def breadcrumbs_for(place: Place, scope) -> list[dict[str, str | None]]:
    """Ancestors as breadcrumbs; only those inside the user's scope are links."""
    crumbs: list[dict[str, str | None]] = []
    for node in [*selectors.ancestors(place), place]:
        url = reverse("places:detail", args=[node.pk]) if scope.covers(node.path) else None
        crumbs.append({"label": node.name, "url": url})
    if crumbs:
        crumbs[-1]["url"] = None
    return crumbs


@login_required
def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request.user)
    place = selectors.get_place_for_user(request.user, pk)
    context: dict[str, object] = {
        "place": place,
        "breadcrumbs": breadcrumbs_for(place, scope),
        "show_party": scope.is_party,
    }
    if place.kind == PlaceKind.HOUSEHOLD:
        context["members"] = selectors.household_members(place)
        return render(request, "places/household.html", context)
    if not scope.is_staff:
        raise Http404  # residents see their own household only
    children = selectors.children_with_counts(place, with_party=scope.is_party)
    context["children"] = children
    context["totals"] = selectors.totals_from_children(children, with_party=scope.is_party)
    if place.kind == PlaceKind.BUILDING:
        context["floors"] = selectors.building_floors(place)
        return render(request, "places/building.html", context)
    return render(request, "places/place.html", context)


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request.user)
    resident = selectors.get_resident_for_user(request.user, pk)
    household = resident.household
    return render(
        request,
        "places/resident.html",
        {
            "resident": resident,
            "household": household,
            "housemates": [
                r for r in selectors.household_members(household) if r.pk != resident.pk
            ],
            "grid_terms": selectors.resident_grid_terms(resident),
            "party_member": selectors.resident_party_member(resident) if scope.is_party else None,
            "show_party": scope.is_party,
            "breadcrumbs": [
                *breadcrumbs_for(household, scope)[:-1],
                {
                    "label": household.name,
                    "url": reverse("places:detail", args=[household.pk]),
                },
                {"label": resident.name, "url": None},
            ],
        },
    )


@login_required
def search(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    if not scope.is_staff:
        raise Http404
    query = request.GET.get("q", "")[:50]
    results = selectors.search_residents(scope, query)
    template = (
        "places/_search_results.html"
        if request.headers.get("HX-Request")
        else ("places/search.html")
    )
    return render(
        request,
        template,
        {"query": query, "results": results, "limit": selectors.SEARCH_LIMIT},
    )
