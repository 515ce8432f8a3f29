"""Every write to the working-day calendar. Each edit drops the per-process cache."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import chinese_calendar
from django.db import transaction
from django.utils.translation import gettext as _

from sanxian.places.errors import DomainError
from sanxian.workdays.models import CalendarDay, CalendarSource, CalendarYear, DayKind
from sanxian.workdays.selectors import clear_cache

# The package names festivals in English; the table keeps the names people use.
FESTIVAL_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def package_years() -> range:
    """The years the installed ``chinesecalendar`` package holds official data for."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def package_days(year: int) -> list[tuple[date, str, str]]:
    """(date, kind, name) of the year's holidays and make-up working days in the package.

    Raises ``NotImplementedError`` for a year the package does not cover, as the package does.
    """
    if year not in package_years():
        raise NotImplementedError(f"chinesecalendar has no data for {year}")
    days: list[tuple[date, str, str]] = []
    for table, kind in (
        (chinese_calendar.holidays, DayKind.HOLIDAY),
        (chinese_calendar.workdays, DayKind.MAKEUP_WORKDAY),
    ):
        for day, name in table.items():
            if day.year == year:
                label = str(getattr(name, "value", name))
                days.append((day, kind, FESTIVAL_NAMES.get(label, label)))
    return sorted(days)


class SeedStatus:
    SEEDED = "seeded"
    UNCHANGED = "unchanged"
    KEPT_MANUAL = "kept_manual"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class SeedResult:
    year: int
    status: str
    days: int = 0


def _on_commit_clear() -> None:
    # Now (this transaction's own reads) and again once committed (reads that raced it).
    clear_cache()
    transaction.on_commit(clear_cache)


@transaction.atomic
def seed_year(year: int, *, force: bool = False) -> SeedResult:
    """Write the package's official days for ``year``; idempotent.

    A year edited by hand is kept unless ``force``; a year the package does not know
    (e.g. 2027 with chinesecalendar 1.11) is left as it is and reported ``no_data``.
    """
    try:
        wanted = package_days(year)
    except NotImplementedError:
        return SeedResult(year, SeedStatus.NO_DATA)
    cal_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if cal_year is not None and cal_year.source == CalendarSource.MANUAL and not force:
        return SeedResult(year, SeedStatus.KEPT_MANUAL, cal_year.days.count())
    if cal_year is None:
        cal_year = CalendarYear.objects.create(
            year=year, source=CalendarSource.OFFICIAL, complete=True
        )
    current = sorted(cal_year.days.values_list("date", "kind", "name"))
    if current == wanted and cal_year.source == CalendarSource.OFFICIAL and cal_year.complete:
        return SeedResult(year, SeedStatus.UNCHANGED, len(wanted))
    cal_year.days.all().delete()
    # A date may have been recorded under another year by a hand edit gone wrong.
    CalendarDay.objects.filter(date__in=[d for d, _k, _n in wanted]).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar_year=cal_year, date=d, kind=k, name=n) for d, k, n in wanted
    )
    cal_year.source = CalendarSource.OFFICIAL
    cal_year.complete = True
    cal_year.save(update_fields=["source", "complete", "updated_at"])
    _on_commit_clear()
    return SeedResult(year, SeedStatus.SEEDED, len(wanted))


def seed_holidays(years: Iterable[int] | None = None, *, force: bool = False) -> list[SeedResult]:
    """Seed the given years (default: every year the package holds)."""
    chosen = sorted(set(years)) if years is not None else list(package_years())
    return [seed_year(y, force=force) for y in chosen]


def _year_for_edit(year: int) -> CalendarYear:
    cal_year, _created = CalendarYear.objects.select_for_update().get_or_create(
        year=year, defaults={"source": CalendarSource.MANUAL, "complete": False}
    )
    return cal_year


@transaction.atomic
def set_calendar_day(*, day: date, kind: str, name: str = "") -> CalendarDay:
    """Record (or change) a holiday or make-up working day; the year becomes hand-edited."""
    kind = DayKind(kind)
    if kind == DayKind.MAKEUP_WORKDAY and day.weekday() < 5:
        raise DomainError(_("A make-up working day must be a Saturday or a Sunday."))
    cal_year = _year_for_edit(day.year)
    entry, _created = CalendarDay.objects.update_or_create(
        date=day, defaults={"calendar_year": cal_year, "kind": kind, "name": name.strip()[:50]}
    )
    if cal_year.source != CalendarSource.MANUAL:
        cal_year.source = CalendarSource.MANUAL
        cal_year.save(update_fields=["source", "updated_at"])
    _on_commit_clear()
    return entry


@transaction.atomic
def remove_calendar_day(*, day: date) -> bool:
    """Drop a recorded day (it then follows the Monday–Friday rule). True if one was removed."""
    entry = CalendarDay.objects.select_related("calendar_year").filter(date=day).first()
    if entry is None:
        return False
    cal_year = entry.calendar_year
    entry.delete()
    if cal_year.source != CalendarSource.MANUAL:
        cal_year.source = CalendarSource.MANUAL
        cal_year.save(update_fields=["source", "updated_at"])
    _on_commit_clear()
    return True


@transaction.atomic
def set_year_complete(*, year: int, complete: bool) -> CalendarYear:
    """Mark a year's list as complete (it then counts as official data) or not."""
    cal_year = _year_for_edit(year)
    if cal_year.complete != complete:
        cal_year.complete = complete
        cal_year.save(update_fields=["complete", "updated_at"])
    _on_commit_clear()
    return cal_year
