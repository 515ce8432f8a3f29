"""Appeals (诉求): one resident's request or complaint, with deadlines.

States: submitted → acknowledged → in_progress → resolved | rejected | merged. The resident
rates a resolved or rejected appeal; an unsatisfied rating may reopen it (back to
in_progress). Every change is an append-only ``AppealEvent``; the state changes only through
``sanxian.appeals.services``, each transition a conditional update so that two clicks make
one transition.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AppealState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("Being handled")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged into an issue")


OPEN_STATES = (AppealState.SUBMITTED, AppealState.ACKNOWLEDGED, AppealState.IN_PROGRESS)
CLOSED_STATES = (AppealState.RESOLVED, AppealState.REJECTED, AppealState.MERGED)
RATEABLE_STATES = (AppealState.RESOLVED, AppealState.REJECTED)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


GOOD_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    BLOCK = 1, _("Management block")
    NEIGHBORHOOD = 2, _("Neighborhood")
    SUBDISTRICT = 3, _("Sub-district")


class AppealCategory(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    response_hours = models.PositiveSmallIntegerField(
        _("response deadline (hours)"),
        help_text=_("Hours from filing within which staff must contact the resident."),
    )
    resolution_working_days = models.PositiveSmallIntegerField(
        _("resolution deadline (working days)"),
        help_text=_("Working days after the day of filing by which the appeal must be closed."),
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("appeal category")
        verbose_name_plural = _("appeal categories")
        ordering: ClassVar = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Appeal(models.Model):
    category = models.ForeignKey(
        AppealCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    text = models.TextField(_("what happened"), max_length=1000)
    place = models.ForeignKey(
        "places.Place", verbose_name=_("where"), on_delete=models.PROTECT, related_name="appeals"
    )
    # A copy of the place's path: scope filters and rates need no join.
    path = models.CharField(max_length=255, editable=False)
    resident = models.ForeignKey(
        "places.Resident",
        verbose_name=_("for resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="filed_appeals",
    )
    # Filed by staff for a resident (e.g. one without a phone); how they were reached.
    on_behalf = models.BooleanField(_("filed on behalf"), default=False)
    on_behalf_note = models.CharField(_("how the resident was reached"), max_length=200, blank=True)
    # The phone to call back, sealed (``sanxian.personal_data``): encrypted, and the last four
    # characters for display; the full number is shown only through an audited reveal.
    contact_phone_sealed = models.TextField(blank=True, editable=False)
    contact_phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=20, choices=AppealState.choices, default=AppealState.SUBMITTED
    )
    created_at = models.DateTimeField(_("filed at"))
    state_changed_at = models.DateTimeField(_("state changed at"))
    response_due_at = models.DateTimeField(_("contact due by"))
    resolution_due_at = models.DateTimeField(_("resolution due by"))
    # The resolution deadline crossed a year whose official calendar was missing.
    deadline_estimated = models.BooleanField(default=False, editable=False)
    first_contacted_at = models.DateTimeField(_("first contacted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_to = models.ForeignKey(
        "places.Place",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_appeals",
    )
    escalated_path = models.CharField(max_length=255, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    issue = models.ForeignKey(
        "issues.Issue",
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    # The resident's latest rating, and the state it was given in (resolved or rejected).
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_state = models.CharField(max_length=20, choices=AppealState.choices, blank=True)
    rating_comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [
            models.Index(fields=["path", "id"], name="appeal_path_id"),
            models.Index(fields=["state", "resolution_due_at"], name="appeal_state_due"),
            # The overdue list of one neighborhood or block (dashboards).
            models.Index(
                fields=["state", "path", "resolution_due_at"], name="appeal_state_path_due"
            ),
            models.Index(fields=["filed_by", "id"], name="appeal_filed_by"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(state=AppealState.MERGED, issue__isnull=False)
                | ~Q(state=AppealState.MERGED),
                name="appeal_merged_has_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category_id} {self.text[:20]}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def can_be_rated(self) -> bool:
        """Closed as resolved or rejected and not yet rated since it was closed."""
        return self.state in RATEABLE_STATES and (
            self.rated_at is None or (self.closed_at is not None and self.rated_at < self.closed_at)
        )

    def response_overdue(self, now: datetime) -> bool:
        return self.first_contacted_at is None and self.is_open and now > self.response_due_at

    def resolution_overdue(self, now: datetime) -> bool:
        return self.is_open and now > self.resolution_due_at


class AppealPhoto(models.Model):
    photo_fields: ClassVar = ("file",)  # swept by sanxian.uploads when orphaned

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="photos"
    )
    # Relative to MEDIA_ROOT; served only through the scoped photo view.
    file = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("appeal photo")
        verbose_name_plural = _("appeal photos")
        ordering: ClassVar = ["appeal", "position", "id"]

    def __str__(self) -> str:
        return self.file


class EventKind(models.TextChoices):
    FILED = "filed", _("Filed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    STARTED = "started", _("Handling started")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged into an issue")
    RATED = "rated", _("Rated")
    REOPENED = "reopened", _("Reopened")
    ESCALATED = "escalated", _("Escalated")


class AppealEvent(models.Model):
    """Append-only history: who did what to the appeal, when, from which state to which."""

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"))
    from_state = models.CharField(_("from"), max_length=20, choices=AppealState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=AppealState.choices)
    note = models.TextField(_("note"), blank=True)
    # Escalations: the level reached and the place now responsible.
    level = models.PositiveSmallIntegerField(choices=EscalationLevel.choices, null=True, blank=True)
    place = models.ForeignKey(
        "places.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rating = models.CharField(max_length=20, choices=Rating.choices, blank=True)

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.kind} {self.from_state} → {self.to_state}"
