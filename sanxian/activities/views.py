"""Activity pages: the phone list of what is coming in my neighborhood, the activity page
with the household sign-up form, my sign-ups, and the organisers' pages and POST endpoints
(each: check access, validate, call one service, redirect back with a message)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sanxian.accounts.models import User
from sanxian.activities import exports, selectors, services
from sanxian.activities.forms import (
    ActivityForm,
    HelperForm,
    PhotoForm,
    SummaryForm,
    photo_form_key,
)
from sanxian.activities.models import (
    DEFAULT_VENUE,
    Activity,
    ActivityHelper,
    ActivitySignup,
    ActivityState,
    SignupState,
)
from sanxian.checkin import qr_svg_response
from sanxian.places.errors import DomainError
from sanxian.places.models import Resident
from sanxian.uploads import photo_response


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _back(activity: Activity, anchor: str = "") -> HttpResponse:
    url = reverse("activities:detail", args=[activity.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _form_error(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _ids(request: HttpRequest, name: str) -> list[int]:
    try:
        return [int(v) for v in request.POST.getlist(name)]
    except ValueError:
        raise BadRequest from None


# --- Residents' pages -----------------------------------------------------------------------


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not selectors.may_list(user):
        raise Http404
    return render(request, "activities/list.html", {"data": selectors.activity_list(user)})


@login_required
def activity_list_xlsx(request: HttpRequest) -> HttpResponse:
    if not selectors.may_list(_user(request)):
        raise Http404
    return exports.activity_list_xlsx(request)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.resident_id is None:
        raise Http404
    return render(request, "activities/mine.html", {"signups": selectors.my_signups(user)})


def _detail_context(request: HttpRequest, activity: Activity, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    page = selectors.activity_page(user, activity)
    context: dict[str, Any] = {
        "activity": activity,
        "page": page,
        "signup_open": activity.signup_open(),
        "checkin_open": services.checkin_open(activity),
        "now": timezone.now(),
    }
    if page.can_manage:
        context["helper_form"] = extra.pop("helper_form", None) or HelperForm(
            volunteers=selectors.helper_choices(activity)
        )
        context["summary_form"] = SummaryForm(initial={"summary": activity.summary})
        context["photo_form"] = PhotoForm(initial={"form_key": photo_form_key()})
    context.update(extra)
    return context


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(_user(request), pk)
    return render(request, "activities/detail.html", _detail_context(request, activity))


def _signup_messages(request: HttpRequest, result: services.SignupResult) -> None:
    if result.confirmed:
        messages.success(
            request,
            _("Signed up with a seat: %(names)s.")
            % {"names": "、".join(s.resident.name for s in result.confirmed)},
        )
    for s in result.waiting:
        ahead = (
            ActivitySignup.objects.filter(activity_id=s.activity_id, state=SignupState.WAITING)
            .filter(Q(created_at__lt=s.created_at) | Q(created_at=s.created_at, id__lt=s.pk))
            .count()
            + 1
        )
        messages.warning(
            request,
            _("The activity is full: %(name)s is on the waiting list, number %(n)s.")
            % {"name": s.resident.name, "n": ahead},
        )
    if result.already:
        messages.info(
            request,
            _("Already signed up: %(names)s.")
            % {"names": "、".join(s.resident.name for s in result.already)},
        )


@require_POST
@login_required
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    """A resident signs up themselves and members of their household."""
    user = _user(request)
    activity = selectors.get_activity_for_user(user, pk)
    residents = selectors.household_residents(user, _ids(request, "residents"))
    try:
        result = services.sign_up(activity=activity, residents=residents, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
        return _back(activity, "signup")
    _signup_messages(request, result)
    return _back(activity, "signup")


@require_POST
@login_required
def cancel_signup(request: HttpRequest, pk: int, signup_pk: int) -> HttpResponse:
    user = _user(request)
    activity = selectors.get_activity_for_user(user, pk)
    signup = selectors.signup_to_cancel(user, activity, signup_pk)
    manager = selectors.can_manage(user, activity)
    try:
        promoted = services.cancel_signup(signup=signup, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Sign-up cancelled: %(name)s.") % {"name": signup.resident.name}
        )
        if promoted and manager:
            messages.info(
                request,
                _("Moved from the waiting list to a seat: %(names)s.")
                % {"names": "、".join(s.resident.name for s in promoted)},
            )
    if manager and request.POST.get("next") == "signups":
        return redirect("activities:signups", activity.pk)
    return _back(activity, "signup")


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's target: a signed-in resident with a seat confirms they are here."""
    context: dict[str, object] = {"token": token}
    try:
        activity = services.activity_for_token(token)
    except DomainError as error:
        context["error"] = error.message
        return render(request, "activities/checkin.html", context, status=400)
    context["activity"] = activity
    if request.method == "POST":
        try:
            services.check_in(token=token, user=_user(request))
        except DomainError as error:
            context["error"] = error.message
            return render(request, "activities/checkin.html", context, status=400)
        context["done"] = True
    return render(request, "activities/checkin.html", context)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    return photo_response(selectors.get_photo_for_user(_user(request), pk).file)


