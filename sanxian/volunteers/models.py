"""Volunteers (邻有助): people who volunteer, their teams and skills, and the hours ledger.

Model map:

- ``Volunteer``: one person who volunteers — usually a registered resident (``resident``),
  possibly someone from outside (a party member registered with the community, 双报到) with
  only a name. ``path`` is where they belong in the territory (their household's path, or
  the path of the place that registered them), so scope filters need no join.
- ``Skill``: a skill a volunteer offers (electrician, first aid, calligraphy…).
- ``VolunteerTeam``: a team at a place (a neighborhood, usually); ``parent`` nests teams
  (江南匠心舫 and its 13 teams). ``path`` copies the place's path.
- ``TeamMembership``: a volunteer in a team, with ``is_leader`` and joined/left dates.
- ``HoursEntry``: one line of the hours ledger. Hours are ``pending`` until the team leader
  approves them; only ``approved`` hours count (honour roll, service record, dashboards).
  ``source`` says where they came from (a duty shift, an activity, entered by hand) and
  ``source_ref`` is the id of that record.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    resident = models.OneToOneField(
        "places.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    name = models.CharField(_("name"), max_length=50)
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("registered at"),
        on_delete=models.PROTECT,
        related_name="volunteers",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True)
    registered_on = models.DateField(_("registered on"))

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering: ClassVar = ["path", "id"]

    def __str__(self) -> str:
        return self.name


class VolunteerTeam(models.Model):
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("place"),
        on_delete=models.PROTECT,
        related_name="volunteer_teams",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=50)
    description = models.TextField(_("description"), blank=True)
    created_on = models.DateField(_("founded on"))

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering: ClassVar = ["path", "name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["place", "name"], name="volunteer_team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(
        VolunteerTeam, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships"
    )
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    is_leader = models.BooleanField(_("team leader"), default=False)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints: ClassVar = [
            # One current membership per volunteer and team; history rows have left_on.
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(left_on__isnull=True),
                name="team_membership_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.volunteer}"


class HoursSource(models.TextChoices):
    SHIFT = "shift", _("Duty shift")
    ACTIVITY = "activity", _("Activity")
    MANUAL = "manual", _("Entered by the team")


class HoursState(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class HoursEntry(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="hours"
    )
    team = models.ForeignKey(
        VolunteerTeam,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hours",
    )
    # Where the service happened (a copy of the place path of the shift or activity).
    path = models.CharField(max_length=255, db_index=True)
    service = models.CharField(_("service content"), max_length=200)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    source = models.CharField(_("source"), max_length=10, choices=HoursSource.choices)
    source_ref = models.PositiveBigIntegerField(null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=HoursState.choices, default=HoursState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hours entry")
        verbose_name_plural = _("hours ledger")
        ordering: ClassVar = ["-started_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["state", "started_at"], name="hours_state_started"),
            models.Index(fields=["volunteer", "state"], name="hours_volunteer_state"),
        ]
        constraints: ClassVar = [
            # A shift or activity credits a volunteer once.
            models.UniqueConstraint(
                fields=["volunteer", "source", "source_ref"],
                condition=Q(source_ref__isnull=False),
                name="hours_once_per_source",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__gt=models.F("started_at")), name="hours_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.hours}"
