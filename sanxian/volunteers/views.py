"""Volunteer pages: teams, rosters and shifts, my shifts and hours, approvals, the honour
roll, a person's ledger and service record. POST endpoints check access, validate, call
one service and redirect back with a message."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxian.accounts.models import User
from sanxian.audit import services as audit
from sanxian.audit.models import AuditAction
from sanxian.checkin import qr_svg_response
from sanxian.places.errors import DomainError
from sanxian.spreadsheets import workbook_response
from sanxian.volunteers import exports, selectors, services
from sanxian.volunteers.forms import RecordPeriodForm, RosterForm, SwapForm
from sanxian.volunteers.models import CheckMethod


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _form_error(request: HttpRequest, form: forms.Form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def render_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """Render with what the section's tabs need: who is looking."""
    return render(request, template, {**context, "viewer": selectors.get_viewer(request.user)})


def _next(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page the form was on (only our own paths), else ``fallback``."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


# --- Teams ------------------------------------------------------------------------------


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    rows = selectors.team_list(request.user)
    return render_page(request, "volunteers/teams.html", {"rows": rows})


@login_required
def teams_xlsx(request: HttpRequest) -> HttpResponse:
    return exports.teams_xlsx(request)


@login_required
def team_members_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, pk)
    return exports.members_xlsx(request, team)


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, pk)
    page = selectors.team_page(request.user, team)
    form = RosterForm(initial={"weekdays": list("1234567"), "capacity": 1})
    return render_page(request, "volunteers/team.html", {"team": team, "page": page, "form": form})


@require_POST
@login_required
def team_join(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, pk)
    user = _actor(request)
    viewer = selectors.get_viewer(user)
    url = reverse("volunteers:team", args=[team.pk])
    if not viewer.scope.in_community(team.path):
        raise Http404
    volunteer = viewer.volunteer
    if volunteer is None:
        if user.resident is None:
            messages.error(request, _("Only a resident's account can join a team."))
            return redirect(url)
        volunteer = services.volunteer_for_resident(user.resident)
    try:
        services.join_team(team=team, volunteer=volunteer)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(url)
    messages.success(request, _("Welcome to %(team)s.") % {"team": team.name})
    return redirect(url)


@require_POST
@login_required
def team_leave(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, pk)
    viewer = selectors.get_viewer(request.user)
    url = reverse("volunteers:team", args=[team.pk])
    if viewer.volunteer is None:
        raise Http404
    try:
        cancelled = services.leave_team(team=team, volunteer=viewer.volunteer)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(url)
    if cancelled:
        messages.success(
            request,
            _("You have left %(team)s; %(n)d upcoming shifts were cancelled.")
            % {"team": team.name, "n": cancelled},
        )
    else:
        messages.success(request, _("You have left %(team)s.") % {"team": team.name})
    return redirect(url)


@require_POST
@login_required
def roster_create(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, pk, manage=True)
    form = RosterForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect(reverse("volunteers:team", args=[team.pk]) + "#new-roster")
    try:
        roster = services.create_roster(team=team, place=team.place, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("volunteers:team", args=[team.pk]) + "#new-roster")
    messages.success(request, _("Roster created."))
    return redirect("volunteers:roster", pk=roster.pk)


# --- Rosters and shifts -----------------------------------------------------------------


@login_required
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roster = selectors.get_roster_for_user(request.user, pk)
    page = selectors.roster_page(request.user, roster)
    form = None
    if page.can_manage:
        form = RosterForm(
            editing=True,
            initial={
                "title": roster.title,
                "service": roster.service,
                "location": roster.location,
                "end_date": roster.end_date,
                "weekdays": list(roster.weekdays),
                "start_time": roster.start_time,
                "end_time": roster.end_time,
                "capacity": roster.capacity,
            },
        )
    return render_page(
        request, "volunteers/roster.html", {"roster": roster, "page": page, "form": form}
    )


