"""What the roll-ups count: a registry of measure families, each with its collector.

A collector reads one family of records for a window of days and returns
``{(anchor, day): {metric: value}}`` where ``anchor`` says where the values belong:

- a place path of any depth (a household, building group, building, block …): the values
  count for every node of the drill-down above it (sub-district, neighborhood, block) and,
  when the path lies in a building group, for that building group's grid;
- ``grid_anchor(grid_id)``: the values belong to the grid as a whole (and to its block,
  neighborhood and sub-district).

Every value is additive (a count or a sum of seconds); rates are computed when read from
their numerator and denominator. Each metric is read in one of three ways:

- ``FLOW``: summed over the days of the period (meetings held, appeals rated …);
- ``BALANCE``: summed over every day up to the end of the period: +1 on the day something
  enters a state, −1 on the day it leaves, so the sum is how many are in it at the end;
- ``SNAPSHOT``: the value on the latest day a snapshot was taken (structure coverage): a
  snapshot family records the state of things as of the refresh, on the refresh's day.

Families: structure (a snapshot), the monthly cycle, issues, appeals, volunteers (approved
hours where the service happened) and activities (held activities, sign-ups, check-ins,
helpers). Adding a family is one ``register(Family(...))`` call with a collector; nothing
else in the roll-up machinery changes. Collectors use a fixed number of grouped queries
(GROUP BY path prefix and day), never a query per node.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from sanxian.activities.models import Activity, ActivityHelper, ActivitySignup, ActivityState
from sanxian.activities.models import SignupState as ActivitySignupState
from sanxian.appeals.models import CLOSED_STATES, GOOD_RATINGS, OPEN_STATES, Appeal, AppealEvent
from sanxian.appeals.models import AppealState as AS
from sanxian.appeals.selectors import period_bounds
from sanxian.grids.models import Grid, GridRole, GridTeamTerm
from sanxian.issues.gates import missing_for, next_on_main_line, party_acted_first, with_facts
from sanxian.issues.models import (
    MAIN_LINE,
    ActionRecord,
    AdoptedPlan,
    Consultation,
    Issue,
    IssueEvent,
    IssueState,
    SurveyResponse,
)
from sanxian.meetings.models import CycleRule, Invitation, Meeting
from sanxian.meetings.services import shift_for_holidays
from sanxian.party.models import PartyMember, PartyOrg, PartyOrgKind
from sanxian.party.structure import check_structure
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH, any_subtree_q, minimal_prefixes
from sanxian.volunteers.models import HoursEntry, HoursState
from sanxian.workdays.selectors import SHANGHAI

FLOW = "flow"
BALANCE = "balance"
SNAPSHOT = "snapshot"

# Records are grouped at the building-group level: finer paths add nothing to the nodes.
BUILDING_GROUP_LEN = KIND_DEPTH[PlaceKind.BUILDING_GROUP] * STEP_LENGTH
GRID_PREFIX = "grid:"

Collected = dict[tuple[str, date], dict[str, int]]


# SQLite allows a limited number of parameters in one statement: long id lists go in slices.
ID_SLICE = 500


def in_slices(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), ID_SLICE):
        yield ordered[start : start + ID_SLICE]


def grid_anchor(grid_id: int) -> str:
    return f"{GRID_PREFIX}{grid_id}"


@dataclass(frozen=True)
class Window:
    """The days to compute (``start``–``end``, both included, Beijing time), the moment
    the now-dependent measures are taken at (``now``), and the sub-district trees to
    compute (``roots``: their paths; None for all)."""

    start: date
    end: date
    now: datetime
    roots: tuple[str, ...] | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return period_bounds(self.start, self.end)

    def within(self, field: str) -> Q:
        start_at, end_at = self.bounds
        return Q(**{f"{field}__gte": start_at, f"{field}__lt": end_at})

    def under(self, field: str = "path") -> Q:
        if self.roots is None:
            return Q()
        return any_subtree_q(self.roots, field)

    @property
    def today(self) -> date:
        return timezone.localtime(self.now, SHANGHAI).date()


class Collector:
    """Accumulates values by (anchor, day, metric)."""

    def __init__(self) -> None:
        self.values: Collected = defaultdict(lambda: defaultdict(int))

    def add(self, anchor: str, day: date, metric: str, value: int = 1) -> None:
        if value:
            self.values[(anchor, day)][metric] += int(value)


@dataclass(frozen=True)
class Family:
    name: str
    collect: Callable[[Window], Collected]
    # The family records the state of things as of the refresh (one day per refresh).
    snapshot: bool = False
    # Metrics read as balances (sum over every day up to the period's end), by prefix.
    balance_prefixes: tuple[str, ...] = ()
    # The days whose values may have changed since ``since`` (for incremental refreshes);
    # None: the family is refreshed over the trailing days only.
    changed_days: Callable[[datetime, datetime], set[date]] | None = None

    def kind_of(self, metric: str) -> str:
        if self.snapshot:
            return SNAPSHOT
        if metric.startswith(self.balance_prefixes):
            return BALANCE
        return FLOW


FAMILIES: list[Family] = []


def register(family: Family) -> Family:
    """Add a family of measures to the roll-ups (replacing one of the same name)."""
    FAMILIES[:] = [f for f in FAMILIES if f.name != family.name]
    FAMILIES.append(family)
    return family


def family_named(name: str) -> Family | None:
    return next((f for f in FAMILIES if f.name == name), None)


def balance_prefixes() -> tuple[str, ...]:
    return tuple(p for f in FAMILIES for p in f.balance_prefixes)


def snapshot_families() -> list[str]:
    return [f.name for f in FAMILIES if f.snapshot]


def flow_families() -> list[str]:
    return [f.name for f in FAMILIES if not f.snapshot]


# --- Helpers ---------------------------------------------------------------------------


def local_day(value: datetime) -> date:
    return timezone.localtime(value, SHANGHAI).date()


def _grouped(qs: QuerySet, day_field: str, path_field: str = "path") -> QuerySet:
    """``qs`` grouped by building-group path prefix (``p``) and Beijing day (``d``)."""
    return (
        qs.order_by()
        .annotate(
            p=Substr(path_field, 1, BUILDING_GROUP_LEN), d=TruncDate(day_field, tzinfo=SHANGHAI)
        )
        .values("p", "d")
    )


def _days_of(values: Iterable[datetime | None]) -> set[date]:
    return {local_day(v) for v in values if v is not None}


# --- Structure (a snapshot) ------------------------------------------------------------

FULL_TEAM = len(GridRole.values)


def collect_structure(w: Window) -> Collected:
    """Coverage of the two trees and the structure check's gaps, as of now."""
    c = Collector()
    day = w.today
    if not w.start <= day <= w.end:
        return c.values
    under = w.under()
    counted: list[tuple[str, QuerySet]] = [
        ("residents", Resident.objects.current().filter(under)),
        ("households", Place.objects.filter(under, kind=PlaceKind.HOUSEHOLD)),
        ("party_members", PartyMember.objects.filter(under)),
    ]
    for metric, qs in counted:
        rows = (
            qs.order_by()
            .annotate(p=Substr("path", 1, BUILDING_GROUP_LEN))
            .values("p")
            .annotate(n=Count("id"))
            .values_list("p", "n")
        )
        for path, n in rows:
            c.add(path, day, metric, n)
    for path, grid_id in Place.objects.filter(under, kind=PlaceKind.BUILDING_GROUP).values_list(
        "path", "grid_id"
    ):
        c.add(path, day, "building_groups")
        if grid_id is not None:
            c.add(path, day, "building_groups_in_grid")
    grids = Grid.objects.filter(under)
    for grid_id in grids.values_list("id", flat=True):
        c.add(grid_anchor(grid_id), day, "grids")
    for grid_id in (
        PartyOrg.objects.filter(kind=PartyOrgKind.GROUP, grid__in=grids.values("id"))
        .values_list("grid_id", flat=True)
        .distinct()
    ):
        c.add(grid_anchor(grid_id), day, "grids_with_party_group")
    for grid_id, roles in (
        GridTeamTerm.objects.filter(grid__in=grids.values("id"), ends_on__isnull=True)
        .order_by()
        .values("grid_id")
        .annotate(n=Count("role", distinct=True))
        .values_list("grid_id", "n")
    ):
        if roles >= FULL_TEAM:
            c.add(grid_anchor(grid_id), day, "grids_with_full_team")
    _collect_gaps(c, w, day)
    return c.values


