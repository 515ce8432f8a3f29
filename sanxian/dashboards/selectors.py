"""Reads of the dashboards: access, periods, and the measures of a node from the roll-ups.

A dashboard reads the roll-ups (plus, live, the list of overdue appeals and the two
distinct counts that do not add up across days and places: volunteers serving and
households reached), with a fixed number of queries whatever the size of the subtree: one
for the node's and its children's values over the period, two for the node's monthly trend
(values, and the residents each month is read with), one for both distinct counts.
Periods are whole months, so flows and balances are read from the monthly roll-ups (one row
per node, month and metric), and only the structure snapshot from the daily ones.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from django.db.models import Count, Max, Q, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from sanxian.accounts.models import STAFF_ROLES
from sanxian.accounts.scope import Scope, get_scope
from sanxian.activities.models import ActivitySignup, ActivityState
from sanxian.activities.models import SignupState as ActivitySignupState
from sanxian.appeals.models import OPEN_STATES, Appeal
from sanxian.appeals.selectors import period_bounds
from sanxian.dashboards.measures import (
    balance_prefixes,
    flow_families,
    grid_anchor,
    snapshot_families,
)
from sanxian.dashboards.models import DailyRollup, MonthlyRollup, RollupRun
from sanxian.grids.models import Grid
from sanxian.issues.models import MAIN_LINE, IssueState, SurveyRating
from sanxian.meetings.models import InviteeGroup, MeetingKind
from sanxian.party.structure import ERROR, GAP_KINDS
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import any_subtree_q
from sanxian.volunteers.models import HoursEntry, HoursSource, HoursState

DASHBOARD_KINDS = (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD, PlaceKind.BLOCK)
REPORT_KINDS = (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD)
OVERDUE_LIMIT = 10
TREND_MONTHS = 12
MAX_PERIOD_MONTHS = 36
FIRST_YEAR = 2000
SECONDS_PER_DAY = 86400

# --- Access -----------------------------------------------------------------------------


def get_place_for_dashboard(user, pk: int) -> Place:
    """A sub-district, neighborhood or block the user works in (staff), else 404."""
    scope = get_scope(user)
    if not scope.is_staff:
        raise Http404
    place = Place.objects.filter(pk=pk, kind__in=DASHBOARD_KINDS).first()
    if place is None or not scope.covers(place.path):
        raise Http404
    return place


def get_grid_for_dashboard(user, pk: int) -> Grid:
    """A grid the user works in or above (staff), else 404."""
    scope = get_scope(user)
    if not scope.is_staff:
        raise Http404
    grid = Grid.objects.select_related("block").filter(pk=pk).first()
    if grid is None or not scope.sees_grid(grid.pk, grid.path):
        raise Http404
    return grid


def home_url(user) -> str | None:
    """The dashboard of the highest node among the user's staff roles."""
    scope = get_scope(user)
    if not scope.is_staff:
        return None
    places = [
        a.place
        for a in scope.assignments
        if a.role in STAFF_ROLES and a.place is not None and a.place.kind in DASHBOARD_KINDS
    ]
    if places:
        top = min(places, key=lambda p: (len(p.path), p.path))
        return reverse("dashboards:place", args=[top.pk])
    grids = [a.grid_id for a in scope.assignments if a.role in STAFF_ROLES and a.grid_id]
    if grids:
        return reverse("dashboards:grid", args=[min(grids)])
    return None


# --- Periods ----------------------------------------------------------------------------


def month_label(year: int, month: int) -> str:
    return formats.date_format(date(year, month, 1), "YEAR_MONTH_FORMAT")


