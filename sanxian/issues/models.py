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
    # Deliberate (先议): the goals of the plan.
    goals = models.TextField(_("goals"), blank=True)
    # Bumped by every write, so two editors of one issue get a conflict, not an overwrite.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering: ClassVar = ["-state_changed_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["path", "state"], name="issue_path_state"),
            models.Index(fields=["state", "state_changed_at"], name="issue_state_changed"),
            # The list: each state's count, bounded (state = x, then the scope's paths),
            # and a state's newest first (state = x, then id descending).
            models.Index(fields=["state", "path"], name="issue_state_path"),
            models.Index(fields=["state", "id"], name="issue_state_id"),
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


# --- Think (先想) ------------------------------------------------------------------------


class ThinkQuestion(models.TextChoices):
    """The three questions of the Jiale case (嘉乐公寓)."""

    OVERALL_INTEREST = "overall_interest", _("Is it good for the residents' overall interest?")
    ENVIRONMENT_SAFETY = (
        "environment_safety",
        _("Is it good for the public environment and safety?"),
    )
    COMMUNITY_QUALITY = "community_quality", _("Is it good for the community's quality?")


class ThinkAnswer(models.Model):
    """The current answer to one of the three questions (one per question and issue)."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="think_answers"
    )
    question = models.CharField(_("question"), max_length=30, choices=ThinkQuestion.choices)
    answer = models.BooleanField(_("answer"))
    note = models.TextField(_("note"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now=True)

    class Meta:
        verbose_name = _("answer to a question")
        verbose_name_plural = _("answers to the questions")
        ordering: ClassVar = ["issue", "question"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["issue", "question"], name="think_answer_one_each"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.question}"


class VoteChoice(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    ABSTAIN = "abstain", _("Abstain")


class ConsensusVote(models.Model):
    """A party member's vote in the consensus of the think stage (party-only)."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="votes"
    )
    member = models.ForeignKey(
        "party.PartyMember",
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="consensus_votes",
    )
    choice = models.CharField(_("vote"), max_length=10, choices=VoteChoice.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now=True)

    class Meta:
        verbose_name = _("consensus vote")
        verbose_name_plural = _("consensus votes")
        ordering: ClassVar = ["issue", "at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["issue", "member"], name="consensus_one_vote_each"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.member_id} {self.choice}"


# --- Deliberate (先议) -------------------------------------------------------------------


# Meetings at which a plan may be adopted: the 15th (party) and the 25th (joint).
ADOPTION_MEETING_KINDS = frozenset({"party_deliberation", "joint_consultation"})


class PlanOption(models.Model):
    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="options"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan option")
        verbose_name_plural = _("plan options")
        ordering: ClassVar = ["issue", "proposed_at", "id"]

    def __str__(self) -> str:
        return self.title


class DiscussionPost(models.Model):
    """The issue's discussion thread (it replaces the party members' WeChat group)."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("message"))
    option = models.ForeignKey(
        PlanOption,
        verbose_name=_("about the option"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("discussion post")
        verbose_name_plural = _("discussion posts")
        ordering: ClassVar = ["issue", "at", "id"]

    def __str__(self) -> str:
        return self.text[:50]


class AdoptedPlan(models.Model):
    """The option adopted at a meeting, recorded as a decision in its minutes."""

    issue = models.OneToOneField(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="plan"
    )
    option = models.OneToOneField(
        PlanOption,
        verbose_name=_("adopted option"),
        on_delete=models.PROTECT,
        related_name="adoption",
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("adopted at the meeting"),
        on_delete=models.PROTECT,
        related_name="adopted_plans",
    )
    decision = models.OneToOneField(
        "meetings.MeetingDecision",
        verbose_name=_("decision in the minutes"),
        on_delete=models.PROTECT,
        related_name="adopted_plan",
    )
    leads = models.ManyToManyField(
        "party.PartyMember", verbose_name=_("lead party members"), related_name="led_plans"
    )
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    adopted_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("adopted plan")
        verbose_name_plural = _("adopted plans")

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.option_id}"


class PlanStep(models.Model):
    plan = models.ForeignKey(
        AdoptedPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    what = models.CharField(_("what"), max_length=200)
    owner_member = models.ForeignKey(
        "party.PartyMember",
        verbose_name=_("owner (party member)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_name = models.CharField(_("owner"), max_length=100, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    resources = models.TextField(_("resources"), blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering: ClassVar = ["plan", "position", "id"]

    def __str__(self) -> str:
        return self.what

    @property
    def owner(self) -> str:
        if self.owner_member is not None:
            return self.owner_member.name
        return self.owner_name


class StakeholderKind(models.TextChoices):
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    PROPERTY_MANAGER = "property_manager", _("Property manager")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    BUILDER = "builder", _("Builder")
    OTHER = "other", _("Other")


class Stakeholder(models.Model):
    """A party mobilised for the plan (调动各方)."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="stakeholders"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=StakeholderKind.choices)
    name = models.CharField(_("name"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering: ClassVar = ["issue", "added_at", "id"]

    def __str__(self) -> str:
        return self.name


class Consultation(models.Model):
    """A residents' consultation on the plan (usually at the 25th joint meeting)."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="consultations"
    )
    held_on = models.DateField(_("held on"))
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issue_consultations",
    )
    attendees = models.PositiveIntegerField(_("attendees"))
    summary = models.TextField(_("summary"))
    support = models.PositiveIntegerField(_("in support"), default=0)
    oppose = models.PositiveIntegerField(_("opposed"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("residents' consultation")
        verbose_name_plural = _("residents' consultations")
        ordering: ClassVar = ["issue", "held_on", "id"]

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.held_on}"


# --- Act (先行) --------------------------------------------------------------------------


class ActionRecord(models.Model):
    """Who did what, when: party members first, then the residents who followed."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="actions"
    )
    member = models.ForeignKey(
        "party.PartyMember",
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issue_actions",
    )
    resident = models.ForeignKey(
        "places.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issue_actions",
    )
    # The actor's name as recorded (from the member or resident, or typed in).
    name = models.CharField(_("who"), max_length=100)
    # Derived by the service: the actor is a party member.
    is_party_member = models.BooleanField(_("party member"), default=False, editable=False)
    acted_at = models.DateTimeField(_("when"))
    what = models.TextField(_("what was done"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering: ClassVar = ["issue", "acted_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["issue", "is_party_member", "acted_at"], name="action_chain"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.what[:40]}"


class PhotoKind(models.TextChoices):
    ACTION = "action", _("Action")
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


MAX_ACTION_PHOTOS = 4


class IssuePhoto(models.Model):
    """A stored photo (``sanxian.uploads``), served only through the scoped photo view."""

    photo_fields: ClassVar = ("file",)  # swept by sanxian.uploads when orphaned

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="photos"
    )
    action = models.ForeignKey(
        ActionRecord,
        verbose_name=_("action"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="photos",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices)
    file = models.CharField(max_length=200, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering: ClassVar = ["issue", "id"]

    def __str__(self) -> str:
        return self.file


class Outcome(models.Model):
    """What changed: recorded before the issue is done (the gate to done needs it)."""

    issue = models.OneToOneField(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="outcome"
    )
    what_changed = models.TextField(_("what changed"))
    before = models.TextField(_("before"))
    after = models.TextField(_("after"))
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self) -> str:
        return self.what_changed[:50]


# --- Done -------------------------------------------------------------------------------


class SurveyRating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class SurveyResponse(models.Model):
    """Residents' satisfaction, recorded by staff: one response, or a count of them."""

    issue = models.ForeignKey(
        Issue,
        verbose_name=_("issue"),
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    rating = models.CharField(_("rating"), max_length=20, choices=SurveyRating.choices)
    count = models.PositiveIntegerField(_("number of residents"), default=1)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering: ClassVar = ["issue", "recorded_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(count__gte=1), name="survey_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.rating} × {self.count}"