def _collect_gaps(c: Collector, w: Window, day: date) -> None:
    """The structure check of each sub-district, each gap counted where it lies."""
    roots = Place.objects.filter(depth=1, kind=PlaceKind.SUBDISTRICT)
    if w.roots is not None:
        roots = roots.filter(path__in=w.roots)
    gaps = [(root.path, gap) for root in roots.order_by("path") for gap in check_structure(root)]
    place_ids = {g.place_id for _p, g in gaps if g.grid_id is None and g.place_id is not None}
    member_ids = {
        g.member_id
        for _p, g in gaps
        if g.grid_id is None and g.place_id is None and g.member_id is not None
    }
    place_paths = {
        pk: path
        for ids in in_slices(place_ids)
        for pk, path in Place.objects.filter(pk__in=ids).values_list("id", "path")
    }
    member_paths = {
        pk: path
        for ids in in_slices(member_ids)
        for pk, path in PartyMember.objects.filter(pk__in=ids).values_list("id", "path")
    }
    for root_path, gap in gaps:
        if gap.grid_id is not None:
            anchor = grid_anchor(gap.grid_id)
        elif gap.place_id is not None:
            anchor = place_paths.get(gap.place_id, root_path)
        elif gap.member_id is not None:
            anchor = member_paths.get(gap.member_id) or root_path
        else:
            anchor = root_path
        c.add(anchor, day, f"gaps:{gap.code}")


