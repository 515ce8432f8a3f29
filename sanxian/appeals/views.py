"""Appeal pages: thin views that parse input, call a selector or a service, and render.

Writes are POST-only with CSRF, redirect after success (PRG) and re-render with a message
and status 400 on bad input, changing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanxian.accounts.models import User
from sanxian.accounts.scope import get_scope
from sanxian.appeals import exports, selectors, services
from sanxian.appeals.forms import (
    AppealForm,
    ListFilterForm,
    MergeForm,
    NoteForm,
    OnBehalfAppealForm,
    PeriodForm,
    RateForm,
    RejectForm,
    ResolveForm,
)
from sanxian.appeals.limits import filing_wait
from sanxian.appeals.models import Appeal, AppealState, EscalationLevel
from sanxian.places import selectors as place_selectors
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, Resident
from sanxian.uploads import photo_response
from sanxian.workdays.selectors import calendar_warning


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _before(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


# --- Filing -----------------------------------------------------------------------------


def _filing_warning() -> str:
    now = timezone.localtime()
    return calendar_warning(now.year, now.year + 1 if now.month == 12 else now.year)


def _render_new(
    request: HttpRequest,
    form: AppealForm,
    resident: Resident,
    *,
    on_behalf: bool,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "appeals/new.html",
        {
            "form": form,
            "resident": resident,
            "on_behalf": on_behalf,
            "calendar_warning": _filing_warning(),
            "action": (
                reverse("appeals:new_for_resident", args=[resident.pk])
                if on_behalf
                else reverse("appeals:new")
            ),
        },
        status=status,
    )


def _file(
    request: HttpRequest,
    resident: Resident,
    *,
    on_behalf: bool,
) -> HttpResponse:
    places = selectors.resident_places(resident)
    categories = selectors.active_categories()
    form_class = OnBehalfAppealForm if on_behalf else AppealForm
    if request.method != "POST":
        return _render_new(
            request,
            form_class(places=places, categories=categories),
            resident,
            on_behalf=on_behalf,
        )
    form = form_class(request.POST, request.FILES, places=places, categories=categories)
    if not form.is_valid():
        return _render_new(request, form, resident, on_behalf=on_behalf, status=400)
    wait = filing_wait(request, on_behalf=on_behalf)
    if wait is not None:
        # Too many appeals in a short time: nothing is filed, and the form comes back as it
        # was written so the appeal can be sent again later.
        form.add_error(
            None,
            _(
                "Many appeals have been sent from here in a short time. Please send this "
                "one again in %(minutes)d minutes; what you wrote is kept below."
            )
            % {"minutes": wait},
        )
        return _render_new(request, form, resident, on_behalf=on_behalf, status=429)
    data = form.cleaned_data
    try:
        appeal = services.file_appeal(
            category=data["category"],
            text=data["text"],
            place=form.chosen_place(),
            resident=resident,
            filed_by=_user(request),
            photos=data["photos"],
            contact_phone=data["contact_phone"],
            on_behalf=on_behalf,
            on_behalf_note=data.get("on_behalf_note", ""),
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render_new(request, form, resident, on_behalf=on_behalf, status=400)
    messages.success(
        request,
        _("Your appeal has been sent. We will contact you by %(due)s.")
        % {"due": date_format(timezone.localtime(appeal.response_due_at), "SHORT_DATETIME_FORMAT")},
    )
    return redirect("appeals:detail", appeal.pk)


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """A resident files an appeal for themself."""
    user = _user(request)
    resident = Resident.objects.filter(pk=user.resident_id).first() if user.resident_id else None
    if resident is None:
        raise Http404
    return _file(request, resident, on_behalf=False)


@login_required
@require_GET
def new_for(request: HttpRequest) -> HttpResponse:
    """Staff find the resident they file for (by name, pinyin initials or room)."""
    scope = get_scope(request.user)
    if not scope.is_staff:
        raise Http404
    query = request.GET.get("q", "")[:50]
    results = place_selectors.search_residents(scope, query)
    return render(
        request,
        "appeals/new_for.html",
        {"query": query, "results": results, "limit": place_selectors.SEARCH_LIMIT},
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_for_resident(request: HttpRequest, resident_pk: int) -> HttpResponse:
    """Staff file on behalf of a resident in their scope (recorded as such)."""
    resident = selectors.resident_to_file_for(_user(request), resident_pk)
    return _file(request, resident, on_behalf=True)


# --- Lists ------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.resident_id is None and not get_scope(user).is_staff:
        raise Http404
    page = selectors.my_appeals(user, before=_before(request))
    return render(
        request,
        "appeals/mine.html",
        {"page": page, "now": timezone.now(), "can_file": user.resident_id is not None},
    )


@login_required
@require_GET
def appeal_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    if not scope.is_staff:
        raise Http404
    form = ListFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        filters = {**_list_filters(form), "before": form.cleaned_data.get("before")}
    now = timezone.now()
    page = selectors.staff_appeals(scope, now=now, **filters)
    query = request.GET.copy()
    query.pop("before", None)
    rate_places = [
        a.place for a in scope.assignments if a.place is not None and scope.covers(a.place.path)
    ]
    return render(
        request,
        "appeals/list.html",
        {
            "form": form,
            "page": page,
            "now": now,
            "query": query.urlencode(),
            "rate_places": rate_places,
        },
        status=status,
    )


def _list_filters(form: ListFilterForm) -> dict[str, Any]:
    """The list's filters from a valid form (the page number aside)."""
    data = form.cleaned_data
    return {
        "state": data.get("state") or "",
        "category": data.get("category"),
        "overdue": bool(data.get("overdue")),
        "escalated": bool(data.get("escalated")),
    }