def month_value(year: int, month: int) -> str:
    """(2025, 10) → "2025-10"."""
    return f"{year:04d}-{month:02d}"


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def parse_month(text: str) -> tuple[int, int] | None:
    """ "2025-10" → (2025, 10); None when malformed."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        return None
    return year, month


PRESETS: dict[str, tuple[Any, int]] = {
    "this_month": (gettext_lazy("This month"), 1),
    "last_month": (gettext_lazy("Last month"), 1),
    "last_3": (gettext_lazy("Last 3 months"), 3),
    "last_6": (gettext_lazy("Last 6 months"), 6),
    "last_12": (gettext_lazy("Last 12 months"), 12),
}


@dataclass(frozen=True)
class Period:
    first_month: tuple[int, int]
    last_month: tuple[int, int]
    preset: str = "custom"

    @property
    def first(self) -> date:
        return date(*self.first_month, 1)

    @property
    def last(self) -> date:
        year, month = self.last_month
        return date(year, month, calendar.monthrange(year, month)[1])

    @property
    def months(self) -> list[tuple[int, int]]:
        out = [self.first_month]
        while out[-1] != self.last_month:
            out.append(_shift(*out[-1], 1))
        return out

    @property
    def label(self) -> str:
        if self.first_month == self.last_month:
            return month_label(*self.first_month)
        return _("%(first)s to %(last)s") % {
            "first": month_label(*self.first_month),
            "last": month_label(*self.last_month),
        }

    @property
    def from_value(self) -> str:
        return month_value(*self.first_month)

    @property
    def to_value(self) -> str:
        return month_value(*self.last_month)


def preset_period(preset: str, today: date) -> Period:
    this = (today.year, today.month)
    if preset == "last_month":
        last = _shift(*this, -1)
        return Period(last, last, preset)
    count = PRESETS.get(preset, PRESETS["this_month"])[1]
    return Period(_shift(*this, -(count - 1)), this, preset if preset in PRESETS else "this_month")


def parse_period(params, today: date) -> tuple[Period, str]:
    """The period asked for by ``period`` (a preset) or ``from``/``to`` (months), and an
    error message when the request was not usable (then this month is shown)."""
    preset = params.get("period", "")
    start, end = params.get("from", ""), params.get("to", "")
    if not start and not end:
        if preset and preset not in PRESETS and preset != "custom":
            return preset_period("this_month", today), _("Unknown period; showing this month.")
        return preset_period(preset or "this_month", today), ""
    first, last = parse_month(start or end), parse_month(end or start)
    fallback = preset_period("this_month", today)
    if first is None or last is None:
        return fallback, _("Months are written as YYYY-MM, e.g. 2025-10; showing this month.")
    if first > last:
        first, last = last, first
    if first < (FIRST_YEAR, 1) or last > (today.year, today.month):
        return fallback, _(
            "Choose months between %(first)s and this month; showing this month."
        ) % {"first": month_label(FIRST_YEAR, 1)}
    if len(Period(first, last).months) > MAX_PERIOD_MONTHS:
        return fallback, _("A period spans at most %(n)s months; showing this month.") % {
            "n": MAX_PERIOD_MONTHS
        }
    return Period(first, last, "custom"), ""


# --- Measures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        value = self.value
        return round(value * 100, 1) if value is not None else None


@dataclass(frozen=True)
class Target:
    """An amount against a target, read as a rate capped at 100 %."""

    amount: float
    target: float

    @property
    def value(self) -> float | None:
        return min(self.amount / self.target, 1.0) if self.target else None

    @property
    def percent(self) -> float | None:
        value = self.value
        return round(value * 100, 1) if value is not None else None


# The targets of the neighbourliness index, per 100 residents and month of the period.
HOURS_TARGET = 100  # approved volunteer hours
CHECKINS_TARGET = 10  # activity attendances (check-ins)


def per_100(amount: float, residents: int) -> float | None:
    return round(amount / residents * 100, 2) if residents else None


def mean_percent(*rates: Rate | Target) -> float | None:
    """The average of the rates that have something to count (None if none has)."""
    values = [r.percent for r in rates if r.percent is not None]
    return round(sum(values) / len(values), 1) if values else None


KIND_LABELS = {k.value: k.label for k in MeetingKind}
ROLE_LABELS = {k.value: k.label for k in InviteeGroup}
MAIN_STAGES = [s for s in MAIN_LINE if s != IssueState.DONE]


@dataclass
class Measures:
    """Derived measures over one node's summed roll-up values (each worked out once: a
    page reads most of them several times)."""

    values: dict[str, int]
    snapshot_day: date | None = None
    # Months in the period (the index's targets are per month).
    months: int = 1
    # Counted from the records (not additive, so not rolled up): distinct volunteers who
    # served, distinct households that attended activities; None when not counted.
    volunteers_serving: int | None = None
    households_attending: int | None = None

    def get(self, name: str) -> int:
        return int(self.values.get(name, 0))

    def total(self, prefix: str) -> int:
        if prefix.endswith(":") and prefix.count(":") == 1:
            return self._totals.get(prefix, 0)
        return sum(v for k, v in self.values.items() if k.startswith(prefix))

    @cached_property
    def _totals(self) -> dict[str, int]:
        """The sum of the values of each ``<group>:`` prefix."""
        totals: dict[str, int] = {}
        for key, value in self.values.items():
            group, colon, _rest = key.partition(":")
            if colon:
                totals[group + ":"] = totals.get(group + ":", 0) + int(value)
        return totals

    def keys(self, prefix: str) -> list[str]:
        return sorted(k[len(prefix) :] for k in self.values if k.startswith(prefix))

    # structure
    @cached_property
    def structure_rows(self) -> list[tuple[str, str, Any, bool]]:
        """(test id, label, value, is a rate) of the structure's counts and coverage."""
        return [
            ("residents", _("Residents"), self.get("residents"), False),
            ("households", _("Households"), self.get("households"), False),
            ("party-members", _("Party members"), self.get("party_members"), False),
            ("grids", _("Grids"), self.get("grids"), False),
            (
                "party-group-coverage",
                _("Grids with a party group"),
                self.party_group_coverage,
                True,
            ),
            (
                "team-coverage",
                _("Grids with a full three-person team"),
                self.team_coverage,
                True,
            ),
            ("grid-coverage", _("Building groups in a grid"), self.grid_coverage, True),
        ]

    @cached_property
    def residents_count(self) -> int:
        return self.get("residents")

    @cached_property
    def party_group_coverage(self) -> Rate:
        return Rate(self.get("grids_with_party_group"), self.get("grids"))

    @cached_property
    def team_coverage(self) -> Rate:
        return Rate(self.get("grids_with_full_team"), self.get("grids"))

    @cached_property
    def grid_coverage(self) -> Rate:
        return Rate(self.get("building_groups_in_grid"), self.get("building_groups"))

    @cached_property
    def gaps(self) -> list[dict[str, Any]]:
        return [
            {
                "code": k.code,
                "title": str(k.title),
                "severity": k.severity,
                "count": self.get(f"gaps:{k.code}"),
            }
            for k in GAP_KINDS
            if self.get(f"gaps:{k.code}")
        ]

    @cached_property
    def gap_errors(self) -> int:
        return sum(g["count"] for g in self.gaps if g["severity"] == ERROR)

    @cached_property
    def gap_warnings(self) -> int:
        return sum(g["count"] for g in self.gaps if g["severity"] != ERROR)

    # cycle
    @cached_property
    def schedule_rate(self) -> Rate:
        return Rate(self.total("on_schedule:"), self.total("due:"))

    @cached_property
    def minutes_rate(self) -> Rate:
        return Rate(self.total("minutes:"), self.total("held:"))

    @cached_property
    def meetings_by_kind(self) -> list[dict[str, Any]]:
        return [
            {
                "kind": kind.value,
                "label": str(kind.label),
                "due": self.get(f"due:{kind.value}"),
                "on_schedule": self.get(f"on_schedule:{kind.value}"),
                "held": self.get(f"held:{kind.value}"),
                "minutes": self.get(f"minutes:{kind.value}"),
            }
            for kind in MeetingKind
        ]

    @cached_property
    def attendance(self) -> list[dict[str, Any]]:
        rows = []
        for role in InviteeGroup:
            invited = self.get(f"invited:{role.value}")
            if not invited:
                continue
            rate = Rate(self.get(f"attended:{role.value}"), invited)
            rows.append(
                {
                    "role": role.value,
                    "label": str(role.label),
                    "rate": rate,
                    "percent": rate.percent,
                }
            )
        return rows

    @cached_property
    def attendance_rate(self) -> Rate:
        return Rate(self.total("attended:"), self.total("invited:"))

    # issues
    @cached_property
    def states(self) -> list[dict[str, Any]]:
        return [
            {"state": s.value, "label": str(s.label), "count": self.get(f"state:{s.value}")}
            for s in IssueState
        ]

    @cached_property
    def open_issues(self) -> int:
        return sum(
            self.get(f"state:{s}")
            for s in IssueState
            if s not in (IssueState.DONE, IssueState.SHELVED)
        )

    @cached_property
    def stage_days(self) -> list[dict[str, Any]]:
        rows = []
        for s in MAIN_STAGES:
            exits = self.get(f"stage_exits:{s.value}")
            seconds = self.get(f"stage_seconds:{s.value}")
            rows.append(
                {
                    "state": s.value,
                    "label": str(s.label),
                    "exits": exits,
                    "days": round(seconds / exits / SECONDS_PER_DAY, 1) if exits else None,
                }
            )
        return rows

    @cached_property
    def gate_order(self) -> Rate:
        return Rate(self.total("moves_in_order:"), self.total("moves:"))

    @cached_property
    def plan_rate(self) -> Rate:
        return Rate(self.get("actions_under_plan"), self.get("actions"))

    @cached_property
    def acted_first(self) -> Rate:
        """先行: party members acted before residents."""
        return Rate(self.get("party_first"), self.get("first_actions"))

    @cached_property
    def consensus_first(self) -> Rate:
        """先议: the party's consensus came before the residents' consultation."""
        return Rate(self.get("consensus_first"), self.get("consulted"))

    @cached_property
    def party_first(self) -> Rate:
        """Party-first compliance: both checks together."""
        return Rate(
            self.get("party_first") + self.get("consensus_first"),
            self.get("first_actions") + self.get("consulted"),
        )

    @cached_property
    def survey(self) -> dict[str, Any]:
        counts = {r.value: self.get(f"survey:{r.value}") for r in SurveyRating}
        total = sum(counts.values())
        good = counts[SurveyRating.SATISFIED] + counts[SurveyRating.BASICALLY_SATISFIED]
        return {
            "rows": [(str(r.label), counts[r.value]) for r in SurveyRating],
            "rate": Rate(good, total),
        }

    # appeals
    @cached_property
    def appeal_rates(self) -> dict[str, Rate]:
        return {
            "response": Rate(self.get("response_num"), self.get("response_den")),
            "resolution": Rate(self.get("resolution_num"), self.get("rated")),
            "satisfaction": Rate(self.get("satisfaction_num"), self.get("rated")),
            "on_time": Rate(self.get("on_time_num"), self.get("closed") + self.get("open_overdue")),
        }

    hours_target = HOURS_TARGET
    checkins_target = CHECKINS_TARGET

    # volunteers
    @cached_property
    def volunteer_hours(self) -> float:
        return self.total("hours_centi:") / 100

    @cached_property
    def volunteer_services(self) -> int:
        return self.total("services:")

    @cached_property
    def hours_by_source(self) -> list[dict[str, Any]]:
        return [
            {
                "source": s.value,
                "label": str(s.label),
                "hours": self.get(f"hours_centi:{s.value}") / 100,
                "services": self.get(f"services:{s.value}"),
            }
            for s in HoursSource
        ]

    @cached_property
    def hours_per_100(self) -> float | None:
        """Approved volunteer hours per 100 residents."""
        return per_100(self.volunteer_hours, self.residents_count)

    @cached_property
    def hours_score(self) -> Target:
        """Hours against the target of HOURS_TARGET hours per 100 residents a month."""
        return Target(self.volunteer_hours, self.residents_count * HOURS_TARGET / 100 * self.months)

    @cached_property
    def residents_help(self) -> Rate:
        """Appeals closed that were solved with residents' help ÷ appeals closed."""
        return Rate(self.get("residents_help"), self.get("closed"))

    # activities
    @cached_property
    def activities_held(self) -> int:
        return self.get("held")

    @cached_property
    def checkins(self) -> int:
        return self.get("checkins")

    @cached_property
    def helper_hours(self) -> float:
        return self.get("helper_centi") / 100

    @cached_property
    def participation(self) -> float | None:
        """Activity attendances (check-ins) per 100 residents."""
        return per_100(self.checkins, self.residents_count)

    @cached_property
    def attendance_rate_activities(self) -> Rate:
        return Rate(self.checkins, self.get("confirmed"))

    @cached_property
    def participation_score(self) -> Target:
        """Check-ins against the target of CHECKINS_TARGET per 100 residents a month."""
        return Target(self.checkins, self.residents_count * CHECKINS_TARGET / 100 * self.months)

    @cached_property
    def satisfaction(self) -> Rate:
        """Appeals rated and residents surveyed on issue outcomes, pooled."""
        survey = self.survey["rate"]
        return Rate(
            self.get("satisfaction_num") + survey.numerator,
            self.get("rated") + survey.denominator,
        )

    # the neighbourliness index
    @cached_property
    def yi(self) -> float | None:
        """议有序: deliberation in order."""
        return mean_percent(self.gate_order, self.minutes_rate)

    @cached_property
    def xing(self) -> float | None:
        """行有矩: action within rules."""
        return mean_percent(self.plan_rate, self.party_first)

    @cached_property
    def lin(self) -> float | None:
        """邻有助: neighbours help."""
        return mean_percent(self.hours_score, self.residents_help)

    @cached_property
    def qin(self) -> float | None:
        """亲有度: closeness with measure."""
        return mean_percent(self.participation_score, self.satisfaction)

    @cached_property
    def index(self) -> float | None:
        """The neighbourliness index: the average of the parts that have a value."""
        parts = [p for p in (self.yi, self.xing, self.lin, self.qin) if p is not None]
        return round(sum(parts) / len(parts), 1) if parts else None


