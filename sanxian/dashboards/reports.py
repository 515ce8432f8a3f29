"""The monthly report as an xlsx workbook: one sheet per family of measures, Chinese
headers (in the user's language), numbers stored as numbers and text neutralised against
formula injection."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from sanxian.dashboards.selectors import APPEAL_RATE_LABELS, Dashboard, Period, Rate, Target
from sanxian.places.models import Place
from sanxian.spreadsheets import safe_cell


def _local(moment: datetime) -> datetime:
    """Beijing wall-clock time, as a spreadsheet date (no time zone)."""
    return timezone.localtime(moment).replace(tzinfo=None)


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title=title[:31])
    ws.append([safe_cell(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    for i, _h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 18 if i > 1 else 28
    ws.freeze_panes = "A2"


def report_workbook(board: Dashboard, title: str) -> bytes:
    m = board.measures
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = _("Overview")[:31]
    summary.append([safe_cell(title)])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([_("Period"), safe_cell(board.period.label)])
    last = board.last_run.finished_at if board.last_run and board.last_run.finished_at else None
    summary.append([_("Figures as of"), _local(last) if last else "—"])
    if last:
        summary["B3"].number_format = "yyyy-mm-dd hh:mm"
    summary.append([])
    summary.append([_("Measure"), _("Value (%)"), _("Numerator"), _("Denominator")])
    lines: list[tuple[str, Rate | Target | float | None]] = [
        (_("Neighbourliness index"), m.index),
        (_("Deliberation in order"), m.yi),
        (_("Action within rules"), m.xing),
        (_("Neighbours help"), m.lin),
        (_("Closeness with measure"), m.qin),
        (_("Volunteer hours against the target"), m.hours_score),
        (_("Appeals solved with residents' help"), m.residents_help),
        (_("Activity attendance against the target"), m.participation_score),
        (_("Satisfaction (appeals and outcomes)"), m.satisfaction),
        (_("Meetings held on schedule"), m.schedule_rate),
        (_("Minutes filed"), m.minutes_rate),
        (_("Steps through the gates in order"), m.gate_order),
        (_("Actions under an adopted plan"), m.plan_rate),
        (_("Party-first compliance"), m.party_first),
        (_("Party members acted first"), m.acted_first),
        (_("Party consensus before the residents' consultation"), m.consensus_first),
        *[(str(label), m.appeal_rates[key]) for key, label in APPEAL_RATE_LABELS.items()],
    ]
    for label, rate in lines:
        if isinstance(rate, Rate):
            summary.append([label, rate.percent, rate.numerator, rate.denominator])
        elif isinstance(rate, Target):
            summary.append([label, rate.percent, round(rate.amount, 2), round(rate.target, 2)])
        else:
            summary.append([label, rate])
    summary.column_dimensions["A"].width = 34
    for col in "BCD":
        summary.column_dimensions[col].width = 14

    _sheet(
        wb,
        _("Structure"),
        [_("Measure"), _("Value")],
        [
            [_("Residents"), m.get("residents")],
            [_("Households"), m.get("households")],
            [_("Party members"), m.get("party_members")],
            [_("Grids"), m.get("grids")],
            [_("Grids with a party group"), m.get("grids_with_party_group")],
            [_("Grids with a full three-person team"), m.get("grids_with_full_team")],
            [_("Building groups"), m.get("building_groups")],
            [_("Building groups in a grid"), m.get("building_groups_in_grid")],
            [_("Structure gaps (errors)"), m.gap_errors],
            [_("Structure gaps (warnings)"), m.gap_warnings],
            *[[g["title"], g["count"]] for g in m.gaps],
        ],
    )
    _sheet(
        wb,
        _("Meetings"),
        [_("Meeting"), _("Meetings due"), _("On schedule"), _("Held"), _("Minutes filed")],
        [
            [k["label"], k["due"], k["on_schedule"], k["held"], k["minutes"]]
            for k in m.meetings_by_kind
        ]
        + [[], [_("Invited as"), _("Invited"), _("Attended"), _("Attendance (%)")]]
        + [
            [r["label"], r["rate"].denominator, r["rate"].numerator, r["rate"].percent]
            for r in m.attendance
        ],
    )
    _sheet(
        wb,
        _("Issues"),
        [_("State"), _("Issues at the end of the period")],
        [[s["label"], s["count"]] for s in m.states]
        + [[], [_("Stage"), _("Left the stage"), _("Average days")]]
        + [[s["label"], s["exits"], s["days"]] for s in m.stage_days]
        + [
            [],
            [_("Measure"), _("Numerator"), _("Denominator"), _("Value (%)")],
            *[
                [label, r.numerator, r.denominator, r.percent]
                for label, r in (
                    (_("Steps through the gates in order"), m.gate_order),
                    (_("Actions under an adopted plan"), m.plan_rate),
                    (_("Party-first compliance"), m.party_first),
                    (_("Party members acted first"), m.acted_first),
                    (
                        _("Party consensus before the residents' consultation"),
                        m.consensus_first,
                    ),
                    (_("Residents satisfied with outcomes"), m.survey["rate"]),
                )
            ],
        ],
    )
    _sheet(
        wb,
        _("Appeals"),
        [_("Rate"), _("Numerator"), _("Denominator"), _("Value (%)")],
        [
            [
                str(label),
                m.appeal_rates[key].numerator,
                m.appeal_rates[key].denominator,
                m.appeal_rates[key].percent,
            ]
            for key, label in APPEAL_RATE_LABELS.items()
        ]
        + [[], [_("Overdue appeals"), _("Category"), _("Place"), _("Resolution due by")]]
        + [
            [a.pk, a.category.name, a.place.name, _local(a.resolution_due_at)]
            for a in board.overdue
        ],
    )
    _sheet(
        wb,
        _("Volunteers"),
        [_("Source"), _("Approved volunteer hours"), _("Services (approved entries)")],
        [[r["label"], r["hours"], r["services"]] for r in m.hours_by_source]
        + [
            [_("Total"), m.volunteer_hours, m.volunteer_services],
            [],
            [_("Measure"), _("Value")],
            [_("Residents"), m.residents_count],
            [_("Hours per 100 residents"), m.hours_per_100],
            [_("Volunteers serving"), m.volunteers_serving],
            [],
            [_("Month"), _("Approved volunteer hours"), _("Hours per 100 residents")],
            *[[p.label, p.measures.volunteer_hours, p.measures.hours_per_100] for p in board.trend],
        ],
    )
    _sheet(
        wb,
        _("Activities"),
        [_("Measure"), _("Value")],
        [
            [_("Activities held"), m.activities_held],
            [_("Seats offered"), m.get("seats")],
            [_("Confirmed sign-ups"), m.get("confirmed")],
            [_("Check-ins"), m.checkins],
            [_("Check-ins per 100 residents"), m.participation],
            [_("Attendance rate (%)"), m.attendance_rate_activities.percent],
            [_("Households reached"), m.households_attending],
            [_("Helpers"), m.get("helpers")],
            [_("Helpers' hours"), m.helper_hours],
            [],
            [_("Month"), _("Confirmed sign-ups"), _("Check-ins"), _("Check-ins per 100 residents")],
            *[
                [
                    p.label,
                    p.measures.get("confirmed"),
                    p.measures.checkins,
                    p.measures.participation,
                ]
                for p in board.trend
            ],
        ],
    )
    if board.children:
        _sheet(
            wb,
            _("By place"),
            [
                _("Place"),
                _("Residents"),
                _("Grids with a party group (%)"),
                _("Structure gaps (errors)"),
                _("Meetings held on schedule (%)"),
                _("Minutes filed (%)"),
                _("Open issues"),
                _("Party-first compliance (%)"),
                *[f"{label} (%)" for label in APPEAL_RATE_LABELS.values()],
                _("Deliberation in order"),
                _("Action within rules"),
                _("Neighbours help"),
                _("Closeness with measure"),
                _("Hours per 100 residents"),
                _("Check-ins per 100 residents"),
            ],
            [
                [
                    c.node.name,
                    c.measures.get("residents"),
                    c.measures.party_group_coverage.percent,
                    c.measures.gap_errors,
                    c.measures.schedule_rate.percent,
                    c.measures.minutes_rate.percent,
                    c.measures.open_issues,
                    c.measures.party_first.percent,
                    *[c.measures.appeal_rates[k].percent for k in APPEAL_RATE_LABELS],
                    c.measures.yi,
                    c.measures.xing,
                    c.measures.lin,
                    c.measures.qin,
                    c.measures.hours_per_100,
                    c.measures.participation,
                ]
                for c in board.children
            ],
        )
    _sheet(
        wb,
        _("Neighbourliness index"),
        [
            _("Month"),
            _("Deliberation in order"),
            _("Action within rules"),
            _("Neighbours help"),
            _("Closeness with measure"),
            _("Neighbourliness index"),
        ],
        [
            [
                p.label,
                p.measures.yi,
                p.measures.xing,
                p.measures.lin,
                p.measures.qin,
                p.measures.index,
            ]
            for p in board.trend
        ],
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_filenames(place: Place, period: Period) -> tuple[str, str]:
    """The download's UTF-8 name and its ASCII fallback."""
    return f"{place.name}-{period.from_value}.xlsx", f"report-{period.from_value}.xlsx"
