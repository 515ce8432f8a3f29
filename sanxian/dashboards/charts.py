"""The data of the dashboard's charts (drawn by ``static/js/dashboards.js`` with ECharts).

Each chart is ``{"type": "bar" | "line", "categories": [...], "series": [{"name", "data"}],
"percent": bool}``; the page shows the same numbers in a table beside each chart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from sanxian.dashboards.selectors import APPEAL_RATE_LABELS, INDEX_PARTS, Dashboard, Measures

Reader = Callable[[Measures], float | None]


def part_series() -> dict[str, list[tuple[str, Reader]]]:
    """Each part of the neighbourliness index with the two rates it averages."""
    return {
        "yi": [
            (str(INDEX_PARTS["yi"]), lambda m: m.yi),
            (_("Steps through the gates in order"), lambda m: m.gate_order.percent),
            (_("Minutes filed"), lambda m: m.minutes_rate.percent),
        ],
        "xing": [
            (str(INDEX_PARTS["xing"]), lambda m: m.xing),
            (_("Actions under an adopted plan"), lambda m: m.plan_rate.percent),
            (_("Party-first compliance"), lambda m: m.party_first.percent),
        ],
        "lin": [
            (str(INDEX_PARTS["lin"]), lambda m: m.lin),
            (_("Volunteer hours against the target"), lambda m: m.hours_score.percent),
            (_("Appeals solved with residents' help"), lambda m: m.residents_help.percent),
        ],
        "qin": [
            (str(INDEX_PARTS["qin"]), lambda m: m.qin),
            (_("Activity attendance against the target"), lambda m: m.participation_score.percent),
            (_("Satisfaction (appeals and outcomes)"), lambda m: m.satisfaction.percent),
        ],
    }


def chart_data(board: Dashboard) -> dict[str, Any]:
    m = board.measures
    months = [p.label for p in board.trend]
    charts: dict[str, Any] = {
        "states": {
            "type": "bar",
            "categories": [s["label"] for s in m.states],
            "series": [{"name": _("Issues"), "data": [s["count"] for s in m.states]}],
            "percent": False,
        },
        "stages": {
            "type": "bar",
            "categories": [s["label"] for s in m.stage_days],
            "series": [{"name": _("Average days"), "data": [s["days"] for s in m.stage_days]}],
            "percent": False,
        },
        "rates": {
            "type": "line",
            "categories": months,
            "series": [
                {
                    "name": str(label),
                    "data": [p.measures.appeal_rates[key].percent for p in board.trend],
                }
                for key, label in APPEAL_RATE_LABELS.items()
            ],
            "percent": True,
        },
        "index": {
            "type": "line",
            "categories": months,
            "series": [
                {"name": str(label), "data": [getattr(p.measures, key) for p in board.trend]}
                for key, label in INDEX_PARTS.items()
            ],
            "percent": True,
        },
        "volunteers": {
            "type": "bar",
            "categories": months,
            "series": [
                {
                    "name": _("Approved volunteer hours"),
                    "data": [p.measures.volunteer_hours for p in board.trend],
                },
                {
                    "name": _("Hours per 100 residents"),
                    "data": [p.measures.hours_per_100 for p in board.trend],
                },
            ],
            "percent": False,
            "horizontal": False,
        },
        "activities": {
            "type": "bar",
            "categories": months,
            "series": [
                {
                    "name": _("Confirmed sign-ups"),
                    "data": [p.measures.get("confirmed") for p in board.trend],
                },
                {"name": _("Check-ins"), "data": [p.measures.checkins for p in board.trend]},
                {
                    "name": _("Check-ins per 100 residents"),
                    "data": [p.measures.participation for p in board.trend],
                },
            ],
            "percent": False,
            "horizontal": False,
        },
    }
    for key, parts in part_series().items():
        charts[f"trend-{key}"] = {
            "type": "line",
            "categories": months,
            "series": [
                {"name": str(label), "data": [read(p.measures) for p in board.trend]}
                for label, read in parts
            ],
            "percent": True,
        }
    if board.has_meetings:
        kinds = m.meetings_by_kind
        charts["meetings"] = {
            "type": "bar",
            "categories": [k["label"] for k in kinds],
            "series": [
                {"name": _("Meetings due"), "data": [k["due"] for k in kinds]},
                {"name": _("On schedule"), "data": [k["on_schedule"] for k in kinds]},
                {"name": _("Held"), "data": [k["held"] for k in kinds]},
                {"name": _("Minutes filed"), "data": [k["minutes"] for k in kinds]},
            ],
            "percent": False,
        }
        charts["attendance"] = {
            "type": "bar",
            "categories": [r["label"] for r in m.attendance],
            "series": [{"name": _("Attendance"), "data": [r["percent"] for r in m.attendance]}],
            "percent": True,
        }
    for chart in charts.values():
        chart["rows"] = _rows(chart)
    return charts


def _cell(value: object, percent: bool) -> str:
    if value is None:
        return "—"
    return f"{value:g}%" if percent else f"{value:g}"


def _rows(chart: dict[str, Any]) -> list[list[str]]:
    """The chart's numbers as table rows: one per category, one column per series."""
    return [
        [str(category)] + [_cell(s["data"][i], chart["percent"]) for s in chart["series"]]
        for i, category in enumerate(chart["categories"])
    ]
