"""Daily and monthly roll-ups that the dashboards read, and the record of each refresh.

``DailyRollup`` is a narrow table: one row per (node, day, metric) with an integer value,
only for values that are not zero. A node is a place of the drill-down (sub-district,
neighborhood, management block: its path) or a party-building grid (``grid:<id>``). Every
stored value is additive (a count or a sum), so a period's value is a plain SUM and rates
are computed from their numerator and denominator when read.

``MonthlyRollup`` holds, for the flow and balance families (not the snapshots), the sum of
each node's daily values over each calendar month. Dashboard periods are whole months, so a
period or a trend reads one row per month instead of one per day; every refresh rewrites
the months its days fall in, in the same transaction as the daily rows, so the two tables
always agree.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeKind(models.TextChoices):
    SUBDISTRICT = "subdistrict", _("Sub-district")
    NEIGHBORHOOD = "neighborhood", _("Neighborhood")
    BLOCK = "block", _("Management block")
    GRID = "grid", _("Grid")


class DailyRollup(models.Model):
    node = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=NodeKind.choices)
    # The path of the sub-district the node lies in: a refresh replaces whole trees.
    root = models.CharField(max_length=255)
    day = models.DateField()
    family = models.CharField(max_length=30)
    metric = models.CharField(max_length=80)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("daily roll-up")
        verbose_name_plural = _("daily roll-ups")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["node", "day", "metric"], name="rollup_unique"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["root", "family", "day"], name="rollup_root_family_day"),
            models.Index(fields=["family", "day"], name="rollup_family_day"),
        ]

    def __str__(self) -> str:
        return f"{self.node} {self.day} {self.metric}={self.value}"


class MonthlyRollup(models.Model):
    """The sum of a node's daily values of one metric over a calendar month (a row for every
    (node, month, metric) that has a daily row, even when the month's sum is zero)."""

    node = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=NodeKind.choices)
    root = models.CharField(max_length=255)
    # The first day of the month.
    month = models.DateField()
    family = models.CharField(max_length=30)
    metric = models.CharField(max_length=80)
    # The metric is read as a balance (summed over every month up to a period's end).
    balance = models.BooleanField(default=False)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("monthly roll-up")
        verbose_name_plural = _("monthly roll-ups")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["node", "month", "metric"], name="monthly_rollup_unique"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["node", "balance", "month"], name="monthly_node_balance_month"),
            models.Index(fields=["root", "family", "month"], name="monthly_root_family_month"),
            models.Index(fields=["family", "month"], name="monthly_family_month"),
        ]

    def __str__(self) -> str:
        return f"{self.node} {self.month:%Y-%m} {self.metric}={self.value}"


class RollupRun(models.Model):
    """One refresh of the roll-ups: which days, how it went."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    first_day = models.DateField(_("from"), null=True, blank=True)
    last_day = models.DateField(_("to"), null=True, blank=True)
    # "full", "range" or "changed" (only the days touched since the previous run).
    mode = models.CharField(_("mode"), max_length=10)
    days = models.PositiveIntegerField(_("days refreshed"), default=0)
    rows = models.PositiveIntegerField(_("rows written"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("roll-up refresh")
        verbose_name_plural = _("roll-up refreshes")
        ordering: ClassVar = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.mode} {self.first_day}–{self.last_day}"
