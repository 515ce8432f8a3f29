from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanxian.party.selectors import get_structure_node_for_user
from sanxian.party.structure import check_structure, group_gaps, summary_counts


@login_required
def structure_check(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_structure_node_for_user(request.user, pk)
    gaps = check_structure(place)
    errors, warnings = summary_counts(gaps)
    return render(
        request,
        "party/structure.html",
        {
            "place": place,
            "gaps": gaps,
            "groups": group_gaps(gaps),
            "errors": errors,
            "warnings": warnings,
        },
    )
