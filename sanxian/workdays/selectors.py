"""Working days by the official PRC calendar, read from the editable table.

The table is small (about thirty rows a year), so each process keeps one dict per year,
loaded in one query on first use and dropped when the table is edited through
``sanxian.workdays.services`` (other processes reload after ``CACHE_SECONDS``).

A year without a complete official list falls back to Monday–Friday; pages show
``calendar_warning(...)`` so nobody mistakes such a deadline for an official one.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from sanxian.workdays.models import CalendarYear, DayKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The end of a working day, as shown on deadlines.
END_OF_DAY = time(23, 59, 59)
# Another process's edit is seen at the latest after this many seconds.
CACHE_SECONDS = 300
# Guard against a table that (wrongly) marks every day as a holiday.
MAX_SCAN_DAYS = 3660


@dataclass(frozen=True)
class YearCalendar:
    year: int
    recorded: bool = False
    complete: bool = False
    source: str = ""
    holidays: dict[date, str] = field(default_factory=dict)
    makeup_workdays: dict[date, str] = field(default_factory=dict)
    loaded_at: float = 0.0


_cache: dict[int, YearCalendar] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every loaded year (called after each edit of the table)."""
    with _lock:
        _cache.clear()


def _load_year(year: int) -> YearCalendar:
    """One query: the year's row joined with its days (a LEFT JOIN, so an empty year
    still answers one row)."""
    rows = list(
        CalendarYear.objects.filter(year=year).values_list(
            "source", "complete", "days__date", "days__kind", "days__name"
        )
    )
    if not rows:
        return YearCalendar(year=year, loaded_at=_time.monotonic())
    holidays: dict[date, str] = {}
    makeup: dict[date, str] = {}
    for _source, _complete, day, kind, name in rows:
        if day is None:
            continue
        if kind == DayKind.HOLIDAY:
            holidays[day] = name
        elif kind == DayKind.MAKEUP_WORKDAY:
            makeup[day] = name
    source, complete = rows[0][0], rows[0][1]
    return YearCalendar(
        year=year,
        recorded=True,
        complete=bool(complete),
        source=source,
        holidays=holidays,
        makeup_workdays=makeup,
        loaded_at=_time.monotonic(),
    )


def year_calendar(year: int) -> YearCalendar:
    entry = _cache.get(year)
    if entry is None or _time.monotonic() - entry.loaded_at > CACHE_SECONDS:
        entry = _load_year(year)
        with _lock:
            _cache[year] = entry
    return entry


def year_has_official_data(year: int) -> bool:
    """True when the year's complete list of holidays and make-up days is recorded
    (seeded from the package, or entered by hand and marked complete)."""
    return year_calendar(year).complete


def is_working_day(day: date) -> bool:
    """A make-up working day works; a holiday rests; otherwise Monday–Friday work."""
    cal = year_calendar(day.year)
    if day in cal.makeup_workdays:
        return True
    if day in cal.holidays:
        return False
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (``start`` itself not counted).

    ``n == 0`` gives ``start`` when it is a working day, else the next working day;
    a negative ``n`` counts backwards (the n-th working day before ``start``).
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    day = start
    if remaining == 0:
        for _i in range(MAX_SCAN_DAYS):
            if is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day found")
    for _i in range(MAX_SCAN_DAYS):
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
            if remaining == 0:
                return day
    raise ValueError("no working day found")


def next_working_day(day: date) -> date:
    """``day`` if it is a working day, else the first working day after it."""
    return add_working_days(day, 0)


def previous_working_day(day: date) -> date:
    """``day`` if it is a working day, else the last working day before it."""
    return day if is_working_day(day) else add_working_days(day, -1)


def working_deadline(start: datetime, days: int) -> datetime:
    """The end (23:59:59 Beijing time) of the ``days``-th working day after ``start``.

    The day of ``start`` is not counted, whatever the hour: an appeal filed on Friday
    evening with 3 working days is due at the end of Wednesday (no holidays between).
    ``start`` must be timezone-aware.
    """
    if start.tzinfo is None:
        raise ValueError("working_deadline needs a timezone-aware datetime")
    local_day = start.astimezone(SHANGHAI).date()
    return datetime.combine(add_working_days(local_day, days), END_OF_DAY, tzinfo=SHANGHAI)


def years_without_official_data(years: Iterable[int]) -> list[int]:
    return sorted({y for y in years if not year_has_official_data(y)})


def calendar_warning(*years: int) -> str:
    """Text for pages when a year's official calendar is missing, else ``""``.

    Call with the years a deadline spans, e.g. ``calendar_warning(now.year, due.year)``.
    """
    missing = years_without_official_data(years)
    if not missing:
        return ""
    return _(
        "The official holiday calendar for %(years)s is not recorded yet: working days "
        "are counted Monday to Friday only, so deadlines may be off around public holidays."
    ) % {"years": ", ".join(str(y) for y in missing)}


def spans_years(start: datetime, end: datetime) -> list[int]:
    a = start.astimezone(SHANGHAI).year
    b = end.astimezone(SHANGHAI).year
    return list(range(min(a, b), max(a, b) + 1))
