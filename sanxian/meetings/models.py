"""Meetings of the monthly cycle (5th collection, 15th party deliberation, 25th joint
consultation) and the decisions recorded in their minutes.

This is the part the issue workflow needs (a plan is adopted at a meeting and recorded in
its minutes); cycle rules, agendas, invitations and attendance build on it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    COLLECTION = "collection", _("Building-group issue collection meeting")
    PARTY_DELIBERATION = "party_deliberation", _("Party members' democratic deliberation")
    JOINT_CONSULTATION = "joint_consultation", _("Neighbours' joint consultation meeting")


# The 15th meeting is for party members only.
PARTY_ONLY_KINDS = frozenset({MeetingKind.PARTY_DELIBERATION})


class Meeting(models.Model):
    kind = models.CharField(_("kind"), max_length=30, choices=MeetingKind.choices)
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("neighborhood"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    venue = models.CharField(_("venue"), max_length=100, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    held = models.BooleanField(_("held"), default=False)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering: ClassVar = ["-starts_at"]
        indexes: ClassVar = [models.Index(fields=["path", "starts_at"], name="meeting_path_start")]

    def __str__(self) -> str:
        return self.title

    @property
    def party_only(self) -> bool:
        return self.kind in PARTY_ONLY_KINDS


class MeetingDecision(models.Model):
    """One decision in a meeting's minutes; it may concern an issue."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    issue = models.ForeignKey(
        "issues.Issue",
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering: ClassVar = ["recorded_at", "id"]

    def __str__(self) -> str:
        return self.text[:50]
