from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxian.accounts.scope import get_scope
from sanxian.personal_data import mask
from sanxian.places import selectors, services
from sanxian.places.errors import DomainError
from sanxian.places.forms import DepartureForm
from sanxian.places.models import Place, PlaceKind, Resident


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
        people = selectors.household_people(place)
        context["members"] = people.current
        # Who moved out is for the staff keeping the roster, not for the next tenant.
        context["departed"] = people.departed if scope.is_staff else []
        return render(request, "places/household.html", context)
    if not scope.is_staff:
        raise Http404  # residents see their own household only
    tree = selectors.tree_children(place, with_party=scope.is_party)
    context["children"] = tree.rows
    context["counted_on"] = tree.counted_on
    context["totals"] = selectors.totals_from_children(tree.rows, with_party=scope.is_party)
    if place.kind == PlaceKind.BUILDING:
        context["floors"] = selectors.building_floors(place)
        return render(request, "places/building.html", context)
    return render(request, "places/place.html", context)


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.get_resident_for_user(request.user, pk)
    return _resident_page(request, resident)


@login_required
@require_POST
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one full number once, for the reason given (written to the audit log)."""
    resident = selectors.get_resident_for_user(request.user, pk)
    if not selectors.may_see_personal_numbers(request.user, resident):
        raise Http404
    field = request.POST.get("field", "")
    try:
        value = services.reveal_personal_number(
            resident=resident, field=field, reason=request.POST.get("reason", ""), request=request
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return _resident_page(request, resident, status=400)
    return _resident_page(request, resident, revealed={field: value})


@login_required
@require_POST
def resident_departure(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the resident moved away (staff keeping the roster only)."""
    resident = selectors.get_resident_for_user(request.user, pk)
    if not selectors.may_record_departure(request.user, resident):
        raise Http404
    form = DepartureForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return _resident_page(request, resident, departure_form=form, status=400)
    on = form.cleaned_data["moved_out"]
    try:
        services.record_departure(resident=resident, on=on, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _resident_page(request, resident, departure_form=form, status=400)
    messages.success(
        request,
        _("%(name)s is recorded as moved out on %(date)s.")
        % {"name": resident.name, "date": formats.date_format(on, "DATE_FORMAT")},
    )
    return redirect("places:resident", pk=resident.pk)


@login_required
@require_POST
def resident_departure_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a departure recorded by mistake (before the personal data is erased)."""
    resident = selectors.get_resident_for_user(request.user, pk)
    if not selectors.may_record_departure(request.user, resident):
        raise Http404
    try:
        services.cancel_departure(resident=resident, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _resident_page(request, resident, status=400)
    messages.success(
        request, _("The departure of %(name)s is cancelled.") % {"name": resident.name}
    )
    return redirect("places:resident", pk=resident.pk)


def _resident_page(
    request: HttpRequest,
    resident: Resident,
    *,
    revealed: dict[str, str] | None = None,
    departure_form: DepartureForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = get_scope(request.user)
    household = resident.household
    may_record_departure = selectors.may_record_departure(request.user, resident)
    if may_record_departure and departure_form is None and not resident.departed:
        departure_form = DepartureForm(initial={"moved_out": timezone.localdate()})
    response = render(
        request,
        "places/resident.html",
        {
            "resident": resident,
            "personal": selectors.may_see_personal_numbers(request.user, resident),
            "revealed": revealed or {},
            "masked_id": mask(resident.id_number_last4, services.ID_NUMBER_LENGTH),
            "masked_phone": mask(resident.phone_last4, 11),
            "household": household,
            "housemates": [
                r for r in selectors.household_members(household) if r.pk != resident.pk
            ],
            "may_record_departure": may_record_departure,
            "departure_form": departure_form,
            "today": timezone.localdate(),
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
        status=status,
    )
    if revealed:
        response["Cache-Control"] = "private, no-store"
    return response


@login_required
def search(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    if not scope.is_staff:
        raise Http404
    query = request.GET.get("q", "")[:50]
    results = selectors.search_residents(scope, query, include_departed=True)
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