# --- The monthly cycle ------------------------------------------------------------------


def _policies() -> dict[str, str]:
    return dict(CycleRule.objects.values_list("place__path", "holiday_policy"))


def _policy_for(path: str, policies: dict[str, str]) -> str:
    """The holiday policy of the nearest rule at or above ``path`` (else the default)."""
    for length in range(len(path), 0, -STEP_LENGTH):
        policy = policies.get(path[:length])
        if policy:
            return policy
    return str(CycleRule().holiday_policy)


def collect_cycle(w: Window) -> Collected:
    """Meetings of the monthly cycle, on the day they start.

    ``due:<kind>``: scheduled meetings whose start has passed; ``on_schedule:<kind>``: of
    those, held on the scheduled day (after the holiday shift of the neighborhood's rule);
    ``held:<kind>``: meetings held (scheduled or not); ``minutes:<kind>``: held with
    minutes filed; ``invited:<role>``/``attended:<role>``: invitations of held meetings.
    """
    c = Collector()
    policies = _policies()
    meetings = (
        Meeting.objects.filter(w.under(), w.within("starts_at"))
        .order_by()
        .values_list("path", "kind", "starts_at", "scheduled_for", "held", "minutes")
    )
    for path, kind, starts_at, scheduled_for, held, minutes in meetings:
        day = local_day(starts_at)
        if held:
            c.add(path, day, f"held:{kind}")
            if minutes.strip():
                c.add(path, day, f"minutes:{kind}")
        if scheduled_for is not None and starts_at <= w.now:
            c.add(path, day, f"due:{kind}")
            if held and day == shift_for_holidays(scheduled_for, _policy_for(path, policies)):
                c.add(path, day, f"on_schedule:{kind}")
    invitations = (
        _grouped(
            Invitation.objects.filter(
                w.under("meeting__path"), w.within("meeting__starts_at"), meeting__held=True
            ),
            "meeting__starts_at",
            "meeting__path",
        )
        .values("p", "d", "role")
        .annotate(n=Count("id"), a=Count("id", filter=Q(attended=True)))
    )
    for row in invitations:
        c.add(row["p"], row["d"], f"invited:{row['role']}", row["n"])
        c.add(row["p"], row["d"], f"attended:{row['role']}", row["a"])
    return c.values


def cycle_changed_days(since: datetime, now: datetime) -> set[date]:
    """Meetings carry no change stamp: the days of meetings started in the three months
    before ``since`` (minutes and attendance are recorded within weeks), up to now."""
    starts = Meeting.objects.filter(
        starts_at__gte=since - timedelta(days=92), starts_at__lte=now
    ).values_list("starts_at", flat=True)
    return _days_of(starts)


# --- Issues -----------------------------------------------------------------------------