# --- Organisers -------------------------------------------------------------------------------


def _activity_form(user: User, data: Any = None, **kwargs: Any) -> ActivityForm:
    return ActivityForm(
        data,
        places=selectors.place_choices(user),
        teams=selectors.team_choices(user),
        branches=selectors.branch_choices(user),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not selectors.can_create(user):
        raise Http404
    if request.method != "POST":
        form = _activity_form(user, initial={"venue": DEFAULT_VENUE})
        return render(request, "activities/form.html", {"form": form})
    form = _activity_form(user, request.POST)
    if not form.is_valid():
        return render(request, "activities/form.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        activity = services.create_activity(
            place=data["place_obj"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            capacity=data["capacity"],
            organiser_kind=data["organiser_kind"],
            organiser_team=data["team_obj"],
            organiser_branch=data["branch_obj"],
            venue=data["venue"],
            description=data["description"],
            audience=data["audience"],
            signup_closes_at=data["signup_closes_at"],
            actor=user,
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return render(request, "activities/form.html", {"form": form}, status=400)
    if not selectors.can_manage(user, activity):  # organiser outside the user's reach
        raise Http404
    messages.success(request, _("Activity saved: %(title)s.") % {"title": activity.title})
    return _back(activity)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = selectors.get_activity_for_user(user, pk, manage=True)
    context: dict[str, Any] = {"activity": activity}
    if request.method != "POST":
        local = timezone.localtime(activity.starts_at)
        context["form"] = _activity_form(
            user,
            editing=True,
            initial={
                "title": activity.title,
                "day": local.date(),
                "start": local.time(),
                "end": timezone.localtime(activity.ends_at).time(),
                "venue": activity.venue,
                "capacity": activity.capacity,
                "signup_closes_at": timezone.localtime(activity.signup_closes_at),
                "audience": activity.audience,
                "description": activity.description,
            },
        )
        return render(request, "activities/form.html", context)
    form = _activity_form(user, request.POST, editing=True)
    context["form"] = form
    if not form.is_valid():
        return render(request, "activities/form.html", context, status=400)
    data = form.cleaned_data
    try:
        promoted = services.update_activity(
            activity=activity,
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            capacity=data["capacity"],
            venue=data["venue"],
            description=data["description"],
            audience=data["audience"],
            signup_closes_at=data["signup_closes_at"],
            actor=user,
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return render(request, "activities/form.html", context, status=400)
    messages.success(request, _("Activity saved: %(title)s.") % {"title": activity.title})
    if promoted:
        messages.info(
            request,
            _("Moved from the waiting list to a seat: %(names)s.")
            % {"names": "、".join(s.resident.name for s in promoted)},
        )
    return _back(activity)


@require_POST
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(_user(request), pk, manage=True)
    try:
        services.cancel_activity(activity=activity, actor=_user(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The activity is cancelled."))
    return _back(activity)


@require_POST
@login_required
def held(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(_user(request), pk, manage=True)
    try:
        services.mark_held(activity=activity, actor=_user(request))
        credited = services.credit_helpers(activity)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Marked as held; %(n)s helpers credited with volunteer hours (pending approval).")
            % {"n": credited},
        )
    return _back(activity, "after")


@login_required
def qr(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(_user(request), pk, manage=True)
    url = request.build_absolute_uri(
        reverse("activities:checkin", args=[services.checkin_token(activity)])
    )
    return qr_svg_response(url)


@login_required
def signups(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisers' list: who has a seat, the waiting list in order, check-in, and
    signing up a resident without a phone."""
    user = _user(request)
    activity = selectors.get_activity_for_user(user, pk, manage=True)
    query = request.GET.get("q", "").strip()[:30]
    rows = selectors.signups(activity)
    return render(
        request,
        "activities/signups.html",
        {
            "activity": activity,
            "rows": rows,
            "confirmed": [s for s in rows if s.state == SignupState.CONFIRMED],
            "waiting": [s for s in rows if s.state == SignupState.WAITING],
            "cancelled": [s for s in rows if s.state == SignupState.CANCELLED],
            "query": query,
            "candidates": selectors.resident_candidates(user, activity, query) if query else [],
            "signup_open": activity.signup_open(),
        },
    )


@login_required
def signups_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisers' list of sign-ups as a workbook."""
    activity = selectors.get_activity_for_user(_user(request), pk, manage=True)
    return exports.signups_xlsx(request, activity)


@require_POST
@login_required
def signup_for(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff sign up a resident who has no phone (recorded as on their behalf)."""
    user = _user(request)
    activity = selectors.get_activity_for_user(user, pk, manage=True)
    ids = _ids(request, "resident")
    resident = Resident.objects.filter(pk__in=ids[:1]).first()
    if resident is None or not resident.path.startswith(services.neighborhood_path(activity.path)):
        raise Http404
    try:
        result = services.sign_up(
            activity=activity, residents=[resident], actor=user, on_behalf=True
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        _signup_messages(request, result)
    return redirect("activities:signups", activity.pk)


@require_POST
@login_required
def mark_checkins(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(_user(request), pk, manage=True)
    try:
        n = services.mark_checkins(activity=activity, checked_ids=_ids(request, "checked"))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Check-in saved: %(n)s here.") % {"n": n})
    return redirect("activities:signups", activity.pk)


@require_POST
@login_required
def add_helper(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(_user(request), pk, manage=True)
    form = HelperForm(request.POST, volunteers=selectors.helper_choices(activity))
    if not form.is_valid():
        _form_error(request, form)
        return _back(activity, "helpers")
    try:
        services.add_helper(
            activity=activity,
            volunteer=form.chosen(),
            role=form.cleaned_data["role"],
            hours=form.cleaned_data["hours"],
        )
        credited = services.credit_helpers(activity) if activity.state == ActivityState.HELD else 0
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Helper added: %(name)s.") % {"name": form.chosen().name})
        if credited:
            messages.info(request, _("Volunteer hours credited (pending approval)."))
    return _back(activity, "helpers")


@require_POST
@login_required
def remove_helper(request: HttpRequest, pk: int, helper_pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(_user(request), pk, manage=True)
    helper = ActivityHelper.objects.filter(activity=activity, pk=helper_pk).first()
    if helper is None:
        raise Http404
    try:
        services.remove_helper(helper=helper)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Helper removed."))
    return _back(activity, "helpers")


@require_POST
@login_required
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(_user(request), pk, manage=True)
    form = SummaryForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(activity, "after")
    try:
        services.save_summary(activity=activity, summary=form.cleaned_data["summary"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Summary saved."))
    return _back(activity, "after")


@require_POST
@login_required
def add_photos(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(_user(request), pk, manage=True)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_error(request, form)
        return _back(activity, "after")
    try:
        stored = services.add_photos(
            activity=activity,
            uploads=form.cleaned_data["photos"],
            caption=form.cleaned_data["caption"],
            actor=_user(request),
            form_key=form.cleaned_data["form_key"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if stored:
            messages.success(request, _("%(n)s photos added.") % {"n": len(stored)})
    return _back(activity, "after")