INDEX_PARTS = {
    "yi": gettext_lazy("Deliberation in order"),
    "xing": gettext_lazy("Action within rules"),
    "lin": gettext_lazy("Neighbours help"),
    "qin": gettext_lazy("Closeness with measure"),
}

APPEAL_RATE_LABELS = {
    "response": gettext_lazy("Response rate"),
    "resolution": gettext_lazy("Resolution rate"),
    "satisfaction": gettext_lazy("Satisfaction rate"),
    "on_time": gettext_lazy("On-time rate"),
}


def read_values(keys: list[str], period: Period) -> tuple[dict[str, dict[str, int]], date | None]:
    """Summed values of each node for the period, and the day of the structure snapshot
    used (the latest one up to the end of the period, else the latest one): one query of
    three parts, each on an index — the flows' monthly sums over the period's months, the
    balances' monthly sums up to its last month, and the snapshot's daily rows."""
    snaps = snapshot_families()
    last_month = date(*period.last_month, 1)
    snapshot_day = DailyRollup.objects.filter(family__in=snaps)
    latest_by_end = snapshot_day.filter(day__lte=period.last).order_by("-day").values("day")[:1]
    latest = snapshot_day.order_by("-day").values("day")[:1]
    summed = {"v": Sum("value"), "last_day": Max("month")}
    flows = (
        MonthlyRollup.objects.filter(
            node__in=keys,
            balance=False,
            family__in=flow_families(),
            month__gte=period.first,
            month__lte=last_month,
        )
        .order_by()
        .values("node", "family", "metric")
        .annotate(**summed)
    )
    balances = (
        MonthlyRollup.objects.filter(node__in=keys, balance=True, month__lte=last_month)
        .order_by()
        .values("node", "family", "metric")
        .annotate(**summed)
    )
    snapshot = (
        DailyRollup.objects.filter(
            node__in=keys,
            family__in=snaps,
            day=Coalesce(Subquery(latest_by_end), Subquery(latest)),
        )
        .order_by()
        .values("node", "family", "metric")
        .annotate(v=Sum("value"), last_day=Max("day"))
    )
    values: dict[str, dict[str, int]] = {k: {} for k in keys}
    day: date | None = None
    for row in flows.union(balances, snapshot, all=True):
        values[row["node"]][row["metric"]] = int(row["v"] or 0)
        if row["family"] in snaps:
            day = row["last_day"]
    return values, day


