"""Inbox pages (the list, open / mark read, mark all read, e-mail preferences) and the
group-robot settings of a place or a volunteer team. Thin: check access, call one selector
or service, render or redirect."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sanxian.accounts.models import User
from sanxian.accounts.sessions import leaves_session_alone
from sanxian.notifications import selectors, services
from sanxian.notifications.forms import PreferencesForm, RobotForm
from sanxian.notifications.models import RobotWebhook
from sanxian.places.models import Place
from sanxian.volunteers.models import VolunteerTeam


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@never_cache
@leaves_session_alone
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count on the top bar's inbox link, fetched by the page after it loads (so
    no page pays a query for it). Nothing (204) for someone signed out."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    count = selectors.unread_count(_user(request))
    # Rendered without the request: the page's context processors are not needed here.
    html = render_to_string(
        "notifications/_badge.html", {"count": count, "capped": count >= selectors.UNREAD_CAP}
    )
    return HttpResponse(html)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = selectors.inbox_page(_user(request), before=_int(request.GET.get("before")))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go where it points (a page of this site only)."""
    notification = selectors.get_notification_for_user(_user(request), pk)
    services.mark_read(notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.get_notification_for_user(_user(request), pk)
    services.mark_read(notification=notification)
    return redirect(f"{reverse('notifications:inbox')}#n{pk}")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(user=_user(request))
    if count:
        messages.success(request, _("All notifications marked read."))
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PreferencesForm(request.POST or None, initial_modes=selectors.preferences_of(user))
    if request.method == "POST" and form.is_valid():
        services.set_preferences(user=user, modes=form.modes())
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(user.email), "targets": selectors.robot_targets(user)},
    )


@login_required
def robots(request: HttpRequest) -> HttpResponse:
    targets = selectors.robot_targets(_user(request))
    if not targets.any:
        raise Http404
    return render(request, "notifications/robots.html", {"targets": targets})


def _robots_of(
    request: HttpRequest, *, place: Place | None = None, team: VolunteerTeam | None = None
) -> HttpResponse:
    form = RobotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_robot(
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            url=form.cleaned_data["url"],
            secret=form.cleaned_data["secret"],
            place=place,
            team=team,
            actor=_user(request),
        )
        messages.success(request, _("The group robot is added."))
        return redirect(request.path)
    return render(
        request,
        "notifications/robot_list.html",
        {
            "form": form,
            "owner": place or team,
            "page": selectors.robot_page(place=place, team=team),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_robots(request: HttpRequest, pk: int) -> HttpResponse:
    return _robots_of(request, place=selectors.get_robot_place_for_user(_user(request), pk))


@login_required
@require_http_methods(["GET", "POST"])
def team_robots(request: HttpRequest, pk: int) -> HttpResponse:
    return _robots_of(request, team=selectors.get_robot_team_for_user(_user(request), pk))


def _back(robot: RobotWebhook) -> HttpResponse:
    if robot.place_id is not None:
        return redirect("notifications:place_robots", robot.place_id)
    return redirect("notifications:team_robots", robot.team_id)


@login_required
@require_POST
def switch_robot(request: HttpRequest, pk: int) -> HttpResponse:
    robot = selectors.get_robot_for_user(_user(request), pk)
    services.set_robot_active(robot=robot, active=not robot.active, actor=_user(request))
    return _back(robot)


@login_required
@require_POST
def remove_robot(request: HttpRequest, pk: int) -> HttpResponse:
    robot = selectors.get_robot_for_user(_user(request), pk)
    response = _back(robot)
    services.remove_robot(robot=robot, actor=_user(request))
    messages.success(request, _("The group robot is removed."))
    return response