def collect_issues(w: Window) -> Collected:
    """The issue workflow, from its append-only events and the act-stage records.

    On the day of each event: ``state:<s>`` +1 for the state entered and −1 for the state
    left (a balance: the sum up to a day is the number of issues in that state at its end);
    ``raised``; for each exit from a state ``stage_exits:<s>`` and ``stage_seconds:<s>``
    (time since the issue entered it); for each step forward on the main line
    ``moves:<to>`` and, when the step came from where the issue was and its gate holds on
    the record, ``moves_in_order:<to>``. On the day of each action: ``actions``,
    ``actions_under_plan`` (a plan adopted at a meeting that started before it) and
    ``party_actions``. On the day of an issue's first action: ``first_actions`` and
    ``party_first`` (a party member acted, before any resident). On the day of an issue's
    first residents' consultation: ``consulted`` and ``consensus_first`` (the issue had
    entered deliberate, after the party's consensus, by that day). Survey responses:
    ``survey:<rating>`` (residents counted).
    """
    c = Collector()
    in_window = IssueEvent.objects.filter(w.within("at"), w.under("issue__path"))
    events = list(
        IssueEvent.objects.filter(issue_id__in=Subquery(in_window.values("issue_id")))
        .order_by("issue_id", "at", "id")
        .values_list("issue_id", "issue__path", "at", "from_state", "to_state")
    )
    start_at, end_at = w.bounds
    forward_ids = {
        issue_id
        for issue_id, _p, at, old, new in events
        if start_at <= at < end_at and old in MAIN_LINE and new == next_on_main_line(old)
    }
    facts = {
        i.pk: i
        for ids in in_slices(forward_ids)
        for i in with_facts(Issue.objects.filter(pk__in=ids))
    }
    previous: tuple | None = None
    for event in events:
        issue_id, path, at, old, new = event
        prev = previous if previous is not None and previous[0] == issue_id else None
        previous = event
        if not start_at <= at < end_at:
            continue
        day = local_day(at)
        c.add(path, day, f"state:{new}")
        if not old:
            c.add(path, day, "raised")
            continue
        c.add(path, day, f"state:{old}", -1)
        if prev is not None:
            c.add(path, day, f"stage_exits:{old}")
            c.add(path, day, f"stage_seconds:{old}", int((at - prev[2]).total_seconds()))
        if old in MAIN_LINE and new == next_on_main_line(old):
            c.add(path, day, f"moves:{new}")
            issue = facts.get(issue_id)
            if (
                prev is not None
                and prev[4] == old
                and issue is not None
                and not missing_for(issue, new)
            ):
                c.add(path, day, f"moves_in_order:{new}")

    plan_before = AdoptedPlan.objects.filter(
        issue=OuterRef("issue"), meeting__starts_at__lte=OuterRef("acted_at")
    )
    actions = _grouped(
        ActionRecord.objects.filter(w.within("acted_at"), w.under("issue__path")),
        "acted_at",
        "issue__path",
    ).annotate(
        n=Count("id"),
        under_plan=Count("id", filter=Exists(plan_before)),
        party=Count("id", filter=Q(is_party_member=True)),
    )
    for row in actions:
        c.add(row["p"], row["d"], "actions", row["n"])
        c.add(row["p"], row["d"], "actions_under_plan", row["under_plan"])
        c.add(row["p"], row["d"], "party_actions", row["party"])

    acts = ActionRecord.objects.filter(issue=OuterRef("pk")).order_by("acted_at", "id")
    # An issue's first action falls in the window only if it has an action in the window.
    acted = ActionRecord.objects.filter(w.within("acted_at")).values("issue_id")
    firsts = (
        Issue.objects.filter(w.under(), pk__in=acted)
        .order_by()
        .annotate(
            first_at=Subquery(acts.values("acted_at")[:1]),
            first_party=Subquery(acts.filter(is_party_member=True).values("acted_at")[:1]),
            first_resident=Subquery(acts.filter(is_party_member=False).values("acted_at")[:1]),
        )
        .filter(w.within("first_at"))
        .values_list("path", "first_at", "first_party", "first_resident")
    )
    for path, first_at, first_party, first_resident in firsts:
        day = local_day(first_at)
        c.add(path, day, "first_actions")
        if party_acted_first(first_party, first_resident):
            c.add(path, day, "party_first")

    # 先议: the party's consensus (the move into deliberate) came before the residents'
    # consultation; each issue counts once, on the day of its first consultation.
    consulted = Consultation.objects.filter(held_on__gte=w.start, held_on__lte=w.end).values(
        "issue_id"
    )
    first_consultations = (
        Issue.objects.filter(w.under(), pk__in=consulted)
        .order_by()
        .annotate(
            first_held=Subquery(
                Consultation.objects.filter(issue=OuterRef("pk"))
                .order_by("held_on", "id")
                .values("held_on")[:1]
            ),
            deliberate_at=Subquery(
                IssueEvent.objects.filter(issue=OuterRef("pk"), to_state=IssueState.DELIBERATE)
                .order_by("at", "id")
                .values("at")[:1]
            ),
        )
        .values_list("path", "first_held", "deliberate_at")
    )
    for path, first_held, deliberate_at in first_consultations:
        if first_held is None or not w.start <= first_held <= w.end:
            continue
        c.add(path, first_held, "consulted")
        if deliberate_at is not None and local_day(deliberate_at) <= first_held:
            c.add(path, first_held, "consensus_first")

    surveys = (
        _grouped(
            SurveyResponse.objects.filter(w.within("recorded_at"), w.under("issue__path")),
            "recorded_at",
            "issue__path",
        )
        .values("p", "d", "rating")
        .annotate(n=Sum("count"))
    )
    for row in surveys:
        c.add(row["p"], row["d"], f"survey:{row['rating']}", row["n"] or 0)
    return c.values


