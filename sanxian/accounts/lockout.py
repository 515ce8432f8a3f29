"""The sign-in page shown to a username or address locked out after repeated failures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def locked_until(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime | None:
    """When the lockout that refused this request ends: the cool-off counted from the last
    failure of each locked username or address, the latest of them."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    limit = get_failure_limit(request, credentials)
    handler = AxesProxyHandler.get_implementation()
    ends = []
    for attempts in handler.get_user_attempts(request, credentials):
        totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (totals["failures"] or 0) >= limit and totals["last"] is not None:
            ends.append(totals["last"] + cool_off)
    return max(ends) if ends else timezone.now() + cool_off


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    until = locked_until(request, credentials)
    minutes = int((get_cool_off(request) or timedelta()).total_seconds() // 60)
    message = _(
        "Too many failed sign-ins. Signing in is paused for %(minutes)d minutes: try again "
        "after %(time)s, or ask the sub-district administrator to unlock your account."
    ) % {
        "minutes": minutes,
        "time": date_format(timezone.localtime(until), "SHORT_DATETIME_FORMAT") if until else "",
    }
    username = request.POST.get("username", "")[:150]
    form = AuthenticationForm(request, initial={"username": username})
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message, "next": request.POST.get("next", "")},
        status=429,
    )
