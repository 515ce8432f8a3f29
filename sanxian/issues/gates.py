"""The gates of the main line, as plain rules over facts annotated on the issue.

``with_facts(queryset)`` adds, in the same single query, what every gate needs (answers
given, votes, the adopted plan, the first party-member and resident actions, the
outcome). ``missing_for(issue, target)`` lists, in plain words, what is still missing
before the issue may move to ``target``. Services call it inside the transition (after
the conditional update has locked the row); the detail page calls it to show the status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sanxian.issues.models import (
    MAIN_LINE,
    ActionRecord,
    AdoptedPlan,
    ConsensusVote,
    Issue,
    IssueState,
    Outcome,
    ThinkAnswer,
    ThinkQuestion,
    VoteChoice,
)

QUESTIONS = len(ThinkQuestion.choices)
# Shares are compared at the precision the threshold is stored with (four decimals), so
# 2 of 3 (0.6667) reaches the default threshold of two thirds (0.6667).
SHARE_PRECISION = Decimal("0.0001")


def _count(qs: QuerySet) -> Coalesce:
    """COUNT(*) of a correlated queryset, as a scalar subquery (no GROUP BY)."""
    return Coalesce(
        Subquery(
            qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def with_facts(qs: QuerySet[Issue]) -> QuerySet[Issue]:
    """Annotate each issue with the facts its gates need (correlated subqueries)."""
    issue = OuterRef("pk")
    actions = ActionRecord.objects.filter(issue=issue).order_by("acted_at", "id")
    votes = ConsensusVote.objects.filter(issue=issue)
    return qs.annotate(
        answered=_count(ThinkAnswer.objects.filter(issue=issue).exclude(note="")),
        votes_agree=_count(votes.filter(choice=VoteChoice.AGREE)),
        votes_disagree=_count(votes.filter(choice=VoteChoice.DISAGREE)),
        votes_abstain=_count(votes.filter(choice=VoteChoice.ABSTAIN)),
        plan_adopted=Exists(AdoptedPlan.objects.filter(issue=issue, decision__isnull=False)),
        plan_leads=_count(AdoptedPlan.leads.through.objects.filter(adoptedplan__issue=issue)),
        first_party_at=Subquery(actions.filter(is_party_member=True).values("acted_at")[:1]),
        first_resident_at=Subquery(actions.filter(is_party_member=False).values("acted_at")[:1]),
        has_outcome=Exists(Outcome.objects.filter(issue=issue)),
    )


def short_datetime(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def share(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PRECISION, rounding=ROUND_HALF_UP)


def consensus_reached(agree: int, disagree: int, threshold: Decimal) -> bool:
    """Agree ÷ (agree + disagree) reaches the threshold; abstentions do not count."""
    voting = agree + disagree
    return voting > 0 and share(agree, voting) >= threshold


def agree_needed(voting: int, threshold: Decimal) -> int:
    """How many of ``voting`` must agree (the smallest count whose share reaches it)."""
    for agree in range(voting + 1):
        if consensus_reached(agree, voting - agree, threshold):
            return agree
    return voting


@dataclass(frozen=True)
class Consensus:
    agree: int
    disagree: int
    abstain: int
    threshold: Decimal

    @property
    def voting(self) -> int:
        return self.agree + self.disagree

    @property
    def reached(self) -> bool:
        return consensus_reached(self.agree, self.disagree, self.threshold)

    @property
    def needed(self) -> int:
        return agree_needed(self.voting, self.threshold)

    @property
    def percent(self) -> int:
        return round(share(self.agree, self.voting) * 100)


def consensus_of(issue: Issue) -> Consensus:
    return Consensus(
        agree=getattr(issue, "votes_agree", 0),
        disagree=getattr(issue, "votes_disagree", 0),
        abstain=getattr(issue, "votes_abstain", 0),
        threshold=issue.consensus_threshold,
    )


def party_acted_first(first_party_at: datetime | None, first_resident_at: datetime | None) -> bool:
    """A party member acted, and before any resident did (residents need not have acted)."""
    if first_party_at is None:
        return False
    return first_resident_at is None or first_party_at < first_resident_at


# The states an issue may be set aside (shelved or escalated) from.
OPEN_STATES = (IssueState.COLLECTED, IssueState.THINK, IssueState.DELIBERATE, IssueState.ACT)


def next_on_main_line(state: str) -> str | None:
    """The state after ``state`` on the main line (None for done and the states aside)."""
    if state not in MAIN_LINE:
        return None
    index = MAIN_LINE.index(IssueState(state))
    return MAIN_LINE[index + 1] if index + 1 < len(MAIN_LINE) else None


def missing_for(issue: Issue, target: str) -> list[str]:
    """What is still missing before ``issue`` (annotated ``with_facts``) may enter ``target``.

    Only the gated steps of the main line have conditions; an empty list means ready.
    """
    missing: list[str] = []
    if target == IssueState.DELIBERATE:
        answered = getattr(issue, "answered", 0)
        if answered < QUESTIONS:
            missing.append(
                _("Answer the three questions, each with a note (%(done)s of 3 answered).")
                % {"done": answered}
            )
        consensus = consensus_of(issue)
        if consensus.voting == 0:
            missing.append(_("No party member has voted agree or disagree yet."))
        elif not consensus.reached:
            missing.append(
                _(
                    "The party consensus is not reached: %(agree)s of %(voting)s voting agree, "
                    "%(needed)s needed."
                )
                % {
                    "agree": consensus.agree,
                    "voting": consensus.voting,
                    "needed": consensus.needed,
                }
            )
    elif target == IssueState.ACT:
        if not issue.goals.strip():
            missing.append(_("Set the goals."))
        if not getattr(issue, "plan_adopted", False):
            missing.append(_("Adopt a plan at a meeting (it is recorded in the minutes)."))
        elif getattr(issue, "plan_leads", 0) < 1:
            missing.append(_("Name at least one lead party member for the plan."))
    elif target == IssueState.DONE:
        first_party = getattr(issue, "first_party_at", None)
        first_resident = getattr(issue, "first_resident_at", None)
        if first_party is None:
            missing.append(_("Record an action by a party member."))
        elif first_resident is not None and not party_acted_first(first_party, first_resident):
            missing.append(
                _(
                    "Party members act first: record a party member's action dated before "
                    "the first resident action (%(when)s)."
                )
                % {"when": short_datetime(first_resident)}
            )
        if not getattr(issue, "has_outcome", False):
            missing.append(_("Record the outcome: what changed, before and after."))
    return missing
