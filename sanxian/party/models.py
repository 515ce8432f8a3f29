"""The party tree, kept isomorphic with the territory tree.

working committee ↔ sub-district, general branch ↔ neighborhood, branch ↔ block,
group ↔ grid. ``PartyOrg`` is its own materialised-path tree; each organisation also keeps
the territory path it serves (``scope_path``) so scope checks use the territory tree.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from sanxian.places.paths import STEP_LENGTH


class PartyOrgKind(models.TextChoices):
    WORKING_COMMITTEE = "working_committee", _("Party working committee")
    GENERAL_BRANCH = "general_branch", _("General party branch")
    BRANCH = "branch", _("Party branch")
    GROUP = "group", _("Party group")


class PartyOrg(MP_Node):
    steplen = STEP_LENGTH
    node_order_by: ClassVar[list[str]] = []

    kind = models.CharField(_("kind"), max_length=20, choices=PartyOrgKind.choices)
    name = models.CharField(_("name"), max_length=100)
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("territory served"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_orgs",
    )
    grid = models.OneToOneField(
        "grids.Grid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_group",
    )
    scope_path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")

    def __str__(self) -> str:
        return self.name


class MemberCategory(models.TextChoices):
    RETIRED = "retired", _("Retired")
    EMPLOYED_REGISTERED = "employed_registered", _("Employed, registered in the community")
    OTHER = "other", _("Other")


class PartyMember(models.Model):
    """A party member. Most live here (``resident``); members employed elsewhere who
    registered with the community (在职党员双报到) serve in a grid (``serving_grid``)."""

    resident = models.OneToOneField(
        "places.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_member",
    )
    name = models.CharField(_("name"), max_length=50)
    category = models.CharField(_("category"), max_length=30, choices=MemberCategory.choices)
    joined_on = models.DateField(_("joined the party"), null=True, blank=True)
    group = models.ForeignKey(
        PartyOrg,
        verbose_name=_("party group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    serving_grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("grid served"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_members",
    )
    # Where the member lives (their household's path) or, for registered members, the
    # block of the grid they serve.
    path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering: ClassVar = ["path", "id"]

    def __str__(self) -> str:
        return self.name
