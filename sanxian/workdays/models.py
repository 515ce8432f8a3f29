"""The official PRC working-day calendar, one editable table per year.

The State Council publishes each year's public holidays (法定节假日) and the weekend days
that are worked instead (调休上班) late in the previous year. The table is seeded from the
``chinesecalendar`` package and may be edited by hand (e.g. for a year the package does
not know yet). A year with no row here, or whose row is not marked complete, falls back to
Monday–Friday working days and the pages that show deadlines say so.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarSource(models.TextChoices):
    OFFICIAL = "official", _("Official (from the chinesecalendar package)")
    MANUAL = "manual", _("Entered by hand")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day")


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=10, choices=CalendarSource.choices)
    # True once every holiday and make-up working day of the year is recorded.
    complete = models.BooleanField(_("complete"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering: ClassVar = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the Monday–Friday rule: a holiday or a worked weekend day.

    Holidays that fall on a weekend are recorded too (they carry the festival's name).
    """

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering: ClassVar = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()
