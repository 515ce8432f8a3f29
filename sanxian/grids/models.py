"""Party-building grids (党建网格) and their three-person teams (三人工作小组).

A grid is one or more adjacent building groups of one management block; the building
groups point at their grid (``Place.grid``). Each grid has three team roles, filled by
terms with a start and an end date, so the history of who served is kept.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Grid(models.Model):
    block = models.ForeignKey(
        "places.Place",
        verbose_name=_("management block"),
        on_delete=models.PROTECT,
        related_name="grids",
    )
    # A copy of the block's path: grids in a subtree are one range query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering: ClassVar = ["path", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["block", "number"], name="grid_unique_number"),
        ]

    def __str__(self) -> str:
        return self.name


class GridRole(models.TextChoices):
    PARTY_GROUP_LEADER = "party_group_leader", _("Party group leader")
    RESIDENT_GROUP_LEADER = "resident_group_leader", _("Resident group leader")
    OWNER_REPRESENTATIVE = "owner_representative", _("Owner representative")


class GridTeamTerm(models.Model):
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="team_terms"
    )
    role = models.CharField(_("role"), max_length=30, choices=GridRole.choices)
    resident = models.ForeignKey(
        "places.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="grid_terms",
    )
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(_("term ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("grid team term")
        verbose_name_plural = _("grid team terms")
        ordering: ClassVar = ["grid", "role", "-starts_on"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["grid", "role"],
                condition=Q(ends_on__isnull=True),
                name="grid_one_current_holder_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} · {self.get_role_display()} · {self.resident}"