@dataclass
class TrendPoint:
    year: int
    month: int
    label: str
    measures: Measures


def read_trend(key: str, period: Period) -> list[TrendPoint]:
    """The node's values month by month for the trend (the period, or the twelve months
    up to its end if the period is shorter): one query of three parts — the flows' monthly
    rows over those months, the balances' monthly rows up to the last one, and the daily
    rows of the structure snapshots' residents (each month is read with one of them)."""
    months = period.months
    if len(months) < TREND_MONTHS:
        first = _shift(*period.last_month, -(TREND_MONTHS - 1))
        months = Period(first, period.last_month).months
    first_day = date(*months[0], 1)
    last_month = date(*period.last_month, 1)
    snaps = snapshot_families()
    flows = MonthlyRollup.objects.filter(
        node=key,
        balance=False,
        family__in=flow_families(),
        month__gte=first_day,
        month__lte=last_month,
    )
    carried_rows = MonthlyRollup.objects.filter(node=key, balance=True, month__lte=last_month)
    snapshots = DailyRollup.objects.filter(node=key, family__in=snaps, metric="residents")
    rows = (
        flows.order_by()
        .values_list("month", "family", "metric", "value")
        .union(
            carried_rows.order_by().values_list("month", "family", "metric", "value"),
            snapshots.order_by().values_list("day", "family", "metric", "value"),
            all=True,
        )
    )
    by_month: dict[tuple[int, int], dict[str, int]] = {m: {} for m in months}
    carried: dict[str, int] = {}
    balances: list[tuple[tuple[int, int], str, int]] = []
    residents: list[tuple[date, int]] = []
    prefixes = balance_prefixes()
    for month, family, metric, value in rows:
        ym = (month.year, month.month)
        if family in snaps:
            residents.append((month, int(value)))
        elif metric.startswith(prefixes):
            balances.append((ym, metric, int(value)))
        elif ym in by_month:
            by_month[ym][metric] = int(value)
    balances.sort()
    index = 0
    for ym in months:
        while index < len(balances) and balances[index][0] <= ym:
            _ym, metric, value = balances[index]
            carried[metric] = carried.get(metric, 0) + value
            index += 1
        by_month[ym].update(carried)
    # Months before anything was recorded are left out (those of the period stay).
    recorded = {ym for ym, _metric, _value in balances} | {
        ym for ym, values in by_month.items() if any(not k.startswith(prefixes) for k in values)
    }
    first_kept = min([*recorded, period.first_month])
    read_with = residents_by_month(sorted(residents), months)
    return [
        TrendPoint(y, m, month_label(y, m), Measures({**by_month[(y, m)], **read_with[(y, m)]}))
        for (y, m) in months
        if (y, m) >= first_kept
    ]


