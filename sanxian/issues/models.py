"""Issues (议题) and their workflow: collected → think (先想) → deliberate (先议) →
act (先行) → done, plus shelved and escalated, which reopen to where they were.

Every change of state is an append-only ``IssueEvent``. The state changes only through
``sanxian.issues.services`` (one function per transition, each checking its gate).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IssueState(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    THINK = "think", _("Think first")
    DELIBERATE = "deliberate", _("Discuss first")
    ACT = "act", _("Act first")
    DONE = "done", _("Done")
    SHELVED = "shelved", _("Shelved")
    ESCALATED = "escalated", _("Escalated")


# The main line, in order; shelved and escalated stand aside and reopen to where they were.
MAIN_LINE = (
    IssueState.COLLECTED,
    IssueState.THINK,
    IssueState.DELIBERATE,
    IssueState.ACT,
    IssueState.DONE,
)
ASIDE = frozenset({IssueState.SHELVED, IssueState.ESCALATED})


class IssueSource(models.TextChoices):
    APPEALS = "appeals", _("Residents' appeals")
    COLLECTION_MEETING = "collection_meeting", _("Building-group collection meeting")
    PARTY_MEMBER = "party_member", _("Raised by a party member")
    STAFF = "staff", _("Raised by staff")


DEFAULT_CONSENSUS_THRESHOLD = Decimal("0.6667")


class Issue(models.Model):
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("where"),
        on_delete=models.PROTECT,
        related_name="issues",
    )
    # A copy of the place's path: scope filters and roll-ups need no join.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=30, choices=IssueSource.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=IssueState.choices, default=IssueState.COLLECTED
    )
    # Where a shelved or escalated issue returns when reopened.
    resume_state = models.CharField(
        max_length=20, choices=IssueState.choices, blank=True, editable=False
    )
    consensus_threshold = models.DecimalField(
        _("consensus threshold"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_CONSENSUS_THRESHOLD,
        help_text=_("Share of the party members voting who must agree (default two thirds)."),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    state_changed_at = models.DateTimeField(_("state changed at"), auto_now_add=True)
    # Bumped by every write, so two editors of one issue get a conflict, not an overwrite.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering: ClassVar = ["-state_changed_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["path", "state"], name="issue_path_state"),
            models.Index(fields=["state", "state_changed_at"], name="issue_state_changed"),
        ]

    def __str__(self) -> str:
        return self.title


class IssueEvent(models.Model):
    """Append-only history: who moved the issue from where to where, when and why."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    from_state = models.CharField(_("from"), max_length=20, choices=IssueState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=IssueState.choices)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issue_events",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("issue event")
        verbose_name_plural = _("issue events")
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.from_state} → {self.to_state}"
