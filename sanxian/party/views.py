from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanxian.places.selectors import get_place_for_user as get_structure_node_for_user
from sanxian.party.structure import check_structure


@login_required
def structure_check(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_structure_node_for_user(request.user, pk)
    gaps = check_structure(place)
    return render(request, "party/structure.html", {"place": place, "gaps": gaps})