def residents_by_month(
    snaps: list[tuple[date, int]], months: list[tuple[int, int]]
) -> dict[tuple[int, int], dict[str, int]]:
    """The residents of the structure snapshot each month is read with (the latest one up
    to the month's end, else the latest one, as for a period), from the snapshots'
    (day, residents) in day order."""
    out: dict[tuple[int, int], dict[str, int]] = {}
    for ym in months:
        last = Period(ym, ym).last
        before = [v for d, v in snaps if d <= last]
        chosen = before[-1] if before else (snaps[-1][1] if snaps else 0)
        out[ym] = {"residents": int(chosen)} if chosen else {}
    return out


# --- The dashboard ----------------------------------------------------------------------


@dataclass
class Node:
    key: str
    name: str
    kind: str
    url: str
    place: Place | None = None
    grid: Grid | None = None


@dataclass
class ChildRow:
    node: Node
    measures: Measures


@dataclass
class Dashboard:
    """What a dashboard shows. The live parts (overdue appeals, the two distinct counts) are
    read at once; the parts from the roll-ups (``measures``, ``children``, ``trend``,
    ``charts``) when first used — a page whose figures are cached by ``figures_key`` never
    reads them."""

    node: Node
    period: Period
    child_nodes: list[Node]
    volunteers_serving: int
    households_attending: int
    overdue: list[Appeal]
    overdue_more: bool
    last_run: RollupRun | None
    now: datetime
    breadcrumbs: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def has_meetings(self) -> bool:
        return self.node.kind in (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD)

    @cached_property
    def _values(self) -> tuple[dict[str, dict[str, int]], date | None]:
        return read_values([self.node.key] + [c.key for c in self.child_nodes], self.period)

    @cached_property
    def measures(self) -> Measures:
        values, snapshot_day = self._values
        return Measures(
            values[self.node.key],
            snapshot_day,
            months=len(self.period.months),
            volunteers_serving=self.volunteers_serving,
            households_attending=self.households_attending,
        )

    @cached_property
    def children(self) -> list[ChildRow]:
        values, snapshot_day = self._values
        months = len(self.period.months)
        return [
            ChildRow(c, Measures(values[c.key], snapshot_day, months=months))
            for c in self.child_nodes
        ]

    @cached_property
    def trend(self) -> list[TrendPoint]:
        return read_trend(self.node.key, self.period)

    @cached_property
    def charts(self) -> dict[str, Any]:
        from sanxian.dashboards.charts import chart_data  # charts reads this module's types

        return chart_data(self)

    @cached_property
    def figures_key(self) -> str:
        """Names everything the figures depend on: the node and its children as named now,
        the period, the roll-up run they were computed in, the two live counts and the
        language. A new roll-up run, a renamed place or a new volunteer gives a new key, so
        cached figures never need clearing."""
        run = self.last_run
        parts = [
            self.node.key,
            self.node.kind,
            self.period.preset,
            self.period.from_value,
            self.period.to_value,
            f"{run.pk}@{run.finished_at.isoformat()}" if run and run.finished_at else "-",
            self.volunteers_serving,
            self.households_attending,
            get_language(),
            *(f"{c.key}={c.name}" for c in self.child_nodes),
        ]
        return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def place_node(place: Place) -> Node:
    return Node(
        key=place.path,
        name=place.name,
        kind=place.kind,
        url=reverse("dashboards:place", args=[place.pk]),
        place=place,
    )


