"""Refreshing the roll-ups: a range of days, everything, or only what changed.

Each refresh computes the registered families for a window of days (a fixed number of
grouped queries per family), maps the values to the nodes of the drill-down, then replaces
the window's daily rows in one transaction (delete + insert) and, in the same transaction,
rewrites the monthly rows of the months the window touches from the daily rows: running it
twice gives the same tables as running it once.

A full rebuild goes one sub-district, one family and a few months at a time, writing each
piece as it is computed, so its memory is that of the largest piece, not of the whole
history.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from sanxian.activities.models import Activity
from sanxian.appeals.models import Appeal
from sanxian.dashboards.measures import (
    FAMILIES,
    NodeMap,
    Window,
    balance_prefixes,
    local_day,
    root_of,
    roots_of,
)
from sanxian.dashboards.models import DailyRollup, MonthlyRollup, RollupRun
from sanxian.issues.models import ActionRecord, IssueEvent
from sanxian.meetings.models import Meeting
from sanxian.places.models import Place
from sanxian.places.paths import STEP_LENGTH
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
# A full rebuild computes and writes this many calendar months of one family of one
# sub-district at a time (the unit its memory is bounded by).
REBUILD_MONTHS = 6

# The first day of the month of a date column, in each database's own SQL.
MONTH_OF = {
    "postgresql": "CAST(date_trunc('month', {column}) AS date)",
    "sqlite": "date({column}, 'start of month')",
}

Key = tuple[str, date, str]


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# The columns a daily row is written with, in this order.
COLUMNS = ("node", "kind", "root", "day", "family", "metric", "value")
Row = tuple[str, str, str, date, str, str, int]


def _compute(
    window: Window, families: list[str] | None, nodes: NodeMap | None = None
) -> tuple[list[str], Iterator[Row]]:
    """The chosen families' names and their daily rows for the window, made as they are
    written (only the summed values are held, keyed by node, day and metric)."""
    chosen = [f for f in FAMILIES if families is None or f.name in families]
    nodes = nodes or NodeMap.load(window.roots)
    values: dict[Key, int] = defaultdict(int)
    family_of: dict[str, str] = {}
    kind_of: dict[str, str] = {}
    for family in chosen:
        collected = family.collect(window)
        for (anchor, day), metrics in collected.items():
            for node, kind in nodes.nodes_for(anchor):
                kind_of[node] = kind
                for metric, value in metrics.items():
                    values[(node, day, metric)] += value
                    family_of[metric] = family.name
        del collected

    def rows() -> Iterator[Row]:
        roots = {node: root_of(node, nodes.grid_blocks) for node in kind_of}
        for (node, day, metric), value in values.items():
            if value:
                yield (node, kind_of[node], roots[node], day, family_of[metric], metric, value)
        values.clear()

    return [f.name for f in chosen], rows()


def _lock() -> None:
    """Serialise writers of the roll-ups until the end of the transaction (two refreshes at
    once, e.g. the scheduler and a "refresh now" click, must not interleave their delete and
    insert). SQLite's IMMEDIATE transactions already serialise writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])


def _insert(rows: Iterable[Row]) -> int:
    """Write the daily rows as they come (PostgreSQL: one COPY; SQLite: one prepared
    INSERT run over batches of rows), without making a model instance per row; the number
    written."""
    qn = connection.ops.quote_name
    table = qn(DailyRollup._meta.db_table)
    columns = ", ".join(qn(c) for c in COLUMNS)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw: Any = cursor.cursor
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        adapt = connection.ops.adapt_datefield_value
        marks = ", ".join(["%s"] * len(COLUMNS))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608  # nosec B608
        it = iter(rows)
        while batch := list(islice(it, BATCH)):
            cursor.executemany(sql, [(n, k, r, adapt(d), f, m, v) for n, k, r, d, f, m, v in batch])
            written += len(batch)
    return written


