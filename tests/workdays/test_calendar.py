"""Working days by the official calendar: 2025–2026 holidays and make-up working days
checked day by day against chinesecalendar, deadline arithmetic across Spring Festival
2026 and National Day 2025, and the weekend fallback (with a warning) for 2027."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sanxian.places.errors import DomainError
from sanxian.workdays.models import CalendarDay, CalendarSource, CalendarYear, DayKind
from sanxian.workdays.selectors import (
    SHANGHAI,
    add_working_days,
    calendar_warning,
    is_working_day,
    next_working_day,
    previous_working_day,
    working_deadline,
    year_has_official_data,
)
from sanxian.workdays.services import (
    SeedStatus,
    remove_calendar_day,
    seed_holidays,
    set_calendar_day,
    set_year_complete,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seeded() -> None:
    seed_holidays([2024, 2025, 2026])


def _days(year: int):  # type: ignore[no-untyped-def]
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_day_agrees_with_chinesecalendar(year: int) -> None:
    wrong = [d for d in _days(year) if is_working_day(d) != chinese_calendar.is_workday(d)]
    assert not wrong


def _cc_add(start: date, n: int) -> date:
    """An independent count with chinesecalendar itself."""
    day, left = start, n
    while left:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            left -= 1
    return day


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October worked.
        (date(2025, 9, 26), 1, date(2025, 9, 28)),
        (date(2025, 9, 30), 1, date(2025, 10, 9)),
        (date(2025, 9, 30), 3, date(2025, 10, 11)),
        (date(2025, 9, 30), 5, date(2025, 10, 14)),
        # Spring Festival 2026: 15–23 February off; Saturdays 14 and 28 February worked.
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 14), 3, date(2026, 2, 26)),
        (date(2026, 2, 26), 2, date(2026, 2, 28)),
        # New Year 2026 (1–3 January off, Sunday 4 January worked) and the turn of the year.
        (date(2025, 12, 31), 1, date(2026, 1, 4)),
        (date(2025, 12, 31), 2, date(2026, 1, 5)),
        # An ordinary week: Friday + 3 = Wednesday.
        (date(2025, 11, 14), 3, date(2025, 11, 19)),
    ],
)
def test_add_working_days_across_holidays(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected
    assert _cc_add(start, n) == expected


def test_zero_and_negative_counts() -> None:
    assert add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 9)
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert next_working_day(date(2026, 2, 15)) == date(2026, 2, 24)
    assert previous_working_day(date(2026, 2, 23)) == date(2026, 2, 14)
    assert previous_working_day(date(2026, 2, 24)) == date(2026, 2, 24)


def test_working_deadline_is_end_of_day_in_shanghai() -> None:
    start = datetime(2026, 2, 13, 18, 0, tzinfo=SHANGHAI)  # Friday evening before the festival
    due = working_deadline(start, 3)
    assert due == datetime(2026, 2, 25, 23, 59, 59, tzinfo=SHANGHAI)
    # 17:00 UTC on 30 September is already 1 October in Shanghai: the count starts there.
    utc_start = datetime(2025, 9, 30, 17, 0, tzinfo=UTC)
    assert working_deadline(utc_start, 1) == datetime(2025, 10, 9, 23, 59, 59, tzinfo=SHANGHAI)
    with pytest.raises(ValueError, match="aware"):
        working_deadline(datetime(2025, 1, 1), 1)


def test_2027_falls_back_to_weekends_with_a_warning() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    assert not year_has_official_data(2027)
    assert year_has_official_data(2026)
    assert is_working_day(date(2027, 1, 1))  # a Friday: no official data, so it counts
    assert not is_working_day(date(2027, 1, 2))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 8)
    start = datetime(2026, 12, 30, 9, 0, tzinfo=SHANGHAI)
    assert working_deadline(start, 3) == datetime(2027, 1, 4, 23, 59, 59, tzinfo=SHANGHAI)
    assert calendar_warning(2026) == ""
    with translation.override("en"):
        warning = calendar_warning(2026, 2027)
    assert warning.startswith("The official holiday calendar for 2027 is not recorded yet")
    assert "Monday to Friday" in warning


def test_seeding_is_idempotent_and_2027_is_reported_not_raised() -> None:
    before = sorted(CalendarDay.objects.values_list("date", "kind", "name"))
    results = seed_holidays([2025, 2026, 2027])
    assert [(r.year, r.status) for r in results] == [
        (2025, SeedStatus.UNCHANGED),
        (2026, SeedStatus.UNCHANGED),
        (2027, SeedStatus.NO_DATA),
    ]
    assert sorted(CalendarDay.objects.values_list("date", "kind", "name")) == before
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert CalendarDay.objects.get(date=date(2026, 2, 17)).name == "春节"
    assert CalendarDay.objects.get(date=date(2025, 9, 28)).kind == DayKind.MAKEUP_WORKDAY


def test_seed_command(capsys) -> None:  # type: ignore[no-untyped-def]
    CalendarYear.objects.filter(year=2025).delete()
    call_command("seed_holidays", "2025", "2027")
    out = capsys.readouterr().out
    assert "2025: seeded" in out
    assert "2027: no official data" in out
    assert year_has_official_data(2025)


def test_hand_edits_take_effect_at_once_and_survive_seeding() -> None:
    assert is_working_day(date(2027, 2, 8))
    set_calendar_day(day=date(2027, 2, 8), kind=DayKind.HOLIDAY, name="春节")
    assert not is_working_day(date(2027, 2, 8))  # the per-process cache was dropped
    set_calendar_day(day=date(2027, 2, 20), kind=DayKind.MAKEUP_WORKDAY, name="春节")
    assert is_working_day(date(2027, 2, 20))
    assert not year_has_official_data(2027)
    set_year_complete(year=2027, complete=True)
    assert year_has_official_data(2027)
    assert calendar_warning(2027) == ""
    assert remove_calendar_day(day=date(2027, 2, 8))
    assert is_working_day(date(2027, 2, 8))

    # Correcting an official year makes it hand-edited; seeding keeps it unless forced.
    set_calendar_day(day=date(2026, 2, 24), kind=DayKind.HOLIDAY, name="春节(延长)")
    assert CalendarYear.objects.get(year=2026).source == CalendarSource.MANUAL
    assert seed_holidays([2026])[0].status == SeedStatus.KEPT_MANUAL
    assert not is_working_day(date(2026, 2, 24))
    assert seed_holidays([2026], force=True)[0].status == SeedStatus.SEEDED
    assert is_working_day(date(2026, 2, 24))


def test_a_make_up_working_day_must_be_a_weekend_day() -> None:
    with translation.override("en"), pytest.raises(DomainError) as info:
        set_calendar_day(day=date(2027, 3, 3), kind=DayKind.MAKEUP_WORKDAY)
    assert "Saturday or a Sunday" in info.value.message


def test_a_year_is_loaded_in_one_query_then_cached() -> None:
    with CaptureQueriesContext(connection) as first:
        is_working_day(date(2026, 5, 4))
    assert len(first.captured_queries) == 1
    with CaptureQueriesContext(connection) as again:
        for d in _days(2026):
            is_working_day(d)
        add_working_days(date(2026, 9, 30), 10)
    assert len(again.captured_queries) == 0
