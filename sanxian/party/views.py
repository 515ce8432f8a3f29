from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxian.party import exports, services
from sanxian.party.selectors import can_fix_structure, get_structure_node_for_user
from sanxian.party.structure import (
    FixAction,
    FixKind,
    check_structure,
    group_gaps,
    summary_counts,
)
from sanxian.places.errors import DomainError

FIX_KINDS = [
    FixKind.ATTACH_BUILDING_GROUP,
    FixKind.JOIN_PARTY_GROUP,
    FixKind.CREATE_PARTY_GROUP,
    FixKind.MOVE_PARTY_GROUP,
]


class FixForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in FIX_KINDS])
    subject = forms.IntegerField(min_value=1)
    target = forms.IntegerField(min_value=1)


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
            "can_fix": can_fix_structure(request.user, place),
        },
    )


@login_required
def structure_gaps_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The gaps the check lists, as a workbook."""
    place = get_structure_node_for_user(request.user, pk)
    return exports.structure_gaps_xlsx(request, place)


@login_required
@require_POST
def structure_fix(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply one suggested fix, then show the check again."""
    place = get_structure_node_for_user(request.user, pk)
    if not can_fix_structure(request.user, place):
        raise Http404
    form = FixForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This fix was not understood. Nothing was changed."))
        return redirect("party:structure", pk=place.pk)
    action = FixAction(
        form.cleaned_data["kind"], form.cleaned_data["subject"], form.cleaned_data["target"]
    )
    try:
        done = services.apply_structure_fix(node=place, action=action)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("party:structure", pk=place.pk)