def _rebuild_months(
    first_day: date, last_day: date, flows: list[str], roots: tuple[str, ...] | None
) -> None:
    """Rewrite the monthly rows of these (non-snapshot) families for every month that
    ``first_day``–``last_day`` touches, as the sums of the daily rows (one grouped
    INSERT … SELECT: no row passes through Python)."""
    if not flows:
        return
    first, last = month_start(first_day), month_end(last_day)
    old = MonthlyRollup.objects.filter(month__gte=first, month__lte=last, family__in=flows)
    if roots is not None:
        old = old.filter(root__in=roots)
    old.delete()
    qn = connection.ops.quote_name
    month = MONTH_OF[connection.vendor].format(column=qn("day"))
    adapt = connection.ops.adapt_datefield_value
    where = [f"{qn('day')} >= %s", f"{qn('day')} <= %s"]
    params: list[Any] = [adapt(first), adapt(last)]
    where.append(f"{qn('family')} IN ({', '.join(['%s'] * len(flows))})")
    params += flows
    if roots is not None:
        where.append(f"{qn('root')} IN ({', '.join(['%s'] * len(roots))})")
        params += list(roots)
    columns = ", ".join(
        qn(c) for c in ("node", "kind", "root", "month", "family", "metric", "balance")
    )
    keys = ", ".join([qn("node"), qn("kind"), qn("root"), month, qn("family"), qn("metric")])
    prefixes = balance_prefixes()
    is_balance = " OR ".join(
        [f"substr({qn('metric')}, 1, {len(p)}) = %s" for p in prefixes] + ["1 = 0"]
    )
    # Identifiers come from the models and the database's own quoting; values are parameters.
    target = qn(MonthlyRollup._meta.db_table)
    source = qn(DailyRollup._meta.db_table)
    condition = " AND ".join(where)
    sql = (
        f"INSERT INTO {target} ({columns}, {qn('value')}) "  # noqa: S608  # nosec B608
        f"SELECT {keys}, ({is_balance}), SUM({qn('value')}) FROM {source} "
        f"WHERE {condition} GROUP BY {keys}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*prefixes, *params])


def _replace(window: Window, names: list[str], rows: Iterable[Row]) -> int:
    """Replace the window's rows of these families; a snapshot family only replaces the
    snapshot of today (earlier snapshots are the history of the structure). The months the
    window touches are rewritten from the daily rows in the same transaction. Returns the
    number of daily rows written."""
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
        written = _insert(rows)
        _rebuild_months(window.start, window.end, flows, window.roots)
    return written


def _refresh_window(
    window: Window, families: list[str] | None, nodes: NodeMap | None = None
) -> int:
    names, rows = _compute(window, families, nodes)
    return _replace(window, names, rows)


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


def month_chunks(start: date, end: date, months: int) -> list[tuple[date, date]]:
    """``start``–``end`` cut into pieces of ``months`` calendar months (the first and last
    pieces clipped to the range)."""
    chunks: list[tuple[date, date]] = []
    first = start
    while first <= end:
        index = first.year * 12 + first.month - 1 + months
        following = date(index // 12, index % 12 + 1, 1)
        last = min(following - timedelta(days=1), end)
        chunks.append((first, last))
        first = following
    return chunks


def sub_district_roots() -> list[str]:
    """The path of every tree of places (its sub-district)."""
    return sorted(
        {p[:STEP_LENGTH] for p in Place.objects.filter(depth=1).values_list("path", flat=True)}
    )


def rebuild(start: date, end: date, now: datetime) -> int:
    """Recompute ``start``–``end`` for every tree and family, a sub-district, a family and
    ``REBUILD_MONTHS`` months at a time, each piece replaced in its own transaction."""
    today = local_day(now)
    written = 0
    for root in sub_district_roots():
        nodes = NodeMap.load((root,))
        for family in FAMILIES:
            # A snapshot records today only: one piece that holds today.
            chunks = (
                [(today, today)] if family.snapshot else month_chunks(start, end, REBUILD_MONTHS)
            )
            for a, b in chunks:
                window = Window(start=a, end=b, now=now, roots=(root,))
                written += _refresh_window(window, [family.name], nodes)
    return written


def refresh_all(*, now: datetime | None = None) -> RollupRun:
    """Rebuild every day from the first record to a month ahead."""
    now = now or timezone.now()
    today = local_day(now)
    start = min(first_record_day() or today, today)
    end = today + timedelta(days=AHEAD_DAYS)

    def work() -> int:
        # Rows outside the window (records deleted since) and rows of trees that no longer
        # exist go too, except earlier snapshots.
        snapshots = [f.name for f in FAMILIES if f.snapshot]
        roots = sub_district_roots()
        with transaction.atomic():
            _lock()
            DailyRollup.objects.exclude(day__gte=start, day__lte=end).exclude(
                family__in=snapshots
            ).delete()
            MonthlyRollup.objects.exclude(
                month__gte=month_start(start), month__lte=month_start(end)
            ).delete()
            DailyRollup.objects.exclude(root__in=roots).filter(
                ~Q(family__in=snapshots) | Q(day=today)
            ).delete()
            MonthlyRollup.objects.exclude(root__in=roots).delete()
        return rebuild(start, end, now)

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