def issues_changed_days(since: datetime, now: datetime) -> set[date]:
    """Every day an issue touched since ``since`` counts on (all its events, actions and
    survey responses), so moved values leave their old day too."""
    ids: set[int] = set()
    for qs in (
        IssueEvent.objects.filter(at__gte=since),
        ActionRecord.objects.filter(recorded_at__gte=since),
        SurveyResponse.objects.filter(recorded_at__gte=since),
        AdoptedPlan.objects.filter(adopted_at__gte=since),
        Consultation.objects.filter(recorded_at__gte=since),
    ):
        ids.update(qs.order_by().values_list("issue_id", flat=True).distinct())
    if not ids:
        return set()
    days: set[date] = set()
    for chunk in in_slices(ids):
        days |= _days_of(IssueEvent.objects.filter(issue_id__in=chunk).values_list("at", flat=True))
        days |= _days_of(
            ActionRecord.objects.filter(issue_id__in=chunk).values_list("acted_at", flat=True)
        )
        days |= _days_of(
            SurveyResponse.objects.filter(issue_id__in=chunk).values_list("recorded_at", flat=True)
        )
        days |= set(
            Consultation.objects.filter(issue_id__in=chunk).values_list("held_on", flat=True)
        )
    return days


# --- Appeals ----------------------------------------------------------------------------

# The issue an appeal was merged into has an action record of a resident (not a party
# member): the appeal was solved with residents' help (邻有助).
RESIDENTS_ACTED = ActionRecord.objects.filter(issue=OuterRef("issue"), is_party_member=False)

# Each part of the four rates counts on the day of its own moment (12345 convention, as
# ``sanxian.appeals.selectors.appeal_rates`` defines them).
APPEAL_PARTS: dict[str, Callable[[datetime], dict[str, Q]]] = {
    "created_at": lambda now: {"filed": Q()},
    "response_due_at": lambda now: {
        "response_den": Q(response_due_at__lte=now) | Q(first_contacted_at__isnull=False),
        "response_num": (Q(response_due_at__lte=now) | Q(first_contacted_at__isnull=False))
        & Q(first_contacted_at__lte=F("response_due_at")),
    },
    "rated_at": lambda now: {
        "rated": ~Q(rating=""),
        "resolution_num": ~Q(rating="") & Q(rating_state=AS.RESOLVED, rating__in=GOOD_RATINGS),
        "satisfaction_num": ~Q(rating="") & Q(rating__in=GOOD_RATINGS),
    },
    "closed_at": lambda now: {
        "closed": Q(state__in=CLOSED_STATES),
        "on_time_num": Q(state__in=CLOSED_STATES, closed_at__lte=F("resolution_due_at")),
        "residents_help": Q(Exists(RESIDENTS_ACTED), state=AS.MERGED),
    },
    "resolution_due_at": lambda now: {
        "open_overdue": Q(state__in=OPEN_STATES, resolution_due_at__lt=now),
    },
}


def collect_appeals(w: Window) -> Collected:
    """Appeals filed, the numerators and denominators of the four rates, and on the day an
    appeal closed ``residents_help``: it was merged into an issue whose action records
    include a resident (not a party member) acting, at any time up to the refresh."""
    c = Collector()
    for day_field, parts_of in APPEAL_PARTS.items():
        parts = parts_of(w.now)
        rows = _grouped(Appeal.objects.filter(w.under(), w.within(day_field)), day_field).annotate(
            **{name: Count("id", filter=q) if q else Count("id") for name, q in parts.items()}
        )
        for row in rows:
            for name in parts:
                c.add(row["p"], row["d"], name, row[name])
    return c.values