@login_required
@require_GET
def appeal_list_xlsx(request: HttpRequest) -> HttpResponse:
    """The staff list as a workbook: every page of it for the same filters."""
    if not get_scope(request.user).is_staff:
        raise Http404
    form = ListFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Some filters were not understood; nothing was exported."))
        query = request.GET.copy()
        query.pop("before", None)
        url = reverse("appeals:list")
        return redirect(f"{url}?{query.urlencode()}" if query else url)
    filters = _list_filters(form) if form.is_bound else {}
    return exports.appeal_list_xlsx(request, filters)


# --- Detail and transitions -------------------------------------------------------------


def _detail_context(request: HttpRequest, appeal: Appeal) -> dict[str, Any]:
    user = _user(request)
    scope = get_scope(user)
    handler = selectors.can_handle(user, appeal)
    now = timezone.now()
    context: dict[str, Any] = {
        "appeal": appeal,
        "now": now,
        "handler": handler,
        "own": services.is_own_appeal(user, appeal),
        "photos": selectors.appeal_photos(appeal),
        "events": selectors.appeal_events(appeal),
        "response_overdue": appeal.response_overdue(now),
        "resolution_overdue": appeal.resolution_overdue(now),
        "states": AppealState,
        "levels": EscalationLevel,
    }
    if context["own"] and appeal.can_be_rated:
        context["rate_form"] = RateForm()
    if handler and appeal.is_open:
        similar = selectors.similar_appeals(appeal, scope)
        issues = selectors.candidate_issues(appeal, scope)
        context.update(
            similar=similar,
            issues=issues,
            note_form=NoteForm(),
            resolve_form=ResolveForm(),
            reject_form=RejectForm(),
            merge_form=MergeForm(
                appeal_choices=[appeal.pk, *(s.appeal.pk for s in similar)],
                issue_choices=[(i.pk, i.title) for i in issues],
                initial={"appeals": [appeal.pk]},
            ),
        )
    return context


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.get_appeal_for_user(_user(request), pk)
    return render(request, "appeals/detail.html", _detail_context(request, appeal))


def _rerender(request: HttpRequest, appeal: Appeal, **forms: Any) -> HttpResponse:
    context = _detail_context(request, appeal)
    context.update(forms)
    context["form_error"] = True
    return render(request, "appeals/detail.html", context, status=400)


def _done(request: HttpRequest, appeal: Appeal, message: str) -> HttpResponseRedirect:
    messages.success(request, message)
    return redirect("appeals:detail", appeal.pk)


def _refused(request: HttpRequest, appeal: Appeal, error: DomainError) -> HttpResponseRedirect:
    messages.error(request, error.message)
    return redirect("appeals:detail", appeal.pk)


def _simple_transition(
    action: Callable[..., Appeal], success: Callable[[], str]
) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        appeal = selectors.get_appeal_for_user(_user(request), pk, write=True)
        form = NoteForm(request.POST)
        if not form.is_valid():
            return _rerender(request, appeal, note_form=form)
        try:
            action(appeal=appeal, actor=_user(request), note=form.cleaned_data["note"])
        except DomainError as exc:
            return _refused(request, appeal, exc)
        return _done(request, appeal, success())

    return view


