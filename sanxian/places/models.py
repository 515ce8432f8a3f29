"""The territory tree: sub-district → neighborhood → block → building → building group →
household, and the residents who live in households.

All territory nodes share one materialised-path table (``Place``); the glossary's names
(``Subdistrict``, ``Neighborhood`` …) are proxy models over it, so a subtree is one range
query on ``path`` and every record elsewhere can point at any node.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager

from sanxian.places.paths import STEP_LENGTH, subtree_q


class PlaceKind(models.TextChoices):
    SUBDISTRICT = "subdistrict", _("Sub-district")
    NEIGHBORHOOD = "neighborhood", _("Neighborhood")
    BLOCK = "block", _("Management block")
    BUILDING = "building", _("Building")
    BUILDING_GROUP = "building_group", _("Building group")
    HOUSEHOLD = "household", _("Household")


# The depth at which each kind sits in the tree (root = 1).
KIND_DEPTH = {
    PlaceKind.SUBDISTRICT: 1,
    PlaceKind.NEIGHBORHOOD: 2,
    PlaceKind.BLOCK: 3,
    PlaceKind.BUILDING: 4,
    PlaceKind.BUILDING_GROUP: 5,
    PlaceKind.HOUSEHOLD: 6,
}
CHILD_KIND = {
    PlaceKind.SUBDISTRICT: PlaceKind.NEIGHBORHOOD,
    PlaceKind.NEIGHBORHOOD: PlaceKind.BLOCK,
    PlaceKind.BLOCK: PlaceKind.BUILDING,
    PlaceKind.BUILDING: PlaceKind.BUILDING_GROUP,
    PlaceKind.BUILDING_GROUP: PlaceKind.HOUSEHOLD,
}


class Place(MP_Node):
    steplen = STEP_LENGTH
    node_order_by: ClassVar[list[str]] = []

    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    name = models.CharField(_("name"), max_length=100)
    # Sub-district only: the district it belongs to (e.g. 徐汇区).
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Buildings: year built and number of floors.
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    # Building groups: the floors they span (inclusive); households: their floor and room.
    floor_from = models.PositiveSmallIntegerField(_("from floor"), null=True, blank=True)
    floor_to = models.PositiveSmallIntegerField(_("to floor"), null=True, blank=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    # Building groups only: the party-building grid the group belongs to.
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="building_groups",
    )

    objects = MP_NodeManager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes: ClassVar = [
            models.Index(fields=["kind", "path"], name="place_kind_path"),
            models.Index(fields=["grid"], name="place_grid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return str(PlaceKind(self.kind).label)

    def subtree(self, field: str = "path") -> Q:
        return subtree_q(self.path, field)

    @property
    def child_kind(self) -> str | None:
        return CHILD_KIND.get(PlaceKind(self.kind))

    def ancestor_paths(self) -> list[str]:
        return [self.path[:i] for i in range(self.steplen, len(self.path), self.steplen)]


class _KindManager(MP_NodeManager):
    kind: str = ""

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)


def _kind_manager(kind: str) -> _KindManager:
    manager = _KindManager()
    manager.kind = kind
    return manager


class Subdistrict(Place):
    objects = _kind_manager(PlaceKind.SUBDISTRICT)

    class Meta:
        proxy = True
        verbose_name = _("sub-district")
        verbose_name_plural = _("sub-districts")


class Neighborhood(Place):
    objects = _kind_manager(PlaceKind.NEIGHBORHOOD)

    class Meta:
        proxy = True
        verbose_name = _("neighborhood")
        verbose_name_plural = _("neighborhoods")


class Block(Place):
    objects = _kind_manager(PlaceKind.BLOCK)

    class Meta:
        proxy = True
        verbose_name = _("management block")
        verbose_name_plural = _("management blocks")


class Building(Place):
    objects = _kind_manager(PlaceKind.BUILDING)

    class Meta:
        proxy = True
        verbose_name = _("building")
        verbose_name_plural = _("buildings")


class BuildingGroup(Place):
    objects = _kind_manager(PlaceKind.BUILDING_GROUP)

    class Meta:
        proxy = True
        verbose_name = _("building group")
        verbose_name_plural = _("building groups")


class Household(Place):
    objects = _kind_manager(PlaceKind.HOUSEHOLD)

    class Meta:
        proxy = True
        verbose_name = _("household")
        verbose_name_plural = _("households")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Relation(models.TextChoices):
    OWNER = "owner", _("Owner")
    FAMILY = "family", _("Family member")
    TENANT = "tenant", _("Tenant")


class ResidentQuerySet(models.QuerySet["Resident"]):
    def current(self) -> ResidentQuerySet:
        """Residents who live here now: those not recorded as moved out."""
        return self.filter(moved_out__isnull=True)

    def departed(self) -> ResidentQuerySet:
        return self.filter(moved_out__isnull=False)


class Resident(models.Model):
    household = models.ForeignKey(
        Place,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="residents",
        limit_choices_to={"kind": PlaceKind.HOUSEHOLD},
    )
    # A copy of the household's path: scope and roll-ups filter residents without a join.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_initials = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    relation = models.CharField(_("relation to household"), max_length=10, choices=Relation.choices)
    moved_in = models.DateField(_("moved in"), null=True, blank=True)
    # Identity card and phone numbers, sealed (``sanxian.personal_data``): encrypted, a
    # keyed digest for exact lookup, and the last four characters for display.
    id_number_sealed = models.TextField(blank=True, editable=False)
    id_number_digest = models.CharField(max_length=64, blank=True, editable=False)
    id_number_last4 = models.CharField(max_length=4, blank=True, editable=False)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    # Moved away (迁出): no longer counted as living here. After the retention period
    # (``SANXIAN_DEPARTED_RETENTION_DAYS``) the personal data is erased and ``erased_at``
    # set; the row stays, since appeals, volunteer hours and party history point at it.
    moved_out = models.DateField(_("moved out"), null=True, blank=True)
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering: ClassVar = ["path", "id"]
        constraints: ClassVar = [
            # One record per person: an identity card number belongs to one resident.
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~models.Q(id_number_digest=""),
                name="resident_one_per_id_number",
            ),
        ]
        indexes: ClassVar = [
            # "Who lives under this node now": a prefix range over current residents only.
            models.Index(
                fields=["path"],
                condition=models.Q(moved_out__isnull=True),
                name="resident_current_path",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def departed(self) -> bool:
        return self.moved_out is not None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


class OwnersCommittee(models.Model):
    """业委会: the owners' committee of an estate (a neighborhood, block or building)."""

    place = models.ForeignKey(
        Place,
        verbose_name=_("estate"),
        on_delete=models.PROTECT,
        related_name="owners_committees",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    chair = models.ForeignKey(
        Resident,
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("owners' committee")
        verbose_name_plural = _("owners' committees")

    def __str__(self) -> str:
        return self.name