def appeals_changed_days(since: datetime, now: datetime) -> set[date]:
    """Every day a touched appeal counts on, and the days of its events (a re-rated
    appeal leaves the day of its earlier rating)."""
    touched = (
        Appeal.objects.filter(Q(created_at__gte=since) | Q(events__at__gte=since))
        .values("id")
        .distinct()
    )
    days: set[date] = set()
    for row in Appeal.objects.filter(pk__in=Subquery(touched)).values_list(
        "created_at", "response_due_at", "rated_at", "closed_at", "resolution_due_at"
    ):
        days |= _days_of(row)
    days |= _days_of(
        AppealEvent.objects.filter(appeal_id__in=Subquery(touched)).values_list("at", flat=True)
    )
    # A resident's action recorded since changes ``residents_help`` of the issue's appeals.
    acted = ActionRecord.objects.filter(recorded_at__gte=since).values("issue_id")
    days |= _days_of(
        Appeal.objects.filter(issue_id__in=Subquery(acted)).values_list("closed_at", flat=True)
    )
    return days


# --- Volunteers (邻有助) ------------------------------------------------------------------

HUNDREDTHS = 100


def collect_volunteers(w: Window) -> Collected:
    """Approved volunteer hours, on the (Beijing) day the service started, where the
    service happened (the entry's ``path``: the place of the shift or activity, not the
    volunteer's home). Pending and rejected hours do not count.

    ``hours_centi:<source>``: approved hours in hundredths of an hour (duty shift, activity,
    entered by the team); ``services:<source>``: approved entries. Distinct volunteers are
    not additive across days or places and are not rolled up (the dashboard counts them
    from the ledger).
    """
    c = Collector()
    rows = (
        _grouped(
            HoursEntry.objects.filter(w.under(), w.within("started_at"), state=HoursState.APPROVED),
            "started_at",
        )
        .values("p", "d", "source")
        .annotate(n=Count("id"), h=Sum("hours"))
    )
    for row in rows:
        c.add(row["p"], row["d"], f"services:{row['source']}", row["n"])
        c.add(row["p"], row["d"], f"hours_centi:{row['source']}", _hundredths(row["h"]))
    return c.values


def _hundredths(hours: float | Decimal | None) -> int:
    return round(float(hours or 0) * HUNDREDTHS)


def volunteers_changed_days(since: datetime, now: datetime) -> set[date]:
    """The service days of entries recorded or decided (approved, rejected) since."""
    return _days_of(
        HoursEntry.objects.filter(Q(created_at__gte=since) | Q(decided_at__gte=since))
        .order_by()
        .values_list("started_at", flat=True)
    )


# --- Activities (亲有度) ------------------------------------------------------------------


def collect_activities(w: Window) -> Collected:
    """Activities that took place, on the (Beijing) day they started, at their place.

    ``held``: activities held; ``seats``: their seats; ``confirmed``: confirmed sign-ups;
    ``checkins``: confirmed sign-ups checked in (attendees); ``helpers`` and
    ``helper_centi``: helpers and their hours in hundredths (the hours set for each helper,
    else the activity's duration). Planned and cancelled activities do not count.
    """
    c = Collector()
    held = Activity.objects.filter(w.under(), w.within("starts_at"), state=ActivityState.HELD)
    for row in _grouped(held, "starts_at").annotate(n=Count("id"), seats=Sum("capacity")):
        c.add(row["p"], row["d"], "held", row["n"])
        c.add(row["p"], row["d"], "seats", row["seats"] or 0)
    signups = _grouped(
        ActivitySignup.objects.filter(
            activity__in=held.values("id"), state=ActivitySignupState.CONFIRMED
        ),
        "activity__starts_at",
        "activity__path",
    ).annotate(n=Count("id"), came=Count("id", filter=Q(checked_in_at__isnull=False)))
    for row in signups:
        c.add(row["p"], row["d"], "confirmed", row["n"])
        c.add(row["p"], row["d"], "checkins", row["came"])
    helpers = ActivityHelper.objects.filter(activity__in=held.values("id")).values_list(
        "activity__path", "activity__starts_at", "activity__ends_at", "hours"
    )
    for path, starts_at, ends_at, hours in helpers:
        day = local_day(starts_at)
        duration = (ends_at - starts_at).total_seconds() / 3600
        c.add(path, day, "helpers")
        c.add(path, day, "helper_centi", _hundredths(duration if hours is None else hours))
    return c.values