acknowledge = _simple_transition(
    services.acknowledge_appeal, lambda: _("Acknowledged: the resident has been contacted.")
)
start = _simple_transition(services.start_appeal, lambda: _("Marked as being handled."))


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.get_appeal_for_user(_user(request), pk, write=True)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _rerender(request, appeal, resolve_form=form)
    try:
        services.resolve_appeal(appeal=appeal, actor=_user(request), note=form.cleaned_data["note"])
    except DomainError as exc:
        return _refused(request, appeal, exc)
    return _done(request, appeal, _("Marked as resolved. The resident can now rate it."))


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.get_appeal_for_user(_user(request), pk, write=True)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _rerender(request, appeal, reject_form=form)
    try:
        services.reject_appeal(
            appeal=appeal, actor=_user(request), reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        return _refused(request, appeal, exc)
    return _done(request, appeal, _("The appeal was rejected; the resident sees the reason."))


@login_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    appeal = selectors.get_appeal_for_user(user, pk, write=True)
    scope = get_scope(user)
    similar = selectors.similar_appeals(appeal, scope) if appeal.is_open else []
    issues = selectors.candidate_issues(appeal, scope)
    form = MergeForm(
        request.POST,
        appeal_choices=[appeal.pk, *(s.appeal.pk for s in similar)],
        issue_choices=[(i.pk, i.title) for i in issues],
    )
    if not form.is_valid():
        return _rerender(request, appeal, merge_form=form)
    data = form.cleaned_data
    chosen = selectors.appeals_by_ids(scope, data["appeals"])
    issue = next((i for i in issues if i.pk == data.get("issue")), None)
    try:
        issue = services.merge_into_issue(
            appeals=chosen, actor=user, issue=issue, title=data.get("title") or ""
        )
    except DomainError as exc:
        return _refused(request, appeal, exc)
    return _done(
        request,
        appeal,
        _("%(n)s appeal(s) merged into the issue “%(title)s”.")
        % {"n": len(chosen), "title": issue.title},
    )


@login_required
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    appeal = selectors.get_appeal_for_user(user, pk)
    if not services.is_own_appeal(user, appeal):
        raise Http404
    form = RateForm(request.POST)
    if not form.is_valid():
        return _rerender(request, appeal, rate_form=form)
    data = form.cleaned_data
    try:
        services.rate_appeal(
            appeal=appeal,
            actor=user,
            rating=data["rating"],
            comment=data["comment"],
            reopen=bool(data["reopen"]),
        )
    except DomainError as exc:
        return _refused(request, appeal, exc)
    if data["reopen"]:
        return _done(request, appeal, _("Thank you. The appeal has been reopened."))
    return _done(request, appeal, _("Thank you for your rating."))


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    return photo_response(selectors.get_photo_for_user(_user(request), pk).file)


# --- Rates ------------------------------------------------------------------------------


@login_required
@require_GET
def rates(request: HttpRequest, place_pk: int) -> HttpResponse:
    scope = get_scope(request.user)
    if not scope.is_staff:
        raise Http404
    place = place_selectors.get_place_for_user(request.user, place_pk)
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, today=today, initial={"period": today.strftime("%Y-%m")})
    status = 200
    if form.is_bound and form.is_valid():
        start_day, end_day = form.cleaned_data["bounds"]
    else:
        start_day, end_day = form.default_bounds()
        if form.is_bound:
            status = 400
    now = timezone.now()
    children = [
        c for c in Place.objects.get_children(place) if scope.covers(c.path) and c.depth <= 5
    ]
    by_child = selectors.appeal_rates_by_child(place, children, start_day, end_day, now=now)
    return render(
        request,
        "appeals/rates.html",
        {
            "place": place,
            "form": form,
            "start": start_day,
            "end": end_day,
            "now": now,
            "rates": selectors.appeal_rates(place, start_day, end_day, now=now),
            "children": [(c, by_child[c.pk]) for c in children],
            "breadcrumbs": _rate_crumbs(place, scope, request.GET.urlencode()),
        },
        status=status,
    )


def _rate_crumbs(place: Place, scope: Any, query: str) -> list[dict[str, str | None]]:
    crumbs: list[dict[str, str | None]] = []
    for node in [*place_selectors.ancestors(place), place]:
        url = None
        if scope.covers(node.path) and node.pk != place.pk:
            url = reverse("appeals:rates", args=[node.pk]) + (f"?{query}" if query else "")
        crumbs.append({"label": node.name, "url": url})
    return crumbs


@login_required
@require_POST
def reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the callback phone once, for the reason given (written to the audit log)."""
    user = _user(request)
    appeal = selectors.get_appeal_for_user(user, pk)
    context = _detail_context(request, appeal)
    if not (context["handler"] or context["own"]):
        raise Http404
    try:
        context["revealed_phone"] = services.reveal_contact_phone(
            appeal=appeal, reason=request.POST.get("reason", ""), request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return render(request, "appeals/detail.html", context, status=400)
    response = render(request, "appeals/detail.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
