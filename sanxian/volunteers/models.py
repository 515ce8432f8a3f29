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
- ``Roster``: recurring duty of a team at a place (daily duty at a construction site, the
  night patrol): on which weekdays, from what time to what time (an end at or before the
  start means the shift crosses midnight), how many people per shift, from when to when.
- ``DutyShift``: one occurrence of a roster (``starts_at``–``ends_at``), generated ahead by
  ``generate_shifts``; ``taken`` counts the signed-up seats, never above ``capacity``.
- ``ShiftSignup``: a volunteer on a shift — signed, cancelled, or swapped away to someone
  else — with check-in and check-out (QR code or marked by the leader) and, once checked
  out, the pending ``HoursEntry`` it produced.
- ``SwapRequest``: a signed-up volunteer asks to hand the shift to another member; the team
  leader approves or rejects.
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
from django.utils.translation import pgettext_lazy


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
    # The sign-in of a volunteer who is not a registered resident (staff, 双报到 members).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sign-in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
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
    REJECTED = "rejected", pgettext_lazy("volunteers", "Rejected")


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


WEEKDAY_LABELS = {
    "1": _("Mon"),
    "2": _("Tue"),
    "3": _("Wed"),
    "4": _("Thu"),
    "5": _("Fri"),
    "6": _("Sat"),
    "7": _("Sun"),
}


class Roster(models.Model):
    team = models.ForeignKey(
        VolunteerTeam, verbose_name=_("team"), on_delete=models.PROTECT, related_name="rosters"
    )
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("place"),
        on_delete=models.PROTECT,
        related_name="duty_rosters",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=100)
    service = models.CharField(_("service content"), max_length=200)
    location = models.CharField(_("where exactly"), max_length=100, blank=True)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"), null=True, blank=True)
    # ISO weekdays the duty is on, e.g. "1234567" every day, "5" on Fridays.
    weekdays = models.CharField(_("weekdays"), max_length=7, default="1234567")
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(
        _("people per shift"), default=1, validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("duty roster")
        verbose_name_plural = _("duty rosters")
        ordering: ClassVar = ["team", "start_date", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="roster_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="roster_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def crosses_midnight(self) -> bool:
        return self.end_time <= self.start_time

    @property
    def weekday_names(self) -> list[str]:
        return [str(WEEKDAY_LABELS[d]) for d in self.weekdays if d in WEEKDAY_LABELS]


class DutyShift(models.Model):
    roster = models.ForeignKey(
        Roster, verbose_name=_("duty roster"), on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("people per shift"))
    taken = models.PositiveSmallIntegerField(_("signed up"), default=0)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering: ClassVar = ["starts_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["roster", "starts_at"], name="shift_once_per_start"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(taken__lte=models.F("capacity")), name="shift_not_overbooked"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["starts_at"], name="shift_starts")]

    def __str__(self) -> str:
        return f"{self.roster} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)


class SignupState(models.TextChoices):
    SIGNED = "signed", _("Signed up")
    CANCELLED = "cancelled", _("Cancelled")
    SWAPPED = "swapped", _("Handed over")


class CheckMethod(models.TextChoices):
    QR = "qr", _("QR code")
    LEADER = "leader", _("Marked by the leader")


class ShiftSignup(models.Model):
    shift = models.ForeignKey(
        DutyShift, verbose_name=_("duty shift"), on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=SignupState.choices, default=SignupState.SIGNED
    )
    signed_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    check_method = models.CharField(
        _("checked in by"), max_length=10, choices=CheckMethod.choices, blank=True
    )
    hours_entry = models.OneToOneField(
        HoursEntry,
        verbose_name=_("hours entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signup",
    )

    class Meta:
        verbose_name = _("shift sign-up")
        verbose_name_plural = _("shift sign-ups")
        ordering: ClassVar = ["shift", "id"]
        constraints: ClassVar = [
            # A volunteer holds a shift once; a seat handed over or cancelled is history.
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(state="signed"),
                name="signup_once_per_shift",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["volunteer", "state"], name="signup_volunteer_state"),
        ]

    def __str__(self) -> str:
        return f"{self.shift} · {self.volunteer}"


class SwapState(models.TextChoices):
    PENDING = "pending", _("Waiting for the leader")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", pgettext_lazy("volunteers", "Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SwapRequest(models.Model):
    signup = models.ForeignKey(
        ShiftSignup,
        verbose_name=_("shift sign-up"),
        on_delete=models.CASCADE,
        related_name="swaps",
    )
    to_volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("hand over to"),
        on_delete=models.CASCADE,
        related_name="swaps_offered",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=SwapState.choices, default=SwapState.PENDING
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering: ClassVar = ["-created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["signup"],
                condition=Q(state="pending"),
                name="swap_one_pending_per_signup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signup} → {self.to_volunteer}"
