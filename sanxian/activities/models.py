"""Community activities (年夜饭, 猜灯谜, 包粽子送老人): sign-up with a waiting list,
check-in, helpers credited with volunteer hours, photos and a summary.

Model map:

- ``Activity``: one event at a place of the territory (a neighborhood, an estate's
  building…); ``path`` copies the place's path so scope filters need no join. It is
  organised by a volunteer team, a party branch or the residents' committee (the place
  itself); a check constraint keeps the organiser's foreign key in line with
  ``organiser_kind``. ``capacity`` is the number of seats and ``taken`` the seats given to
  confirmed sign-ups, raised only by a conditional UPDATE (``taken < capacity``) so that
  the last seat cannot be given twice. States: planned → held, or cancelled.
- ``ActivitySignup``: one attendee (a registered resident). A household signs up together
  (``signed_up_by`` is the account that did it; ``on_behalf`` when staff signed up a
  resident without a phone). ``confirmed`` holds a seat, ``waiting`` is on the waiting list
  (position by ``created_at``, then id), ``cancelled`` is kept for the record. At most one
  live (confirmed or waiting) sign-up per activity and resident. ``promoted_at`` is set when
  a waiting sign-up got a seat; check-in is recorded in ``checked_in_at``/``method``.
- ``ActivityHelper``: a volunteer who helped run the activity; after it is held each is
  credited once in the volunteers' hours ledger (``HoursSource.ACTIVITY``, ``source_ref`` =
  the helper row's id).
- ``ActivityPhoto``: a photo of a held activity (stored by ``sanxian.uploads``).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_VENUE = "亲邻驿家"


class OrganiserKind(models.TextChoices):
    TEAM = "team", _("Volunteer team")
    BRANCH = "branch", _("Party branch")
    COMMITTEE = "committee", _("Residents' committee")


class ActivityState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Took place")


class Activity(models.Model):
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("place"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("for whom"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("activity venue"), max_length=100, default=DEFAULT_VENUE)
    capacity = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1)])
    taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    signup_closes_at = models.DateTimeField(_("sign-up closes at"))
    organiser_kind = models.CharField(
        _("organised by"), max_length=10, choices=OrganiserKind.choices
    )
    organiser_team = models.ForeignKey(
        "volunteers.VolunteerTeam",
        verbose_name=_("organising team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    organiser_branch = models.ForeignKey(
        "party.PartyOrg",
        verbose_name=_("organising party branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ActivityState.choices, default=ActivityState.PLANNED
    )
    summary = models.TextField(_("activity summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering: ClassVar = ["starts_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["path", "starts_at"], name="activity_path_start"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    Q(
                        organiser_kind="team",
                        organiser_team__isnull=False,
                        organiser_branch__isnull=True,
                    )
                    | Q(
                        organiser_kind="branch",
                        organiser_team__isnull=True,
                        organiser_branch__isnull=False,
                    )
                    | Q(
                        organiser_kind="committee",
                        organiser_team__isnull=True,
                        organiser_branch__isnull=True,
                    )
                ),
                name="activity_organiser_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(taken__lte=F("capacity")), name="activity_taken_within_capacity"
            ),
            # The same event entered twice (a double submission) is one activity.
            models.UniqueConstraint(
                fields=["place", "title", "starts_at"], name="activity_once_per_place_time"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def is_full(self) -> bool:
        return self.taken >= self.capacity

    @property
    def organiser_name(self) -> str:
        if self.organiser_kind == OrganiserKind.TEAM and self.organiser_team is not None:
            return self.organiser_team.name
        if self.organiser_kind == OrganiserKind.BRANCH and self.organiser_branch is not None:
            return self.organiser_branch.name
        return str(_("%(place)s residents' committee") % {"place": self.place.name})

    def signup_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state == ActivityState.PLANNED and now < self.signup_closes_at


class SignupState(models.TextChoices):
    CONFIRMED = "confirmed", _("Seat confirmed")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


LIVE_STATES = (SignupState.CONFIRMED, SignupState.WAITING)


class CheckInMethod(models.TextChoices):
    STAFF = "staff", _("Marked by staff")
    QR = "qr", _("Scanned the QR code")


class ActivitySignup(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="signups"
    )
    resident = models.ForeignKey(
        "places.Resident",
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="activity_signups",
    )
    state = models.CharField(_("state"), max_length=10, choices=SignupState.choices)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed up by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_behalf = models.BooleanField(_("signed up by staff on the resident's behalf"), default=False)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("moved from the waiting list at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    method = models.CharField(
        _("checked in by"), max_length=10, choices=CheckInMethod.choices, blank=True
    )

    class Meta:
        verbose_name = _("activity sign-up")
        verbose_name_plural = _("activity sign-ups")
        ordering: ClassVar = ["created_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["activity", "state", "created_at"], name="signup_activity_state"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=Q(state__in=["confirmed", "waiting"]),
                name="signup_one_live_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.resident}"


class ActivityHelper(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="helpers"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="activity_helps",
    )
    role = models.CharField(_("task"), max_length=50, blank=True)
    # Hours to credit; empty: the activity's duration.
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2, null=True, blank=True)
    credited_at = models.DateTimeField(_("hours credited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity helper")
        verbose_name_plural = _("activity helpers")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="helper_once"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.volunteer}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos"
    )
    # Relative to MEDIA_ROOT; served only through the scoped photo view.
    file = models.CharField(max_length=200)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    # The form's one-time key: submitting the same form twice stores the photo once.
    form_key = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering: ClassVar = ["uploaded_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["activity", "form_key"],
                condition=~Q(form_key=""),
                name="activity_photo_once_per_form",
            ),
        ]

    def __str__(self) -> str:
        return self.caption or self.file
