"""Meetings of the monthly cycle (5th collection, 15th party deliberation, 25th joint
consultation): the cycle rule that schedules them, their agendas, invitations and
attendance, minutes, decisions and votes.

Model map (for exports built on top: Word minutes, iCalendar feed):

- ``CycleRule``: one per place (the sub-district's is the default; a neighborhood's
  overrides it): days, start times, duration, venue, invitees, quorum, holiday policy.
- ``Meeting``: one meeting of one neighborhood. ``scheduled_for`` is the rule's date
  before the holiday shift (null for meetings created by hand); ``starts_at``/``ends_at``
  are the actual times; ``chair``/``recorder``/``minutes`` are the minutes' header and text.
- ``AgendaItem``: ordered items, filled automatically from appeals and issues
  (``source=auto``) or added by staff (``manual``); ``dropped`` items stay listed, struck out.
- ``Invitation``: one invitee (a resident and/or a party member, with a name copy and
  the ``role`` they were invited as) and their attendance (``attended``, ``checked_in_at``,
  ``method``).
- ``MeetingDecision``: one decision in the minutes; it may concern an issue.
- ``MeetingVote`` (+ ``Ballot``): a vote; named ballots at party meetings, counts otherwise.
- ``CalendarToken``: the secret of a user's private iCalendar feed (rotated on request).
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    COLLECTION = "collection", _("Building-group issue collection meeting")
    PARTY_DELIBERATION = "party_deliberation", _("Party members' democratic deliberation")
    JOINT_CONSULTATION = "joint_consultation", _("Neighbours' joint consultation meeting")


# The 15th meeting is for party members only.
PARTY_ONLY_KINDS = frozenset({MeetingKind.PARTY_DELIBERATION})
# Invitees are reminded of a meeting this long before it starts.
REMIND_AHEAD = timedelta(hours=24)

DEFAULT_VENUE = "亲邻驿家"
DEFAULT_DURATION_MINUTES = 90
DEFAULT_QUORUM_PERCENT = 50


class HolidayPolicy(models.TextChoices):
    KEEP = "keep", _("Keep the date")
    NEXT_WORKING_DAY = "next_working_day", _("Move to the next working day")
    PREVIOUS_WORKING_DAY = "previous_working_day", _("Move to the previous working day")


class InviteeGroup(models.TextChoices):
    """Who is invited, by role (an invitation records the group it came from)."""

    GRID_TEAMS = "grid_teams", _("Grid team members")
    PARTY_BACKBONES = "party_backbones", _("Party backbones")
    PARTY_MEMBERS = "party_members", _("Party members")
    OWNERS_COMMITTEE_CHAIRS = "owners_committee_chairs", _("Owners' committee chairs")
    WALK_IN = "walk_in", _("Came without invitation")
    ADDED = "added", _("Added by staff")


def default_collection_invitees() -> list[str]:
    return [InviteeGroup.GRID_TEAMS.value, InviteeGroup.PARTY_BACKBONES.value]


def default_deliberation_invitees() -> list[str]:
    return [InviteeGroup.PARTY_MEMBERS.value]


def default_consultation_invitees() -> list[str]:
    return [
        InviteeGroup.GRID_TEAMS.value,
        InviteeGroup.PARTY_MEMBERS.value,
        InviteeGroup.OWNERS_COMMITTEE_CHAIRS.value,
    ]


def _day_validators() -> list:
    # Days 1–28 exist in every month.
    return [MinValueValidator(1), MaxValueValidator(28)]


class CycleRule(models.Model):
    """How a place runs its monthly cycle. The rule at the sub-district is the default
    for its neighborhoods; a rule at a neighborhood overrides it (whole rule, no merge)."""

    place = models.OneToOneField(
        "places.Place",
        verbose_name=_("place"),
        on_delete=models.CASCADE,
        related_name="cycle_rule",
    )
    collection_day = models.PositiveSmallIntegerField(
        _("collection meeting day"), default=5, validators=_day_validators()
    )
    deliberation_day = models.PositiveSmallIntegerField(
        _("party deliberation day"), default=15, validators=_day_validators()
    )
    consultation_day = models.PositiveSmallIntegerField(
        _("joint consultation day"), default=25, validators=_day_validators()
    )
    collection_time = models.TimeField(_("collection meeting time"), default=time(19, 0))
    deliberation_time = models.TimeField(_("party deliberation time"), default=time(19, 0))
    consultation_time = models.TimeField(_("joint consultation time"), default=time(14, 0))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=DEFAULT_DURATION_MINUTES
    )
    venue = models.CharField(_("venue"), max_length=100, default=DEFAULT_VENUE)
    # Lists of ``InviteeGroup`` values.
    collection_invitees = models.JSONField(
        _("invited to the collection meeting"), default=default_collection_invitees
    )
    deliberation_invitees = models.JSONField(
        _("invited to the party deliberation"), default=default_deliberation_invitees
    )
    consultation_invitees = models.JSONField(
        _("invited to the joint consultation"), default=default_consultation_invitees
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (percentage of invitees)"),
        default=DEFAULT_QUORUM_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    holiday_policy = models.CharField(
        _("when the day is not a working day"),
        max_length=30,
        choices=HolidayPolicy.choices,
        default=HolidayPolicy.NEXT_WORKING_DAY,
    )

    class Meta:
        verbose_name = _("cycle rule")
        verbose_name_plural = _("cycle rules")

    def __str__(self) -> str:
        return (
            f"{self.place} · {self.collection_day}/{self.deliberation_day}/{self.consultation_day}"
        )

    def day_for(self, kind: str) -> int:
        return {
            MeetingKind.COLLECTION: self.collection_day,
            MeetingKind.PARTY_DELIBERATION: self.deliberation_day,
            MeetingKind.JOINT_CONSULTATION: self.consultation_day,
        }[MeetingKind(kind)]

    def time_for(self, kind: str) -> time:
        return {
            MeetingKind.COLLECTION: self.collection_time,
            MeetingKind.PARTY_DELIBERATION: self.deliberation_time,
            MeetingKind.JOINT_CONSULTATION: self.consultation_time,
        }[MeetingKind(kind)]

    def invitees_for(self, kind: str) -> list[str]:
        groups = {
            MeetingKind.COLLECTION: self.collection_invitees,
            MeetingKind.PARTY_DELIBERATION: self.deliberation_invitees,
            MeetingKind.JOINT_CONSULTATION: self.consultation_invitees,
        }[MeetingKind(kind)]
        return [g for g in groups or [] if g in InviteeGroup.values]

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


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
    # The cycle rule's date before any holiday shift (null: created by hand). Generation
    # is idempotent on (place, kind, scheduled_for).
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    # The date was shifted by weekends only: that year's official calendar was missing.
    calendar_estimated = models.BooleanField(default=False, editable=False)
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (percentage of invitees)"), default=DEFAULT_QUORUM_PERCENT
    )
    chair = models.CharField(_("chair"), max_length=50, blank=True)
    recorder = models.CharField(_("recorder"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering: ClassVar = ["-starts_at"]
        indexes: ClassVar = [models.Index(fields=["path", "starts_at"], name="meeting_path_start")]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["place", "kind", "scheduled_for"], name="meeting_once_per_rule_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def party_only(self) -> bool:
        return self.kind in PARTY_ONLY_KINDS

    @property
    def end(self):
        """The end of the meeting (``ends_at``, else the default duration after start)."""
        return self.ends_at or self.starts_at + timedelta(minutes=DEFAULT_DURATION_MINUTES)


class AgendaSource(models.TextChoices):
    AUTO = "auto", _("Filled automatically")
    MANUAL = "manual", _("Added by staff")


class AgendaItem(models.Model):
    """One item of a meeting's agenda. Automatic items point at the appeal or issue they
    come from; staff may drop (kept, struck out) and reorder any item."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda"
    )
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    issue = models.ForeignKey(
        "issues.Issue",
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="agenda_items",
    )
    appeal = models.ForeignKey(
        "appeals.Appeal",
        verbose_name=_("appeal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="agenda_items",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=AgendaSource.choices, default=AgendaSource.MANUAL
    )
    dropped = models.BooleanField(_("dropped"), default=False)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering: ClassVar = ["position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["meeting", "issue"],
                condition=Q(source="auto", issue__isnull=False),
                name="agenda_auto_issue_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "appeal"],
                condition=Q(source="auto", appeal__isnull=False),
                name="agenda_auto_appeal_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CheckInMethod(models.TextChoices):
    STAFF = "staff", _("Marked by staff")
    QR = "qr", _("Scanned the QR code")


class Invitation(models.Model):
    """One invitee of a meeting and whether they came."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="invitations"
    )
    resident = models.ForeignKey(
        "places.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_invitations",
    )
    party_member = models.ForeignKey(
        "party.PartyMember",
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_invitations",
    )
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("invited as"), max_length=30, choices=InviteeGroup.choices)
    attended = models.BooleanField(_("attended"), default=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    method = models.CharField(
        _("checked in by"), max_length=10, choices=CheckInMethod.choices, blank=True
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering: ClassVar = ["role", "name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["meeting", "resident"],
                condition=Q(resident__isnull=False),
                name="invitation_resident_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "party_member"],
                condition=Q(party_member__isnull=False),
                name="invitation_member_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.name}"


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


class VoteChoice(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    ABSTAIN = "abstain", _("Abstain")


class MeetingVote(models.Model):
    """A vote taken at a meeting: named ballots (``Ballot``) at party meetings, counts
    at residents' meetings (the counts of a party vote are kept equal to its ballots)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="votes"
    )
    question = models.CharField(_("question"), max_length=200)
    decision = models.ForeignKey(
        MeetingDecision,
        verbose_name=_("decision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="votes",
    )
    named = models.BooleanField(_("named ballots"), default=False)
    votes_for = models.PositiveIntegerField(_("for"), default=0)
    votes_against = models.PositiveIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveIntegerField(_("abstain"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering: ClassVar = ["recorded_at", "id"]

    def __str__(self) -> str:
        return self.question

    @property
    def passed(self) -> bool:
        return self.votes_for > self.votes_against


class Ballot(models.Model):
    """One party member's named ballot in a vote at a party meeting."""

    vote = models.ForeignKey(
        MeetingVote, verbose_name=_("vote"), on_delete=models.CASCADE, related_name="ballots"
    )
    member = models.ForeignKey(
        "party.PartyMember",
        verbose_name=_("party member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    choice = models.CharField(_("choice"), max_length=10, choices=VoteChoice.choices)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering: ClassVar = ["member__name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["vote", "member"], name="ballot_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.choice}"


class CalendarToken(models.Model):
    """The secret in the address of a user's private iCalendar feed: calendar apps fetch
    it without signing in. Created on request; resetting it replaces the secret, so the
    old address stops working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_token",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")

    def __str__(self) -> str:
        return str(self.user)