@require_POST
@login_required
def roster_edit(request: HttpRequest, pk: int) -> HttpResponse:
    roster = selectors.get_roster_for_user(request.user, pk, manage=True)
    form = RosterForm(request.POST, editing=True)
    url = reverse("volunteers:roster", args=[roster.pk])
    if not form.is_valid():
        _form_error(request, form)
        return redirect(url + "#edit")
    try:
        services.update_roster(roster=roster, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(url + "#edit")
    messages.success(request, _("Roster saved."))
    return redirect(url)


@login_required
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shift = selectors.get_shift_for_user(request.user, pk)
    page = selectors.shift_page(request.user, shift)
    swap_form = None
    if page.swap_choices:
        swap_form = SwapForm(choices=[(v.pk, v.name) for v in page.swap_choices])
    return render_page(
        request,
        "volunteers/shift.html",
        {"shift": shift, "page": page, "swap_form": swap_form},
    )


@login_required
def shift_qr(request: HttpRequest, pk: int) -> HttpResponse:
    shift = selectors.get_shift_for_user(request.user, pk, manage=True)
    url = request.build_absolute_uri(
        reverse("volunteers:checkin", args=[services.checkin_token(shift)])
    )
    return qr_svg_response(url)


@require_POST
@login_required
def shift_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    shift = selectors.get_shift_for_user(request.user, pk)
    viewer = selectors.get_viewer(request.user)
    url = reverse("volunteers:shift", args=[shift.pk])
    if viewer.volunteer is None:
        messages.error(request, _("Join the team first."))
        return _next(request, url)
    try:
        services.sign_up(shift=shift, volunteer=viewer.volunteer)
    except DomainError as error:
        messages.error(request, error.message)
        return _next(request, url)
    messages.success(request, _("You are on this shift."))
    return _next(request, url)


@require_POST
@login_required
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    signup = selectors.get_signup_for_user(request.user, pk, own=True)
    url = reverse("volunteers:shift", args=[signup.shift_id])
    try:
        services.cancel_signup(signup=signup)
    except DomainError as error:
        messages.error(request, error.message)
        return _next(request, url)
    messages.success(request, _("Your sign-up is cancelled."))
    return _next(request, url)


@require_POST
@login_required
def signup_swap(request: HttpRequest, pk: int) -> HttpResponse:
    signup = selectors.get_signup_for_user(request.user, pk, own=True)
    url = reverse("volunteers:shift", args=[signup.shift_id])
    page = selectors.shift_page(request.user, signup.shift)
    choices = {v.pk: v for v in page.swap_choices}
    form = SwapForm(request.POST, choices=[(pk, v.name) for pk, v in choices.items()])
    if not form.is_valid():
        _form_error(request, form)
        return redirect(url)
    try:
        services.request_swap(
            signup=signup,
            to_volunteer=choices[form.cleaned_data["to_volunteer"]],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(url)
    messages.success(request, _("Swap requested: the team leader will decide."))
    return redirect(url)


@require_POST
@login_required
def signup_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader marks a volunteer arrived, left, or present for the whole shift."""
    signup = selectors.get_signup_for_user(request.user, pk, manage=True)
    url = reverse("volunteers:shift", args=[signup.shift_id])
    action = request.POST.get("action", "")
    try:
        if action == "in":
            services.check_in(signup=signup, method=CheckMethod.LEADER)
            messages.success(request, _("%(name)s checked in.") % {"name": signup.volunteer.name})
        elif action == "out":
            entry = services.check_out(signup=signup, method=CheckMethod.LEADER)
            messages.success(
                request,
                _("%(name)s checked out: %(hours)s hours waiting for approval.")
                % {"name": signup.volunteer.name, "hours": entry.hours},
            )
        elif action == "full":
            entry = services.mark_full_shift(signup=signup)
            messages.success(
                request,
                _("%(name)s served the whole shift: %(hours)s hours waiting for approval.")
                % {"name": signup.volunteer.name, "hours": entry.hours},
            )
        else:
            raise BadRequest
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(url)


@login_required
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The shift's QR code: the volunteer on the shift checks in, later checks out."""
    context: dict[str, object] = {"token": token}
    try:
        shift = services.shift_for_token(token)
    except DomainError as error:
        context["error"] = error.message
        return render(request, "volunteers/checkin.html", context, status=400)
    context["shift"] = shift
    signup = selectors.own_shift_signup(request.user, shift.pk)
    if signup is None:
        context["error"] = _("You are not signed up for this shift.")
        return render(request, "volunteers/checkin.html", context, status=400)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "in":
                services.check_in(signup=signup, method=CheckMethod.QR)
                messages.success(request, _("Checked in. Thank you for serving!"))
            elif action == "out":
                entry = services.check_out(signup=signup, method=CheckMethod.QR)
                messages.success(
                    request,
                    _("Checked out: %(hours)s hours waiting for the leader's approval.")
                    % {"hours": entry.hours},
                )
            else:
                raise BadRequest
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("volunteers:checkin", token=token)
    context["signup"] = signup
    return render(request, "volunteers/checkin.html", context)


# --- Mine, approvals, honour roll ---------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = selectors.mine_page(request.user)
    return render_page(request, "volunteers/mine.html", {"page": page})


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    page = selectors.approvals_page(request.user)
    return render_page(request, "volunteers/approvals.html", {"page": page})


@login_required
def pending_hours_xlsx(request: HttpRequest) -> HttpResponse:
    return exports.pending_hours_xlsx(request)


@require_POST
@login_required
def approvals_hours(request: HttpRequest) -> HttpResponse:
    try:
        ids = [int(v) for v in request.POST.getlist("entry")]
    except ValueError:
        raise BadRequest from None
    action = request.POST.get("action", "")
    if action not in ("approve", "reject"):
        raise BadRequest
    entries = selectors.get_entries_for_decision(request.user, ids)
    if not entries:
        messages.error(request, _("Choose the hours to decide."))
        return redirect("volunteers:approvals")
    n = services.decide_hours(entries=entries, approve=action == "approve", actor=_actor(request))
    if action == "approve":
        messages.success(request, _("%(n)d entries approved.") % {"n": n})
    else:
        messages.success(request, _("%(n)d entries rejected.") % {"n": n})
    return redirect("volunteers:approvals")


@require_POST
@login_required
def approvals_swap(request: HttpRequest, pk: int) -> HttpResponse:
    swap = selectors.get_swap_for_decision(request.user, pk)
    action = request.POST.get("action", "")
    if action not in ("approve", "reject"):
        raise BadRequest
    try:
        services.decide_swap(swap=swap, approve=action == "approve", actor=_actor(request))
    except DomainError as error:
        messages.error(request, error.message)
        return _next(request, reverse("volunteers:approvals"))
    if action == "approve":
        messages.success(
            request, _("Swap approved: %(name)s takes the shift.") % {"name": swap.to_volunteer}
        )
    else:
        messages.success(request, _("Swap rejected."))
    return _next(request, reverse("volunteers:approvals"))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def honour_roll(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("period", "")
    period = selectors.parse_period(raw) if raw else None
    if raw and period is None:
        messages.error(request, _("Unknown period."))
    roll = selectors.honour_roll(
        request.user,
        period=period,
        team_pk=_int(request.GET.get("team")),
        place_pk=_int(request.GET.get("place")),
    )
    p = roll.period
    today = timezone.localdate()
    anchor = today if p.start <= today <= p.end else p.end
    filters = ""
    if roll.team is not None:
        filters += f"&team={roll.team.pk}"
    if roll.neighborhood is not None:
        filters += f"&place={roll.neighborhood.pk}"
    context = {
        "roll": roll,
        "filter_qs": filters,
        "prev_key": p.shifted(-1).key,
        "next_key": p.shifted(1).key,
        **{f"{kind}_key": selectors.period_of(kind, anchor).key for kind in selectors.PERIOD_KINDS},
    }
    return render_page(request, "volunteers/honour_roll.html", context)


@login_required
def honour_roll_xlsx(request: HttpRequest) -> HttpResponse:
    """The honour roll of the chosen period (and team or neighborhood) as a workbook:
    everyone with approved hours, not only the page's first fifty."""
    raw = request.GET.get("period", "")
    period = selectors.parse_period(raw) if raw else None
    if raw and period is None:
        selectors.require_viewer(request.user)
        messages.error(request, _("Unknown period."))
        return redirect("volunteers:honour_roll")
    roll = selectors.honour_roll(
        request.user,
        period=period,
        team_pk=_int(request.GET.get("team")),
        place_pk=_int(request.GET.get("place")),
        limit=None,
    )
    return exports.honour_roll_xlsx(request, roll)


# --- A person's ledger and service record ---------------------------------------------------


@login_required
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.get_volunteer_for_user(request.user, pk)
    page = selectors.ledger_page(volunteer)
    return render_page(
        request,
        "volunteers/ledger.html",
        {"page": page, "volunteer": volunteer, "form": RecordPeriodForm()},
    )


def _record(request: HttpRequest, pk: int) -> selectors.ServiceRecord | None:
    volunteer = selectors.get_volunteer_for_user(request.user, pk)
    form = RecordPeriodForm(request.GET)
    if not form.is_valid():
        _form_error(request, form)
        return None
    return selectors.service_record(
        volunteer, start=form.cleaned_data.get("start"), end=form.cleaned_data.get("end")
    )


@login_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    data = _record(request, pk)
    if data is None:
        return redirect("volunteers:ledger", pk=pk)
    return render_page(request, "volunteers/record.html", {"record": data, "query": request.GET})


@login_required
def record_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    data = _record(request, pk)
    if data is None:
        return redirect("volunteers:ledger", pk=pk)
    content = exports.service_record_xlsx(data)
    audit.record(
        AuditAction.EXPORT,
        request=request,
        target=data.volunteer,
        path=data.volunteer.path,
        export="volunteer service record",
    )
    return workbook_response(
        content,
        filename=exports.record_filename(data),
        ascii_name=f"service-record-{data.volunteer.pk}.xlsx",
    )
