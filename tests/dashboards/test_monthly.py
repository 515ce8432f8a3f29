"""The monthly roll-ups agree with the daily ones: every refresh keeps them equal to the
daily rows summed by month, and the dashboard's reads over the monthly rows give exactly
what the same reads over the daily rows give. The streamed full rebuild (a sub-district, a
family and a few months at a time) writes what one computation of the whole window writes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.db.models import Max, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxian.dashboards import services
from sanxian.dashboards.measures import (
    Window,
    balance_prefixes,
    flow_families,
    snapshot_families,
)
from sanxian.dashboards.models import DailyRollup, MonthlyRollup
from sanxian.dashboards.selectors import (
    TREND_MONTHS,
    Period,
    _shift,
    grid_node,
    place_node,
    read_trend,
    read_values,
    residents_by_month,
)
from sanxian.dashboards.services import (
    month_chunks,
    refresh_all,
    refresh_changed,
    refresh_rollups,
)
from sanxian.issues.models import IssueState
from tests.dashboards.helpers import NOW, add_issue, at
from tests.dashboards.test_rollups import (
    activities,
    appeals,
    build,
    issues,
    meetings,
    volunteer_hours,
)
from tests.world import World

PERIODS = [
    Period((2025, 10), (2025, 10)),
    Period((2025, 9), (2025, 9)),
    Period((2025, 8), (2025, 10)),
    Period((2025, 1), (2025, 12)),
    Period((2024, 11), (2025, 2)),
]


def _balance_q() -> Q:
    q = Q(pk__in=[])
    for prefix in balance_prefixes():
        q |= Q(metric__startswith=prefix)
    return q


def daily_values(keys: list[str], period: Period) -> tuple[dict[str, dict[str, int]], date | None]:
    """``read_values`` summing the daily rows (the reading the monthly rows replace)."""
    balance = _balance_q()
    snaps = snapshot_families()
    snapshot_day = DailyRollup.objects.filter(family__in=snaps)
    latest_by_end = snapshot_day.filter(day__lte=period.last).order_by("-day").values("day")[:1]
    latest = snapshot_day.order_by("-day").values("day")[:1]
    rows = (
        DailyRollup.objects.filter(node__in=keys)
        .filter(
            (Q(family__in=flow_families(), day__gte=period.first, day__lte=period.last) & ~balance)
            | (balance & Q(day__lte=period.last))
            | Q(family__in=snaps, day=Coalesce(Subquery(latest_by_end), Subquery(latest)))
        )
        .order_by()
        .values("node", "family", "metric")
        .annotate(v=Sum("value"), last_day=Max("day"))
    )
    values: dict[str, dict[str, int]] = {k: {} for k in keys}
    day: date | None = None
    for row in rows:
        values[row["node"]][row["metric"]] = int(row["v"] or 0)
        if row["family"] in snaps:
            day = row["last_day"]
    return values, day


def daily_trend(key: str, period: Period) -> list[tuple[int, int, dict[str, int]]]:
    """``read_trend`` grouping the daily rows by month (the reading the monthly rows
    replace): (year, month, values) of each month shown."""
    months = period.months
    if len(months) < TREND_MONTHS:
        months = Period(_shift(*period.last_month, -(TREND_MONTHS - 1)), period.last_month).months
    first_day = date(*months[0], 1)
    balance = _balance_q()
    rows = (
        DailyRollup.objects.filter(node=key)
        .filter(
            (Q(family__in=flow_families(), day__gte=first_day, day__lte=period.last) & ~balance)
            | (balance & Q(day__lte=period.last))
        )
        .order_by()
        .annotate(month=TruncMonth("day"))
        .values("month", "metric")
        .annotate(v=Sum("value"))
    )
    prefixes = balance_prefixes()
    by_month: dict[tuple[int, int], dict[str, int]] = {m: {} for m in months}
    balances: list[tuple[tuple[int, int], str, int]] = []
    for row in rows:
        ym = (row["month"].year, row["month"].month)
        if row["metric"].startswith(prefixes):
            balances.append((ym, row["metric"], int(row["v"] or 0)))
        elif ym in by_month:
            by_month[ym][row["metric"]] = int(row["v"] or 0)
    for ym in months:
        carried: dict[str, int] = defaultdict(int)
        for month, metric, value in balances:
            if month <= ym:
                carried[metric] += value
        by_month[ym].update(carried)
    recorded = {ym for ym, _m, _v in balances} | {
        ym for ym, values in by_month.items() if any(not k.startswith(prefixes) for k in values)
    }
    first_kept = min([*recorded, period.first_month])
    snaps = list(
        DailyRollup.objects.filter(node=key, family__in=snapshot_families(), metric="residents")
        .order_by("day")
        .values_list("day", "value")
    )
    residents = residents_by_month(snaps, months)
    return [
        (y, m, {**by_month[(y, m)], **residents[(y, m)]})
        for (y, m) in months
        if (y, m) >= first_kept
    ]


def months_from_daily() -> dict[tuple[str, date, str], int]:
    """The daily rows of the flow and balance families summed by node, month and metric."""
    sums: dict[tuple[str, date, str], int] = defaultdict(int)
    for node, day, metric, value in DailyRollup.objects.filter(
        family__in=flow_families()
    ).values_list("node", "day", "metric", "value"):
        sums[(node, day.replace(day=1), metric)] += value
    return dict(sums)


def stored_months() -> dict[tuple[str, date, str], int]:
    return {
        (node, month, metric): value
        for node, month, metric, value in MonthlyRollup.objects.values_list(
            "node", "month", "metric", "value"
        )
    }


def assert_paths_agree(world: World) -> None:
    assert stored_months() == months_from_daily()
    nodes = [
        place_node(world.subdistrict),
        place_node(world.north),
        place_node(world.south),
        place_node(world.block),
        grid_node(world.grid),
    ]
    keys = [n.key for n in nodes]
    for period in PERIODS:
        assert read_values(keys, period) == daily_values(keys, period), period
        for key in keys:
            got = [(p.year, p.month, p.measures.values) for p in read_trend(key, period)]
            assert got == daily_trend(key, period), (key, period)


strategy = st.fixed_dictionaries(
    {
        "appeals": appeals,
        "issues": issues,
        "meetings": meetings,
        "hours": volunteer_hours,
        "activities": activities,
    }
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=strategy, more=strategy)
def test_monthly_and_daily_reads_agree(world: World, data: dict, more: dict) -> None:
    """After a full refresh, after a refresh of a few days inside a month (the month's
    other days kept) and after an incremental refresh, both readings give the same."""
    with transaction.atomic():
        build(world, data)
        refresh_rollups(date(2024, 11, 1), date(2025, 12, 31), now=NOW)
        assert_paths_agree(world)
        # One scheduled meeting per neighborhood, kind and day: the later ones are unscheduled.
        build(world, {**more, "meetings": [{**m, "scheduled": False} for m in more["meetings"]]})
        refresh_rollups(date(2025, 9, 10), date(2025, 10, 12), now=NOW)
        assert_paths_agree(world)
        refresh_changed(now=NOW + timedelta(hours=1))
        assert_paths_agree(world)
        transaction.set_rollback(True)


def test_a_month_whose_balance_nets_to_zero_still_counts_as_recorded(world: World) -> None:
    """An issue raised and shelved within one month: its state balances sum to zero over
    the month, and the monthly row is kept (the trend shows the month as recorded)."""
    add_issue(
        world.building,
        [(IssueState.COLLECTED.value, at(24 * 60)), (IssueState.SHELVED.value, at(24 * 59))],
    )
    refresh_rollups(date(2025, 8, 1), date(2025, 10, 31), now=NOW)
    zero = MonthlyRollup.objects.filter(node=world.north.path, metric="state:collected")
    assert [(r.month, r.value) for r in zero] == [(date(2025, 8, 1), 0)]
    assert_paths_agree(world)


def test_streamed_rebuild_writes_what_one_computation_writes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sanxian.places.services import create_subdistrict

    create_subdistrict(name="另一街道", district="测试区")
    build(
        world,
        {
            "appeals": [],
            "issues": [
                {
                    "place": "north",
                    "start": 24 * 100,
                    "gaps": [24 * 30, 24 * 20],
                    "shelved": False,
                    "actions": [(True, 24 * 35), (False, 24 * 36)],
                    "consultations": [24 * 40],
                },
                {
                    "place": "south_block",
                    "start": 24 * 70,
                    "gaps": [24 * 50],
                    "shelved": True,
                    "actions": [],
                    "consultations": [],
                },
            ],
            "meetings": [],
        },
    )
    monkeypatch.setattr(services, "REBUILD_MONTHS", 1)
    refresh_all(now=NOW)
    streamed = sorted(
        DailyRollup.objects.values_list("node", "kind", "root", "day", "metric", "value")
    )
    months = stored_months()
    assert months == months_from_daily()
    run_start = services.first_record_day()
    assert run_start is not None
    end = NOW.date() + timedelta(days=services.AHEAD_DAYS)
    assert len(month_chunks(run_start, end, 1)) > 3
    DailyRollup.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    services._refresh_window(Window(start=run_start, end=end, now=NOW), None)
    whole = sorted(
        DailyRollup.objects.values_list("node", "kind", "root", "day", "metric", "value")
    )
    assert streamed == whole
    assert any(metric == "moves:think" for *_x, metric, _v in whole)
    assert stored_months() == months


def test_month_chunks_cover_the_range_once() -> None:
    chunks = month_chunks(date(2025, 1, 20), date(2025, 7, 3), 2)
    assert chunks == [
        (date(2025, 1, 20), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 4, 30)),
        (date(2025, 5, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 7, 3)),
    ]


def test_full_rebuild_drops_rows_of_trees_that_are_gone(world: World) -> None:
    add_issue(world.building, [(IssueState.COLLECTED.value, at(30))])
    refresh_all(now=NOW)
    for model, when in (
        (DailyRollup, {"day": date(2025, 10, 1)}),
        (MonthlyRollup, {"month": date(2025, 10, 1)}),
    ):
        model.objects.create(
            node="9999",
            kind="subdistrict",
            root="9999",
            family="issues",
            metric="raised",
            value=3,
            **when,
        )
    refresh_all(now=NOW)
    assert not DailyRollup.objects.filter(root="9999").exists()
    assert not MonthlyRollup.objects.filter(root="9999").exists()
    assert MonthlyRollup.objects.filter(root=world.subdistrict.path, metric="raised").exists()