def grid_node(grid: Grid) -> Node:
    return Node(
        key=grid_anchor(grid.pk),
        name=grid.name,
        kind="grid",
        url=reverse("dashboards:grid", args=[grid.pk]),
        grid=grid,
    )


def children_of(node: Node) -> list[Node]:
    if node.grid is not None:
        return []
    place = node.place
    assert place is not None
    if place.kind == PlaceKind.BLOCK:
        return [grid_node(g) for g in Grid.objects.filter(block=place).order_by("number", "id")]
    return [place_node(p) for p in Place.objects.get_children(place).order_by("path")]


def breadcrumbs_for(node: Node, scope) -> list[dict[str, str | None]]:
    block = node.grid.block if node.grid is not None else None
    place = block or node.place
    assert place is not None
    paths = [place.path[:i] for i in range(4, len(place.path) + 1, 4)]
    places = list(Place.objects.filter(path__in=paths, kind__in=DASHBOARD_KINDS).order_by("depth"))
    crumbs: list[dict[str, str | None]] = []
    for p in places:
        url = reverse("dashboards:place", args=[p.pk]) if scope.covers(p.path) else None
        crumbs.append({"label": p.name, "url": url})
    if node.grid is not None:
        crumbs.append({"label": node.name, "url": None})
    if crumbs:
        crumbs[-1]["url"] = None
    return crumbs


