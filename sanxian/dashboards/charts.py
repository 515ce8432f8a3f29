"""The data of the dashboard's charts (drawn by ``static/js/dashboards.js`` with ECharts).

Each chart is ``{"type": "bar" | "line", "categories": [...], "series": [{"name", "data"}],
"percent": bool}``; the page shows the same numbers in a table beside each chart.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sanxian.dashboards.selectors import APPEAL_RATE_LABELS, Dashboard


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
                {"name": _("Deliberation in order"), "data": [p.measures.yi for p in board.trend]},
                {"name": _("Action within rules"), "data": [p.measures.xing for p in board.trend]},
            ],
            "percent": True,
        },
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
