"""Refreshing the roll-ups: a range of days, everything, or only what changed.

Each refresh computes every registered family for the window of days (a fixed number of
grouped queries per family), maps the values to the nodes of the drill-down, then replaces
the window's rows in one transaction (delete + insert): running it twice gives the same
table as running it once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from sanxian.activities.models import Activity
from sanxian.appeals.models import Appeal
from sanxian.dashboards.measures import FAMILIES, NodeMap, Window, local_day, root_of, roots_of
from sanxian.dashboards.models import DailyRollup, RollupRun
from sanxian.issues.models import ActionRecord, IssueEvent
from sanxian.meetings.models import Meeting
from sanxian.places.models import Place
from sanxian.volunteers.models import HoursEntry, HoursState

logger = logging.getLogger(__name__)

BATCH = 2000
# The advisory-lock key of roll-up writers on PostgreSQL (any constant of the product's own).
ROLLUP_LOCK = 0x5A7D_0001
# Days after today that may already hold values (a response deadline a few days ahead,
# met by an early first contact).
AHEAD_DAYS = 31
# Incremental refreshes always recompute these trailing days: their now-dependent values
# (deadlines passing, meetings falling due) change without any record changing.
TRAILING_DAYS = 2
# Changed days closer than this are refreshed as one range.
MERGE_GAP_DAYS = 14


def _compute(window: Window, families: list[str] | None) -> tuple[list[str], list[DailyRollup]]:
    chosen = [f for f in FAMILIES if families is None or f.name in families]
    nodes = NodeMap.load(window.roots)
    values: dict[tuple[str, date, str], int] = defaultdict(int)
    meta: dict[tuple[str, date, str], tuple[str, str]] = {}
    for family in chosen:
        for (anchor, day), metrics in family.collect(window).items():
            for node, kind in nodes.nodes_for(anchor):
                for metric, value in metrics.items():
                    key = (node, day, metric)
                    values[key] += value
                    meta[key] = (kind, family.name)
    rows = [
        DailyRollup(
            node=node,
            kind=meta[(node, day, metric)][0],
            root=root_of(node, nodes.grid_blocks),
            day=day,
            family=meta[(node, day, metric)][1],
            metric=metric,
            value=value,
        )
        for (node, day, metric), value in values.items()
        if value
    ]
    return [f.name for f in chosen], rows


def _lock() -> None:
    """Serialise writers of the roll-ups until the end of the transaction (two refreshes at
    once, e.g. the scheduler and a "refresh now" click, must not interleave their delete and
    insert). SQLite's IMMEDIATE transactions already serialise writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])


def _replace(window: Window, names: list[str], rows: list[DailyRollup]) -> None:
    """Replace the window's rows of these families; a snapshot family only replaces the
    snapshot of today (earlier snapshots are the history of the structure)."""
    snapshots = {f.name for f in FAMILIES if f.snapshot}
    flows = [n for n in names if n not in snapshots]
    taken = [n for n in names if n in snapshots]
    with transaction.atomic():
        _lock()
        where = Q(day__gte=window.start, day__lte=window.end, family__in=flows)
        if taken and window.start <= window.today <= window.end:
            where |= Q(day=window.today, family__in=taken)
        old = DailyRollup.objects.filter(where)
        if window.roots is not None:
            old = old.filter(root__in=window.roots)
        old.delete()
        DailyRollup.objects.bulk_create(rows, batch_size=BATCH)


def _refresh_window(window: Window, families: list[str] | None) -> int:
    names, rows = _compute(window, families)
    _replace(window, names, rows)
    return len(rows)


def _run(mode: str, ranges: list[tuple[date, date]], work) -> RollupRun:
    run = RollupRun.objects.create(
        started_at=timezone.now(),
        mode=mode,
        first_day=min((a for a, _b in ranges), default=None),
        last_day=max((b for _a, b in ranges), default=None),
        days=len({a + timedelta(days=i) for a, b in ranges for i in range((b - a).days + 1)}),
    )
    try:
        run.rows = work()
    except Exception as exc:
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["error", "finished_at"])
        logger.exception("roll-up refresh failed")
        raise
    run.finished_at = timezone.now()
    run.save(update_fields=["rows", "finished_at"])
    return run


