"""Notifications: the in-app inbox, e-mail and group robots (企业微信 / 钉钉).

Model map:

- ``Notification``: one message in one person's inbox (``read_at`` empty while unread).
  ``key`` is the identity of the event plus the recipient, so a job that runs twice, or
  again after an interruption, creates each notification once.
- ``NotificationPreference``: how one person wants one kind of notification by e-mail:
  not at all, at once, or in the daily digest. The inbox always gets everything.
- ``RobotWebhook``: a group robot of a neighborhood (or the sub-district) or of a volunteer
  team. Its address (the key is in it) and its signing secret are credentials: stored
  sealed, shown back only as a hint.
- ``Delivery``: one message to send on one channel to one target (an e-mail to a person, a
  post to a robot), with a unique ``key`` (event identity + target). The task worker claims
  due deliveries with a conditional update, sends, and records the outcome; a failure is
  retried with growing back-off, then given up (visible to staff); a success is final.
- ``EventCursor``: how far the event scan has read a table of append-only events.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    MEETING_REMINDER = "meeting_reminder", _("Meeting reminders")
    APPEAL_UPDATE = "appeal_update", _("Progress of my appeals")
    ISSUE_UPDATE = "issue_update", _("Progress of issues I raised")
    SHIFT_REMINDER = "shift_reminder", _("Duty shift reminders")
    DIGEST = "digest", _("Daily digest")


# The kinds a person chooses how to receive (the digest itself is not one of them).
PREFERENCE_KINDS: tuple[str, ...] = (
    Kind.MEETING_REMINDER,
    Kind.APPEAL_UPDATE,
    Kind.ISSUE_UPDATE,
)


class EmailMode(models.TextChoices):
    OFF = "off", _("No e-mail")
    IMMEDIATE = "immediate", _("E-mail at once")
    DIGEST = "digest", _("In the daily digest e-mail")


DEFAULT_EMAIL_MODE = EmailMode.IMMEDIATE


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    email = models.CharField(
        _("e-mail"), max_length=10, choices=EmailMode.choices, default=DEFAULT_EMAIL_MODE
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind} · {self.email}"


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("WeChat Work group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class RobotWebhook(models.Model):
    """A group robot: posts of a neighborhood (meeting reminders, issue progress) or of a
    volunteer team (duty shift reminders) go to its group chat."""

    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="robot_webhooks",
    )
    team = models.ForeignKey(
        "volunteers.VolunteerTeam",
        verbose_name=_("volunteer team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="robot_webhooks",
    )
    # A copy of the place's (or the team's) path: which events reach this robot.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("service"), max_length=10, choices=RobotKind.choices)
    name = models.CharField(_("name"), max_length=50)
    url_sealed = models.TextField(editable=False)
    # The host and the last characters of the address, to tell robots apart.
    url_hint = models.CharField(_("address"), max_length=80, editable=False)
    secret_sealed = models.TextField(blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering: ClassVar = ["path", "name", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    Q(place__isnull=False, team__isnull=True)
                    | Q(place__isnull=True, team__isnull=False)
                ),
                name="robot_of_place_or_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def signed(self) -> bool:
        return bool(self.secret_sealed)


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    ROBOT = "robot", _("Group robot")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Given up")


class Delivery(models.Model):
    key = models.CharField(max_length=255, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    robot = models.ForeignKey(
        RobotWebhook,
        verbose_name=_("group robot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # While ``sending``: the worker holding it and until when (after that, it is due again).
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    Q(channel="email", recipient__isnull=False)
                    | Q(channel="robot", robot__isnull=False)
                ),
                name="delivery_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.title} · {self.state}"


class EventCursor(models.Model):
    """The highest event id the event scan has handled, per source table."""

    name = models.CharField(max_length=50, unique=True)
    last_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("event cursor")
        verbose_name_plural = _("event cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_id}"
