"""The calendar page: the sub-district administrator checks and edits a year's holidays
and make-up working days (the URLs live under the appeals URLconf)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanxian.accounts.models import Role
from sanxian.accounts.scope import get_scope
from sanxian.places.errors import DomainError
from sanxian.workdays.forms import CompleteForm, DayForm, DeleteDayForm
from sanxian.workdays.models import CalendarDay, CalendarYear
from sanxian.workdays.selectors import calendar_warning
from sanxian.workdays.services import (
    SeedStatus,
    package_years,
    remove_calendar_day,
    seed_year,
    set_calendar_day,
    set_year_complete,
)

MIN_YEAR, MAX_YEAR = 2000, 2100


def _check(request: HttpRequest, year: int) -> None:
    """Only the sub-district administrator edits the calendar; other users get 404."""
    if Role.SUBDISTRICT_ADMIN not in get_scope(request.user).roles:
        raise Http404
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404


def _render(
    request: HttpRequest, year: int, form: DayForm | None = None, status: int = 200
) -> HttpResponse:
    cal_year = CalendarYear.objects.filter(year=year).first()
    days = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    return render(
        request,
        "workdays/year.html",
        {
            "year": year,
            "cal_year": cal_year,
            "days": days,
            "form": form or DayForm(year=year),
            "warning": calendar_warning(year),
            "in_package": year in package_years(),
            "years": [year - 1, year + 1],
        },
        status=status,
    )


@login_required
@require_GET
def year_page(request: HttpRequest, year: int) -> HttpResponse:
    _check(request, year)
    return _render(request, year)


@login_required
@require_POST
def set_day(request: HttpRequest, year: int) -> HttpResponse:
    _check(request, year)
    form = DayForm(request.POST, year=year)
    if not form.is_valid():
        return _render(request, year, form, status=400)
    try:
        set_calendar_day(
            day=form.cleaned_data["date"],
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render(request, year, form, status=400)
    messages.success(request, _("The day has been recorded."))
    return redirect("appeals:calendar", year)


@login_required
@require_POST
def delete_day(request: HttpRequest, year: int) -> HttpResponse:
    _check(request, year)
    form = DeleteDayForm(request.POST)
    if form.is_valid() and form.cleaned_data["date"].year == year:
        if remove_calendar_day(day=form.cleaned_data["date"]):
            messages.success(request, _("The day has been removed."))
    else:
        messages.error(request, _("No such day."))
    return redirect("appeals:calendar", year)


@login_required
@require_POST
def set_complete(request: HttpRequest, year: int) -> HttpResponse:
    _check(request, year)
    form = CompleteForm(request.POST)
    complete = form.is_valid() and bool(form.cleaned_data["complete"])
    set_year_complete(year=year, complete=complete)
    if complete:
        messages.success(request, _("The year is marked complete: deadlines use it as official."))
    else:
        messages.success(request, _("The year is marked incomplete: pages show a warning."))
    return redirect("appeals:calendar", year)


@login_required
@require_POST
def seed(request: HttpRequest, year: int) -> HttpResponse:
    _check(request, year)
    result = seed_year(year, force=True)
    if result.status == SeedStatus.NO_DATA:
        messages.error(
            request,
            _("The chinesecalendar package has no official data for %(year)s yet.")
            % {"year": year},
        )
    else:
        messages.success(
            request, _("The official calendar for %(year)s has been loaded.") % {"year": year}
        )
    return redirect("appeals:calendar", year)