def node_paths(node: Node, scope: Scope | None = None) -> list[str]:
    """The subtrees the node covers (a grid: its building groups, taken from the user's
    scope when a role is held at that grid)."""
    if node.grid is not None:
        known = scope.grid_paths.get(node.grid.pk) if scope is not None else None
        if known is not None:
            return list(known)
        return list(
            Place.objects.filter(grid=node.grid, kind=PlaceKind.BUILDING_GROUP).values_list(
                "path", flat=True
            )
        )
    assert node.place is not None
    return [node.place.path]


def distinct_counts(anchor: Place, where: Q, activity_where: Q, period: Period) -> tuple[int, int]:
    """Distinct volunteers with approved hours that started in the period under the node,
    and distinct households with a resident checked in at an activity held there: one
    query (two scalar subqueries on the node's own place row)."""
    start_at, end_at = period_bounds(period.first, period.last)
    volunteers = (
        HoursEntry.objects.filter(
            where, state=HoursState.APPROVED, started_at__gte=start_at, started_at__lt=end_at
        )
        .order_by()
        .values(one=Value(1))
        .annotate(n=Count("volunteer_id", distinct=True))
        .values("n")
    )
    households = (
        ActivitySignup.objects.filter(
            activity_where,
            activity__state=ActivityState.HELD,
            activity__starts_at__gte=start_at,
            activity__starts_at__lt=end_at,
            state=ActivitySignupState.CONFIRMED,
            checked_in_at__isnull=False,
        )
        .order_by()
        .values(one=Value(1))
        .annotate(n=Count("resident__household_id", distinct=True))
        .values("n")
    )
    row = (
        Place.objects.filter(pk=anchor.pk)
        .annotate(v=Subquery(volunteers[:1]), h=Subquery(households[:1]))
        .values_list("v", "h")
        .first()
    )
    v, h = row if row is not None else (0, 0)
    return int(v or 0), int(h or 0)