def activities_changed_days(since: datetime, now: datetime) -> set[date]:
    """Marking an activity held and check-ins carry no change stamp: the days of activities
    started in the three months before ``since`` up to now, of activities created since,
    and of those whose sign-ups or helpers changed since."""
    touched = (
        ActivitySignup.objects.filter(
            Q(created_at__gte=since)
            | Q(promoted_at__gte=since)
            | Q(cancelled_at__gte=since)
            | Q(checked_in_at__gte=since)
        )
        .order_by()
        .values("activity_id")
    )
    credited = ActivityHelper.objects.filter(credited_at__gte=since).values("activity_id")
    starts = Activity.objects.filter(
        Q(starts_at__gte=since - timedelta(days=92), starts_at__lte=now)
        | Q(created_at__gte=since)
        | Q(pk__in=Subquery(touched))
        | Q(pk__in=Subquery(credited))
    ).values_list("starts_at", flat=True)
    return _days_of(starts)


register(Family("structure", collect_structure, snapshot=True))
register(Family("cycle", collect_cycle, changed_days=cycle_changed_days))
register(
    Family(
        "issues",
        collect_issues,
        balance_prefixes=("state:",),
        changed_days=issues_changed_days,
    )
)
register(Family("appeals", collect_appeals, changed_days=appeals_changed_days))
register(Family("volunteers", collect_volunteers, changed_days=volunteers_changed_days))
register(Family("activities", collect_activities, changed_days=activities_changed_days))


# --- From anchors to nodes --------------------------------------------------------------

NODE_LENGTHS = {
    KIND_DEPTH[PlaceKind.SUBDISTRICT] * STEP_LENGTH: "subdistrict",
    KIND_DEPTH[PlaceKind.NEIGHBORHOOD] * STEP_LENGTH: "neighborhood",
    KIND_DEPTH[PlaceKind.BLOCK] * STEP_LENGTH: "block",
}


@dataclass
class NodeMap:
    """Where an anchor's values go: the drill-down nodes above it, and its grid."""

    grid_blocks: dict[int, str] = field(default_factory=dict)  # grid id → block path
    bg_grids: dict[str, int] = field(default_factory=dict)  # building group path → grid id
    _cache: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def load(cls, roots: tuple[str, ...] | None) -> NodeMap:
        under = Q() if roots is None else any_subtree_q(roots)
        grids = dict(Grid.objects.filter(under).values_list("id", "path"))
        bgs = dict(
            Place.objects.filter(
                under, kind=PlaceKind.BUILDING_GROUP, grid__isnull=False
            ).values_list("path", "grid_id")
        )
        return cls(grid_blocks=grids, bg_grids=bgs)

    def nodes_for(self, anchor: str) -> list[tuple[str, str]]:
        """[(node key, node kind)] for an anchor."""
        cached = self._cache.get(anchor)
        if cached is not None:
            return cached
        nodes: list[tuple[str, str]] = []
        path = anchor
        if anchor.startswith(GRID_PREFIX):
            grid_id = int(anchor[len(GRID_PREFIX) :])
            path = self.grid_blocks.get(grid_id, "")
            if path:
                nodes.append((anchor, "grid"))
        elif len(anchor) >= BUILDING_GROUP_LEN:
            grid_id_of = self.bg_grids.get(anchor[:BUILDING_GROUP_LEN])
            if grid_id_of is not None:
                nodes.append((grid_anchor(grid_id_of), "grid"))
        for length, kind in NODE_LENGTHS.items():
            if len(path) >= length:
                nodes.append((path[:length], kind))
        self._cache[anchor] = nodes
        return nodes


def root_of(node: str, grid_blocks: dict[int, str]) -> str:
    if node.startswith(GRID_PREFIX):
        return grid_blocks.get(int(node[len(GRID_PREFIX) :]), "")[:STEP_LENGTH]
    return node[:STEP_LENGTH]


def roots_of(paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(minimal_prefixes(p[:STEP_LENGTH] for p in paths))
