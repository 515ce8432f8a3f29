from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxian.audit import services as audit
from sanxian.audit.models import AuditAction
from sanxian.dashboards import selectors
from sanxian.dashboards.reports import report_filenames, report_workbook
from sanxian.dashboards.selectors import (
    PRESETS,
    REPORT_KINDS,
    Node,
    Period,
    get_grid_for_dashboard,
    get_place_for_dashboard,
    grid_node,
    parse_month,
    parse_period,
    place_node,
)
from sanxian.dashboards.services import refresh_changed
from sanxian.spreadsheets import workbook_response

# A second "refresh now" within this time reuses the run just made.
REFRESH_COOLDOWN = timedelta(seconds=30)
# How long a dashboard's rendered figures are kept (their key changes with the data, so this
# only bounds the memory they take).
FIGURES_CACHE_SECONDS = 6 * 3600


@login_required
def home(request: HttpRequest) -> HttpResponse:
    url = selectors.home_url(request.user)
    if url is None:
        raise Http404
    return redirect(url)


def _render_dashboard(request: HttpRequest, node: Node, refresh_url: str) -> HttpResponse:
    today = timezone.localdate()
    period, error = parse_period(request.GET, today)
    if error:
        messages.warning(request, error)
    board = selectors.dashboard(request.user, node, period)
    report_month = period.last_month
    report_urls = None
    if node.place is not None and node.place.kind in REPORT_KINDS:
        month = selectors.month_value(*report_month)
        report_urls = {
            "html": reverse("dashboards:report", args=[node.place.pk, month]),
            "xlsx": reverse("dashboards:report_xlsx", args=[node.place.pk, month]),
            "label": selectors.month_label(*report_month),
        }
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "board": board,
            "breadcrumbs": board.breadcrumbs,
            "figures_seconds": FIGURES_CACHE_SECONDS,
            "presets": [(key, label) for key, (label, _n) in PRESETS.items()],
            "period_query": _period_query(period),
            "refresh_url": refresh_url,
            "report_urls": report_urls,
            "this_month": selectors.month_value(today.year, today.month),
        },
    )


def _period_query(period: Period) -> str:
    if period.preset != "custom":
        return urlencode({"period": period.preset})
    return urlencode({"from": period.from_value, "to": period.to_value})


@login_required
def place_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_dashboard(request.user, pk)
    return _render_dashboard(
        request, place_node(place), reverse("dashboards:refresh", args=[place.pk])
    )


@login_required
def grid_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    grid = get_grid_for_dashboard(request.user, pk)
    return _render_dashboard(
        request, grid_node(grid), reverse("dashboards:refresh_grid", args=[grid.pk])
    )


def _refresh(request: HttpRequest, back: str) -> HttpResponse:
    latest = selectors.RollupRun.objects.filter(finished_at__isnull=False, error="").first()
    if (
        latest is not None
        and latest.finished_at
        and (timezone.now() - latest.finished_at < REFRESH_COOLDOWN)
    ):
        messages.info(request, _("The figures were refreshed moments ago."))
    else:
        run = refresh_changed()
        messages.success(
            request,
            _("Figures refreshed: %(days)s days recomputed.") % {"days": run.days},
        )
    period, _error = parse_period(request.POST, timezone.localdate())
    return HttpResponseRedirect(f"{back}?{_period_query(period)}")


@require_POST
@login_required
def refresh_place(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_dashboard(request.user, pk)
    return _refresh(request, reverse("dashboards:place", args=[place.pk]))


@require_POST
@login_required
def refresh_grid(request: HttpRequest, pk: int) -> HttpResponse:
    grid = get_grid_for_dashboard(request.user, pk)
    return _refresh(request, reverse("dashboards:grid", args=[grid.pk]))


def _report_place(request: HttpRequest, pk: int, month: str):
    place = get_place_for_dashboard(request.user, pk)
    if place.kind not in REPORT_KINDS:
        raise Http404
    parsed = parse_month(month)
    today = timezone.localdate()
    if parsed is None or parsed > (today.year, today.month) or parsed < (selectors.FIRST_YEAR, 1):
        return place, None
    return place, Period(parsed, parsed)


def _bad_month(request: HttpRequest, place) -> HttpResponse:
    return render(
        request,
        "dashboards/bad_month.html",
        {"place": place, "back": reverse("dashboards:place", args=[place.pk])},
        status=400,
    )


@login_required
def report(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    place, period = _report_place(request, pk, month)
    if period is None:
        return _bad_month(request, place)
    board = selectors.dashboard(request.user, place_node(place), period)
    return render(
        request,
        "dashboards/report.html",
        {
            "board": board,
            "m": board.measures,
            "title": selectors.report_title(place, period),
            "xlsx_url": reverse("dashboards:report_xlsx", args=[place.pk, month]),
            "back": reverse("dashboards:place", args=[place.pk])
            + "?"
            + urlencode({"from": period.from_value, "to": period.to_value}),
        },
    )


@login_required
def report_xlsx(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    place, period = _report_place(request, pk, month)
    if period is None:
        return _bad_month(request, place)
    board = selectors.dashboard(request.user, place_node(place), period)
    content = report_workbook(board, selectors.report_title(place, period))
    audit.record(
        AuditAction.EXPORT,
        request=request,
        target=place,
        path=place.path,
        export="monthly report",
        month=month,
    )
    filename, ascii_name = report_filenames(place, period)
    return workbook_response(content, filename=filename, ascii_name=ascii_name)
