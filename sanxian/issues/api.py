"""Issues in the JSON API: the list, one issue at its current stage, and the moves along
the workflow (advance, set aside, reopen).

The same selectors and services as the pages: the same scope (404 outside it), the same
gates and messages, the same history and audit trail. What the detail page shows to party
roles only (the think stage's answers and votes, the consensus, the discussion's size) is
left out for everyone else, exactly as there.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from sanxian.accounts.scope import get_scope
from sanxian.api.schemas import ERRORS, PlaceRef, token_user
from sanxian.issues import selectors, services
from sanxian.issues.models import Issue, IssueState
from sanxian.issues.selectors import IssuePage, ThinkStage

router = Router(tags=["issues"])

StateName = Literal["collected", "think", "deliberate", "act", "done", "shelved", "escalated"]


# --- Schemas ----------------------------------------------------------------------------


class IssueOut(Schema):
    id: int
    title: str
    state: StateName
    state_label: str
    place: PlaceRef
    created_at: datetime
    state_changed_at: datetime


class StateCountOut(Schema):
    state: StateName
    label: str
    count: int = Field(description="Counted up to a cap; see ``more``.")
    more: bool = Field(description="There are more than ``count``.")


class IssuePageOut(Schema):
    items: list[IssueOut]
    counts: list[StateCountOut] = Field(description="The issues in scope in each state.")
    next_before: int | None = Field(
        description="Pass as ?before= for the next (older) page; null on the last page."
    )


class StepOut(Schema):
    state: str
    label: str
    status: Literal["done", "current", "todo"]


class EventOut(Schema):
    from_state: str
    to_state: str
    at: datetime
    note: str
    meeting_id: int | None


class QuestionOut(Schema):
    code: str
    label: str
    answer: bool | None = Field(description="Null while unanswered.")
    note: str


class ConsensusOut(Schema):
    agree: int
    disagree: int
    abstain: int
    threshold: Decimal = Field(description="Share of those voting who must agree.")
    reached: bool


class ThinkOut(Schema):
    questions: list[QuestionOut]
    eligible_voters: int
    my_vote: str | None = Field(description="agree, disagree or abstain; null: not voted.")
    can_vote: bool


class OptionOut(Schema):
    id: int
    title: str
    description: str


class PlanStepOut(Schema):
    id: int
    position: int
    what: str
    owner: str
    due_on: date | None
    done: bool


class PlanOut(Schema):
    option: str
    meeting_id: int
    meeting_title: str
    leads: list[str] = Field(description="The lead party members' names.")
    steps: list[PlanStepOut]


class StakeholderOut(Schema):
    kind: str
    name: str
    note: str


class ConsultationOut(Schema):
    held_on: date
    attendees: int
    support: int
    oppose: int
    summary: str


class ActionOut(Schema):
    name: str
    is_party_member: bool
    acted_at: datetime
    what: str


class OutcomeOut(Schema):
    what_changed: str
    before: str
    after: str
    follow_up_on: date | None


class IssueDetailOut(IssueOut):
    description: str
    source: str
    resume_state: str = Field(description="Where a shelved or escalated issue reopens to.")
    goals: str
    can_write: bool = Field(description="The token's owner may move this issue.")
    steps: list[StepOut]
    next_state: str | None = Field(description="The next state on the main line.")
    missing: list[str] | None = Field(
        description="What the next state still needs; null where only party roles see it."
    )
    consensus: ConsensusOut | None = Field(description="Party roles only.")
    think: ThinkOut | None = Field(description="At the think stage, for party roles only.")
    discussion_posts: int | None = Field(description="Party roles only.")
    options: list[OptionOut]
    plan: PlanOut | None
    stakeholders: list[StakeholderOut]
    consultations: list[ConsultationOut]
    actions: list[ActionOut]
    party_acted_first: bool | None = Field(description="Once actions are recorded.")
    outcome: OutcomeOut | None
    survey: dict[str, int] | None = Field(description="Responses by rating, once done.")
    events: list[EventOut] = Field(description="The history, newest first.")


class NoteIn(Schema):
    note: str = Field("", max_length=2000, description="Why (kept in the issue's history).")


class AsideIn(Schema):
    to: Literal["shelved", "escalated"]
    note: str = Field(max_length=2000, description="Why it is set aside (required).")


# --- Shaping ----------------------------------------------------------------------------


def _label(state: str) -> str:
    return str(IssueState(state).label)


def _row(issue: Issue) -> dict:
    return {
        "id": issue.pk,
        "title": issue.title,
        "state": issue.state,
        "state_label": _label(issue.state),
        "place": issue.place,
        "created_at": issue.created_at,
        "state_changed_at": issue.state_changed_at,
    }


def _plan(page: IssuePage) -> dict | None:
    plan = page.plan
    if plan is None:
        return None
    return {
        "option": plan.option.title,
        "meeting_id": plan.meeting_id,
        "meeting_title": plan.meeting.title,
        "leads": [lead.name for lead in page.leads],
        "steps": [
            {
                "id": s.pk,
                "position": s.position,
                "what": s.what,
                "owner": s.owner,
                "due_on": s.due_on,
                "done": s.done,
            }
            for s in page.plan_steps
        ],
    }


def _think(stage: ThinkStage) -> dict:
    return {
        "questions": [
            {
                "code": q.code,
                "label": q.label,
                "answer": q.answer.answer if q.answer is not None else None,
                "note": q.answer.note if q.answer is not None else "",
            }
            for q in stage.questions
        ],
        "eligible_voters": stage.eligible_voters,
        "my_vote": stage.my_vote.choice if stage.my_vote is not None else None,
        "can_vote": stage.can_vote,
    }


def _detail(page: IssuePage) -> dict:
    """The issue as ``selectors.issue_page`` has it for the viewer (what only party roles
    see is already None there for everyone else)."""
    issue = page.issue
    chain = page.chain
    outcome = page.outcome
    return {
        **_row(issue),
        "description": issue.description,
        "source": issue.source,
        "resume_state": issue.resume_state,
        "goals": issue.goals,
        "can_write": page.can_write,
        "steps": page.steps,
        "next_state": page.next_state,
        "missing": page.missing,
        "consensus": page.consensus,
        "think": _think(page.think) if page.think is not None else None,
        "discussion_posts": page.discussion_posts,
        "options": page.options,
        "plan": _plan(page),
        "stakeholders": page.stakeholders,
        "consultations": page.consultations,
        "actions": chain.actions if chain is not None else [],
        "party_acted_first": chain.party_first if chain is not None and chain.actions else None,
        "outcome": outcome,
        "survey": page.survey.counts if page.survey is not None else None,
        "events": page.events,
    }


def _page(request: HttpRequest, issue: Issue) -> dict:
    return _detail(selectors.issue_page(token_user(request), issue))


# --- Operations -------------------------------------------------------------------------


@router.get(
    "/",
    response={200: IssuePageOut, **ERRORS},
    summary="Issues in my scope, newest first",
    description="Staff and party roles only (404 for anyone else), as on the issues page.",
)
def issue_list(
    request: HttpRequest, state: StateName | None = None, before: int | None = None
) -> dict:
    user = token_user(request)
    if not selectors.may_open_issues(get_scope(user)):
        raise Http404
    listing = selectors.issue_list(user, state=state or "", after=before)
    return {
        "items": [_row(issue) for issue in listing.items],
        "counts": [
            {"state": c.state, "label": c.label, "count": c.count, "more": c.more}
            for c in listing.counts
        ],
        "next_before": listing.next_after,
    }


@router.get(
    "/{issue_id}",
    response={200: IssueDetailOut, **ERRORS},
    summary="One issue at its current stage",
)
def issue_detail(request: HttpRequest, issue_id: int) -> dict:
    return _page(request, selectors.get_issue_for_user(token_user(request), issue_id))


@router.post(
    "/{issue_id}/advance",
    response={200: IssueDetailOut, **ERRORS},
    summary="Move the issue to the next state of the main line",
    description=(
        "Refused (400, saying what is missing) until the next state's gate is met. Moving "
        "from think to deliberate is for party roles only."
    ),
)
def advance(request: HttpRequest, issue_id: int, body: NoteIn) -> dict:
    user = token_user(request)
    issue = selectors.get_issue_for_user(user, issue_id, write=True)
    services.move(issue=issue, kind="advance", scope=get_scope(user), actor=user, note=body.note)
    return _page(request, selectors.get_issue_for_user(user, issue_id))


@router.post(
    "/{issue_id}/aside",
    response={200: IssueDetailOut, **ERRORS},
    summary="Shelve or escalate an open issue",
)
def set_aside(request: HttpRequest, issue_id: int, body: AsideIn) -> dict:
    user = token_user(request)
    issue = selectors.get_issue_for_user(user, issue_id, write=True)
    move = services.shelve if body.to == IssueState.SHELVED else services.escalate
    move(issue=issue, actor=user, note=body.note)
    return _page(request, selectors.get_issue_for_user(user, issue_id))


@router.post(
    "/{issue_id}/reopen",
    response={200: IssueDetailOut, **ERRORS},
    summary="Return a shelved or escalated issue to where it was",
)
def reopen(request: HttpRequest, issue_id: int, body: NoteIn) -> dict:
    user = token_user(request)
    issue = selectors.get_issue_for_user(user, issue_id, write=True)
    services.reopen(issue=issue, actor=user, note=body.note)
    return _page(request, selectors.get_issue_for_user(user, issue_id))