def overdue_appeals(where: Q, now: datetime) -> tuple[list[Appeal], bool]:
    """Open appeals past their resolution deadline, or past their contact deadline without
    a first contact (``open_overdue_q``), under ``where``, most overdue first.

    One query over a few small candidate sets, each read in deadline order on the (state,
    resolution deadline) index: for each open state, the first ``OVERDUE_LIMIT`` + 1
    appeals past their resolution deadline; and the open appeals past only their contact
    deadline (their resolution deadline is still ahead: recent ones, few whatever the
    history). The most overdue appeals of the subtree are among them, so the work is about
    the rows shown, not about every appeal of the subtree.
    """
    limit = OVERDUE_LIMIT + 1
    order = ("resolution_due_at", "id")
    parts = [where & Q(state=state, resolution_due_at__lt=now) for state in OPEN_STATES]
    parts.append(
        where
        & Q(
            state__in=OPEN_STATES,
            resolution_due_at__gte=now,
            first_contacted_at__isnull=True,
            response_due_at__lt=now,
        )
    )
    # The parts, each compiled by the ORM, are joined as one UNION ALL of derived tables
    # (SQLite allows no LIMIT directly in a compound's part); a single IN over it keeps the
    # outer read on the primary key (an OR of several INs is a full scan on PostgreSQL).
    selects: list[str] = []
    params: list[Any] = []
    for n, part in enumerate(parts):
        ids = Appeal.objects.filter(part).order_by(*order).values("pk")[:limit]
        sql, part_params = ids.query.sql_with_params()
        selects.append(f"SELECT * FROM ({sql}) AS part{n}")  # noqa: S608  # nosec B608
        params += part_params
    # Only SQL compiled by the ORM is joined; every value stays a parameter.
    chosen = RawSQL(" UNION ALL ".join(selects), params)  # noqa: S611  # nosec B611
    rows = list(
        Appeal.objects.filter(pk__in=chosen)
        .select_related("category", "place")
        .order_by(*order)[:limit]
    )
    return rows[:OVERDUE_LIMIT], len(rows) > OVERDUE_LIMIT


def dashboard(user, node: Node, period: Period, *, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    scope = get_scope(user)
    paths = node_paths(node, scope)
    overdue, more = overdue_appeals(any_subtree_q(paths), now)
    anchor = node.place if node.place is not None else node.grid.block  # type: ignore[union-attr]
    volunteers, households = distinct_counts(
        anchor, any_subtree_q(paths), any_subtree_q(paths, "activity__path"), period
    )
    return Dashboard(
        node=node,
        period=period,
        child_nodes=children_of(node),
        volunteers_serving=volunteers,
        households_attending=households,
        overdue=overdue,
        overdue_more=more,
        last_run=RollupRun.objects.filter(finished_at__isnull=False, error="").first(),
        now=now,
        breadcrumbs=breadcrumbs_for(node, scope),
    )


def report_title(place: Place, period: Period) -> str:
    """E.g. “江南新村居民区 2025年10月 “党员三先”工作月报”."""
    name = place.name
    if place.kind == PlaceKind.NEIGHBORHOOD and not name.endswith("居民区"):
        name = _("%(name)s neighborhood") % {"name": name}
    return _("%(place)s %(month)s “Party members' three firsts” monthly report") % {
        "place": name,
        "month": period.label,
    }