def refresh_rollups(
    start: date,
    end: date,
    nodes: list[Place] | None = None,
    *,
    now: datetime | None = None,
    families: list[str] | None = None,
) -> RollupRun:
    """Recompute the days ``start``–``end`` (both included).

    ``nodes``: only the sub-district trees holding these places (None: every tree).
    ``now``: the moment the now-dependent measures are taken at (default: now).
    ``families``: only these families (default: all registered).
    """
    if end < start:
        start, end = end, start
    now = now or timezone.now()
    roots = None if nodes is None else roots_of(p.path for p in nodes)
    window = Window(start=start, end=end, now=now, roots=roots)
    return _run("range", [(start, end)], lambda: _refresh_window(window, families))


def first_record_day() -> date | None:
    """The earliest day any measured record counts on."""
    candidates = [
        IssueEvent.objects.aggregate(d=Min("at"))["d"],
        ActionRecord.objects.aggregate(d=Min("acted_at"))["d"],
        Appeal.objects.aggregate(d=Min("created_at"))["d"],
        Meeting.objects.aggregate(d=Min("starts_at"))["d"],
        HoursEntry.objects.filter(state=HoursState.APPROVED).aggregate(d=Min("started_at"))["d"],
        Activity.objects.aggregate(d=Min("starts_at"))["d"],
    ]
    found = [local_day(c) for c in candidates if c is not None]
    return min(found) if found else None


def refresh_all(*, now: datetime | None = None) -> RollupRun:
    """Rebuild every day from the first record to a month ahead."""
    now = now or timezone.now()
    today = local_day(now)
    start = min(first_record_day() or today, today)
    end = today + timedelta(days=AHEAD_DAYS)
    window = Window(start=start, end=end, now=now)

    def work() -> int:
        # Rows outside the window (records deleted since) go too, except snapshots.
        snapshots = [f.name for f in FAMILIES if f.snapshot]
        DailyRollup.objects.exclude(day__gte=start, day__lte=end).exclude(
            family__in=snapshots
        ).delete()
        return _refresh_window(window, None)

    return _run("full", [(start, end)], work)


def merge_days(days: set[date], gap: int = MERGE_GAP_DAYS) -> list[tuple[date, date]]:
    """Sorted days as ranges, joining ranges less than ``gap`` days apart."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and (day - ranges[-1][1]).days <= gap:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def last_run() -> RollupRun | None:
    return RollupRun.objects.filter(finished_at__isnull=False, error="").first()


def refresh_changed(*, now: datetime | None = None) -> RollupRun:
    """Recompute only the days whose values may have changed since the last good run
    (plus the trailing days); the first run rebuilds everything."""
    now = now or timezone.now()
    previous = last_run()
    if previous is None:
        return refresh_all(now=now)
    today = local_day(now)
    trailing = {today - timedelta(days=i) for i in range(TRAILING_DAYS)}
    plan: list[tuple[str, list[tuple[date, date]]]] = []
    for family in FAMILIES:
        days = set(trailing) if not family.snapshot else {today}
        if family.changed_days is not None:
            days |= family.changed_days(previous.started_at, now)
        plan.append((family.name, merge_days(days)))
    ranges = [r for _name, family_ranges in plan for r in family_ranges]

    def work() -> int:
        return sum(
            _refresh_window(Window(start=a, end=b, now=now), [name])
            for name, family_ranges in plan
            for a, b in family_ranges
        )

    return _run("changed", ranges, work)


def refresh_recent(days: int, *, now: datetime | None = None) -> RollupRun:
    """Recompute the last ``days`` days (today included) and the days ahead."""
    now = now or timezone.now()
    today = local_day(now)
    start = today - timedelta(days=max(days, 1) - 1)
    end = today + timedelta(days=AHEAD_DAYS)
    window = Window(start=start, end=end, now=now)
    return _run("range", [(start, end)], lambda: _refresh_window(window, None))
