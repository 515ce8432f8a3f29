"""Every write to an issue. One function per transition, each checking its gate.

Transitions (``start_thinking``, ``open_deliberation``, ``start_action``, ``complete``,
``shelve``, ``escalate``, ``reopen``; ``transition`` dispatches to them, and ``move``
first checks that a viewer asked for a move on offer) run in one
transaction: a conditional update moves the state only if it is still the one the caller
saw (so two simultaneous clicks make one transition), the gate is checked on fresh facts
while the row is locked, and an ``IssueEvent`` is appended. A refused gate raises
``DomainError`` with what is missing and changes nothing.

Other writes (answers, votes, plan, actions, outcome, survey) first bump the issue's
version with a conditional update on the states they are allowed in: that checks the
state and serialises them with the transitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian.accounts.models import User
from sanxian.accounts.scope import Scope
from sanxian.audit import services as audit
from sanxian.audit.models import AuditAction
from sanxian.issues.gates import OPEN_STATES, missing_for, with_facts
from sanxian.issues.models import (
    ADOPTION_MEETING_KINDS,
    ASIDE,
    MAX_ACTION_PHOTOS,
    ActionRecord,
    AdoptedPlan,
    ConsensusVote,
    Consultation,
    DiscussionPost,
    Issue,
    IssueEvent,
    IssuePhoto,
    IssueSource,
    IssueState,
    Outcome,
    PhotoKind,
    PlanOption,
    PlanStep,
    Stakeholder,
    StakeholderKind,
    SurveyRating,
    SurveyResponse,
    ThinkAnswer,
    ThinkQuestion,
    VoteChoice,
)
from sanxian.issues.selectors import MoveKind, allowed_moves, neighborhood_path
from sanxian.meetings.models import Meeting
from sanxian.meetings.services import record_decision
from sanxian.party.models import PartyMember
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.uploads import store_photo

ISSUE_PLACE_KINDS = frozenset(
    {PlaceKind.NEIGHBORHOOD, PlaceKind.BLOCK, PlaceKind.BUILDING, PlaceKind.BUILDING_GROUP}
)
MIN_THRESHOLD = Decimal("0.5")
MAX_THRESHOLD = Decimal("1")
# Clocks of phones and servers differ a little; an action a few minutes "ahead" is fine.
CLOCK_SKEW = timedelta(minutes=10)


def _label(state: str) -> str:
    return str(IssueState(state).label) if state else ""


def _labels(states: Iterable[str]) -> str:
    return "、".join(_label(s) for s in states)


def _conflict() -> DomainError:
    return DomainError(_("Someone else changed this issue just now; reload it and try again."))


def _touch(issue: Issue, states: Sequence[str]) -> None:
    """Bump the version if the issue is (still) in one of ``states``, else refuse.

    The conditional update also locks the row until the transaction ends, so a write and
    a transition of the same issue never interleave. (The in-memory ``issue`` keeps its
    old version; fetch it again to see the new one.)
    """
    updated = Issue.objects.filter(pk=issue.pk, state__in=list(states)).update(
        version=F("version") + 1
    )
    if not updated:
        current = Issue.objects.filter(pk=issue.pk).values_list("state", flat=True).first()
        raise DomainError(
            _("This can be recorded only while the issue is in: %(states)s (it is %(state)s).")
            % {"states": _labels(states), "state": _label(current or "")}
        )


def _in_neighborhood(issue: Issue, path: str) -> bool:
    return path.startswith(neighborhood_path(issue.path))


# --- Collect ----------------------------------------------------------------------------


@transaction.atomic
def create_issue(
    *,
    place: Place,
    title: str,
    source: str,
    actor: User | None,
    description: str = "",
) -> Issue:
    """Collect a new issue (state ``collected``) at a building group … neighborhood."""
    if place.kind not in ISSUE_PLACE_KINDS:
        raise DomainError(
            _("An issue belongs to a neighborhood, block, building or building group.")
        )
    if not title.strip():
        raise DomainError(_("An issue needs a title."))
    issue = Issue.objects.create(
        place=place,
        path=place.path,
        title=title.strip(),
        description=description.strip(),
        source=IssueSource(source),
        raised_by=actor,
    )
    IssueEvent.objects.create(
        issue=issue, actor=actor, from_state="", to_state=IssueState.COLLECTED
    )
    return issue


@transaction.atomic
def set_consensus_threshold(*, issue: Issue, threshold: Decimal, actor: User | None) -> Issue:
    """Change the share of voting party members who must agree (collected or think)."""
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise DomainError(_("The consensus threshold is a share between one half and all."))
    _touch(issue, (IssueState.COLLECTED, IssueState.THINK))
    Issue.objects.filter(pk=issue.pk).update(consensus_threshold=threshold)
    issue.consensus_threshold = threshold
    return issue


# --- Transitions ------------------------------------------------------------------------


def _move(
    *,
    issue: Issue,
    to: str,
    allowed_from: Iterable[str],
    actor: User | None,
    meeting: Meeting | None,
    note: str,
) -> Issue:
    """Move ``issue`` to ``to`` if it is in one of ``allowed_from`` and the gate is met."""
    old = issue.state
    allowed = list(allowed_from)
    if old not in allowed:
        raise DomainError(
            _("This step needs the issue to be in: %(needed)s; it is %(state)s.")
            % {"needed": _labels(allowed), "state": _label(old)}
        )
    if meeting is not None and not _in_neighborhood(issue, meeting.path):
        raise DomainError(_("The meeting is not one of this issue's neighborhood."))
    changes: dict[str, object] = {
        "state": to,
        "version": F("version") + 1,
        "state_changed_at": timezone.now(),
    }
    guard: dict[str, object] = {"pk": issue.pk, "state": old}
    if to in ASIDE:
        changes["resume_state"] = old
    elif old in ASIDE:
        changes["resume_state"] = ""
        guard["resume_state"] = issue.resume_state
    with transaction.atomic():
        if not Issue.objects.filter(**guard).update(**changes):
            raise _conflict()
        # The row is now locked: check the gate on fresh facts.
        fresh = with_facts(Issue.objects.filter(pk=issue.pk)).get()
        missing = missing_for(fresh, to)
        if missing:
            raise DomainError(" ".join(missing))
        IssueEvent.objects.create(
            issue=issue,
            actor=actor,
            from_state=old,
            to_state=to,
            meeting=meeting,
            note=note.strip(),
        )
        audit.record(
            AuditAction.TRANSITION,
            actor=actor,
            target=issue,
            path=issue.path,
            from_state=old,
            to_state=to,
            meeting=meeting.pk if meeting is not None else None,
        )
    issue.refresh_from_db(fields=["state", "resume_state", "version", "state_changed_at"])
    return issue


@transaction.atomic
def start_thinking(
    *, issue: Issue, actor: User | None, note: str = "", meeting: Meeting | None = None
) -> Issue:
    """collected → think (先想): party members weigh the issue."""
    return _move(
        issue=issue,
        to=IssueState.THINK,
        allowed_from=[IssueState.COLLECTED],
        actor=actor,
        meeting=meeting,
        note=note,
    )


@transaction.atomic
def open_deliberation(
    *, issue: Issue, actor: User | None, note: str = "", meeting: Meeting | None = None
) -> Issue:
    """think → deliberate (先议). Gate: three questions answered and consensus reached."""
    return _move(
        issue=issue,
        to=IssueState.DELIBERATE,
        allowed_from=[IssueState.THINK],
        actor=actor,
        meeting=meeting,
        note=note,
    )


@transaction.atomic
def start_action(
    *, issue: Issue, actor: User | None, meeting: Meeting | None = None, note: str = ""
) -> Issue:
    """deliberate → act (先行). Gate: goals, and a plan with a lead adopted at a meeting.

    The event names ``meeting``, or the meeting that adopted the plan.
    """
    if meeting is None:
        plan = AdoptedPlan.objects.filter(issue=issue).select_related("meeting").first()
        meeting = plan.meeting if plan is not None else None
    return _move(
        issue=issue,
        to=IssueState.ACT,
        allowed_from=[IssueState.DELIBERATE],
        actor=actor,
        meeting=meeting,
        note=note,
    )


@transaction.atomic
def complete(
    *, issue: Issue, actor: User | None, note: str = "", meeting: Meeting | None = None
) -> Issue:
    """act → done. Gate: a party member acted before the residents; outcome recorded."""
    return _move(
        issue=issue,
        to=IssueState.DONE,
        allowed_from=[IssueState.ACT],
        actor=actor,
        meeting=meeting,
        note=note,
    )


def _aside(
    *, issue: Issue, to: str, actor: User | None, note: str, meeting: Meeting | None
) -> Issue:
    if not note.strip():
        raise DomainError(
            _("Say why the issue is shelved.")
            if to == IssueState.SHELVED
            else _("Say why the issue is escalated.")
        )
    return _move(
        issue=issue, to=to, allowed_from=OPEN_STATES, actor=actor, meeting=meeting, note=note
    )


@transaction.atomic
def shelve(*, issue: Issue, actor: User | None, note: str, meeting: Meeting | None = None) -> Issue:
    """Put an open issue aside (搁置); ``reopen`` returns it to where it was."""
    return _aside(issue=issue, to=IssueState.SHELVED, actor=actor, note=note, meeting=meeting)


@transaction.atomic
def escalate(
    *, issue: Issue, actor: User | None, note: str, meeting: Meeting | None = None
) -> Issue:
    """Hand an open issue up the tree (上报); ``reopen`` returns it to where it was."""
    return _aside(issue=issue, to=IssueState.ESCALATED, actor=actor, note=note, meeting=meeting)


@transaction.atomic
def reopen(
    *, issue: Issue, actor: User | None, note: str = "", meeting: Meeting | None = None
) -> Issue:
    """A shelved or escalated issue returns to the state it was in."""
    if issue.state not in ASIDE or not issue.resume_state:
        raise DomainError(_("Only a shelved or escalated issue can be reopened."))
    return _move(
        issue=issue,
        to=issue.resume_state,
        allowed_from=ASIDE,
        actor=actor,
        meeting=meeting,
        note=note,
    )


_FORWARD = {
    IssueState.THINK: start_thinking,
    IssueState.DELIBERATE: open_deliberation,
    IssueState.ACT: start_action,
    IssueState.DONE: complete,
}


def transition(
    *,
    issue: Issue,
    to: str,
    actor: User | None,
    meeting: Meeting | None = None,
    note: str = "",
) -> Issue:
    """Move ``issue`` to ``to`` through the one function that performs that transition
    (meeting decisions and the pages both come through here)."""
    if to not in IssueState.values:
        raise DomainError(_("Unknown state."))
    if issue.state in ASIDE:
        if to != issue.resume_state:
            raise DomainError(
                _("A %(state)s issue reopens to %(resume)s only.")
                % {"state": _label(issue.state), "resume": _label(issue.resume_state)}
            )
        return reopen(issue=issue, actor=actor, meeting=meeting, note=note)
    if to == IssueState.SHELVED:
        return shelve(issue=issue, actor=actor, meeting=meeting, note=note)
    if to == IssueState.ESCALATED:
        return escalate(issue=issue, actor=actor, meeting=meeting, note=note)
    if to in _FORWARD:
        return _FORWARD[IssueState(to)](issue=issue, actor=actor, meeting=meeting, note=note)
    raise DomainError(
        _("An issue cannot move from %(from)s to %(to)s.")
        % {"from": _label(issue.state), "to": _label(to)}
    )


def move(
    *,
    issue: Issue,
    kind: MoveKind,
    scope: Scope,
    actor: User | None,
    to: str | None = None,
    note: str = "",
) -> Issue:
    """The move a viewer with ``scope`` (who may write) asks for on a page or through the
    API: ``kind`` is advance, aside or reopen, ``to`` where it goes (None: the one state a
    move of that kind goes to now). Refused unless it is a move on offer
    (``selectors.allowed_moves``); think → deliberate is for party roles only, and to
    everyone else it is not found (404), like the think stage itself. Then ``transition``
    makes it through the one function of that transition."""
    moves = allowed_moves(issue, scope)
    targets = moves.targets(kind)
    if to is None and len(targets) == 1:
        to = targets[0]
    if to is None or to not in targets:
        raise DomainError(_("This step is not available now."))
    if kind == "advance" and not moves.may_advance:
        raise Http404
    return transition(issue=issue, to=to, actor=actor, note=note)


# --- Think (先想) ------------------------------------------------------------------------


@transaction.atomic
def answer_question(
    *, issue: Issue, question: str, answer: bool, note: str, actor: User | None
) -> ThinkAnswer:
    """Answer (or change the answer to) one of the three questions, with a note."""
    if question not in ThinkQuestion.values:
        raise DomainError(_("Unknown question."))
    if not note.strip():
        raise DomainError(_("Each answer needs a note saying why."))
    _touch(issue, [IssueState.THINK])
    answer_row, _created = ThinkAnswer.objects.update_or_create(
        issue=issue,
        question=question,
        defaults={"answer": answer, "note": note.strip(), "by": actor},
    )
    return answer_row


def eligible_voter(issue: Issue, member: PartyMember) -> bool:
    """Party members living (or serving) under the issue's place vote on it."""
    return member.path.startswith(issue.path)


@transaction.atomic
def cast_vote(
    *, issue: Issue, member: PartyMember, choice: str, actor: User | None
) -> ConsensusVote:
    """The member's vote in the party consensus (one per member; a new vote replaces it)."""
    if choice not in VoteChoice.values:
        raise DomainError(_("Vote agree, disagree or abstain."))
    if not eligible_voter(issue, member):
        raise DomainError(
            _("Only party members living or serving under this issue's place vote on it.")
        )
    _touch(issue, [IssueState.THINK])
    vote, _created = ConsensusVote.objects.update_or_create(
        issue=issue, member=member, defaults={"choice": choice, "cast_by": actor}
    )
    return vote


# --- Deliberate (先议) -------------------------------------------------------------------


@transaction.atomic
def set_goals(*, issue: Issue, goals: str, actor: User | None) -> Issue:
    if not goals.strip():
        raise DomainError(_("Write the goals."))
    _touch(issue, [IssueState.DELIBERATE])
    Issue.objects.filter(pk=issue.pk).update(goals=goals.strip())
    issue.goals = goals.strip()
    return issue


@transaction.atomic
def add_option(
    *, issue: Issue, title: str, actor: User | None, description: str = ""
) -> PlanOption:
    if not title.strip():
        raise DomainError(_("A plan option needs a title."))
    _touch(issue, [IssueState.DELIBERATE])
    return PlanOption.objects.create(
        issue=issue, title=title.strip(), description=description.strip(), proposed_by=actor
    )


DISCUSSION_STATES = (IssueState.THINK, IssueState.DELIBERATE, IssueState.ACT)


@transaction.atomic
def post_message(
    *, issue: Issue, author: User | None, text: str, option: PlanOption | None = None
) -> DiscussionPost:
    """Add to the issue's discussion thread (think, deliberate and act)."""
    if not text.strip():
        raise DomainError(_("Write a message."))
    if option is not None and option.issue_id != issue.pk:
        raise DomainError(_("That option belongs to another issue."))
    _touch(issue, DISCUSSION_STATES)
    return DiscussionPost.objects.create(
        issue=issue, author=author, text=text.strip(), option=option
    )


@dataclass(frozen=True)
class StepInput:
    what: str
    owner_member: PartyMember | None = None
    owner_name: str = ""
    due_on: date | None = None
    resources: str = ""


def _check_step(issue: Issue, step: StepInput) -> None:
    if not step.what.strip():
        raise DomainError(_("Say what the step is."))
    if step.owner_member is None and not step.owner_name.strip():
        raise DomainError(_("Name who owns the step: a party member or a name."))
    if step.owner_member is not None and not _in_neighborhood(issue, step.owner_member.path):
        raise DomainError(_("The step's owner is not a party member of this neighborhood."))


def _create_step(plan: AdoptedPlan, step: StepInput, position: int) -> PlanStep:
    return PlanStep.objects.create(
        plan=plan,
        position=position,
        what=step.what.strip(),
        owner_member=step.owner_member,
        owner_name="" if step.owner_member is not None else step.owner_name.strip(),
        due_on=step.due_on,
        resources=step.resources.strip(),
    )


@transaction.atomic
def adopt_plan(
    *,
    issue: Issue,
    option: PlanOption,
    meeting: Meeting,
    actor: User | None,
    leads: Sequence[PartyMember],
    steps: Sequence[StepInput] = (),
    goals: str | None = None,
) -> AdoptedPlan:
    """Adopt ``option`` at ``meeting``: records a decision in the meeting's minutes,
    names the lead party members and the first steps."""
    if option.issue_id != issue.pk:
        raise DomainError(_("That option belongs to another issue."))
    if meeting.kind not in ADOPTION_MEETING_KINDS:
        raise DomainError(
            _(
                "A plan is adopted at a party deliberation (15th) or a joint consultation "
                "(25th) meeting."
            )
        )
    if not _in_neighborhood(issue, meeting.path):
        raise DomainError(_("The meeting is not one of this issue's neighborhood."))
    if meeting.starts_at > timezone.now() + CLOCK_SKEW:
        raise DomainError(_("That meeting has not taken place yet."))
    leads = list(dict.fromkeys(leads))
    if not leads:
        raise DomainError(_("Name at least one lead party member."))
    if any(not _in_neighborhood(issue, m.path) for m in leads):
        raise DomainError(_("A lead is not a party member of this neighborhood."))
    for step in steps:
        _check_step(issue, step)
    if goals is not None and not goals.strip():
        raise DomainError(_("Write the goals."))
    _touch(issue, [IssueState.DELIBERATE])
    if AdoptedPlan.objects.filter(issue=issue).exists():
        raise DomainError(_("A plan has already been adopted for this issue."))
    if goals is not None:
        Issue.objects.filter(pk=issue.pk).update(goals=goals.strip())
        issue.goals = goals.strip()
    decision = record_decision(
        meeting=meeting,
        text=_("Plan adopted for the issue “%(issue)s”: %(option)s")
        % {"issue": issue.title, "option": option.title},
        actor=actor,
        issue_id=issue.pk,
    )
    plan = AdoptedPlan.objects.create(
        issue=issue, option=option, meeting=meeting, decision=decision, adopted_by=actor
    )
    plan.leads.set(leads)
    for position, step in enumerate(steps, start=1):
        _create_step(plan, step, position)
    return plan


@transaction.atomic
def add_plan_step(*, issue: Issue, step: StepInput, actor: User | None) -> PlanStep:
    """Add a step to the adopted plan (deliberate or act)."""
    _check_step(issue, step)
    _touch(issue, [IssueState.DELIBERATE, IssueState.ACT])
    plan = AdoptedPlan.objects.filter(issue=issue).first()
    if plan is None:
        raise DomainError(_("Adopt a plan first."))
    last = plan.steps.order_by("-position").values_list("position", flat=True).first() or 0
    return _create_step(plan, step, last + 1)


@transaction.atomic
def mark_step_done(
    *, issue: Issue, step: PlanStep, actor: User | None, done: bool = True
) -> PlanStep:
    """Tick (or untick) a step of the adopted plan while acting."""
    if step.plan.issue_id != issue.pk:
        raise DomainError(_("That step belongs to another issue."))
    _touch(issue, [IssueState.ACT])
    step.done = done
    step.done_at = timezone.now() if done else None
    step.save(update_fields=["done", "done_at"])
    return step


@transaction.atomic
def add_stakeholder(
    *, issue: Issue, kind: str, name: str, actor: User | None, note: str = ""
) -> Stakeholder:
    if kind not in StakeholderKind.values:
        raise DomainError(_("Unknown kind of stakeholder."))
    if not name.strip():
        raise DomainError(_("Name the stakeholder."))
    _touch(issue, [IssueState.DELIBERATE, IssueState.ACT])
    return Stakeholder.objects.create(
        issue=issue, kind=kind, name=name.strip(), note=note.strip(), added_by=actor
    )


@transaction.atomic
def record_consultation(
    *,
    issue: Issue,
    actor: User | None,
    held_on: date,
    attendees: int,
    summary: str,
    support: int = 0,
    oppose: int = 0,
    meeting: Meeting | None = None,
) -> Consultation:
    """The residents' consultation on the plan (usually at the 25th joint meeting)."""
    if not summary.strip():
        raise DomainError(_("Summarise what the residents said."))
    if min(attendees, support, oppose) < 0:
        raise DomainError(_("Counts cannot be negative."))
    if support + oppose > attendees:
        raise DomainError(_("More residents voted than attended."))
    if held_on > timezone.localdate():
        raise DomainError(_("A consultation cannot be recorded before it is held."))
    if meeting is not None and not _in_neighborhood(issue, meeting.path):
        raise DomainError(_("The meeting is not one of this issue's neighborhood."))
    _touch(issue, [IssueState.DELIBERATE, IssueState.ACT])
    return Consultation.objects.create(
        issue=issue,
        held_on=held_on,
        meeting=meeting,
        attendees=attendees,
        summary=summary.strip(),
        support=support,
        oppose=oppose,
        recorded_by=actor,
    )


# --- Act (先行) --------------------------------------------------------------------------


def _store(upload: UploadedFile) -> str:
    try:
        return store_photo(upload, folder="actions")
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc


@transaction.atomic
def record_action(
    *,
    issue: Issue,
    actor: User | None,
    acted_at: datetime,
    what: str,
    member: PartyMember | None = None,
    resident: Resident | None = None,
    name: str = "",
    photos: Sequence[UploadedFile] = (),
) -> ActionRecord:
    """Record who did what and when (a party member, a resident, or a named person).

    ``is_party_member`` is derived: a member, or a resident registered as one.
    """
    given = [x for x in (member, resident, name.strip() or None) if x is not None]
    if len(given) != 1:
        raise DomainError(_("Say who acted: a party member, a resident or a name."))
    if not what.strip():
        raise DomainError(_("Say what was done."))
    if timezone.is_naive(acted_at):
        raise DomainError(_("Give the time of the action."))
    if acted_at > timezone.now() + CLOCK_SKEW:
        raise DomainError(_("An action cannot be dated in the future."))
    if len(photos) > MAX_ACTION_PHOTOS:
        raise DomainError(_("At most %(n)s photos per action.") % {"n": MAX_ACTION_PHOTOS})
    if resident is not None:
        member = PartyMember.objects.filter(resident=resident).first()
    elif member is not None:
        resident = member.resident
    who_path = (member.path if member is not None else None) or (
        resident.path if resident is not None else None
    )
    if who_path is not None and not _in_neighborhood(issue, who_path):
        raise DomainError(_("That person does not live or serve in this neighborhood."))
    label = member.name if member is not None else resident.name if resident else name.strip()
    _touch(issue, [IssueState.ACT])
    stored = [_store(p) for p in photos]
    action = ActionRecord.objects.create(
        issue=issue,
        member=member,
        resident=resident,
        name=label,
        is_party_member=member is not None,
        acted_at=acted_at,
        what=what.strip(),
        recorded_by=actor,
    )
    IssuePhoto.objects.bulk_create(
        IssuePhoto(issue=issue, action=action, kind=PhotoKind.ACTION, file=f, uploaded_by=actor)
        for f in stored
    )
    return action


@transaction.atomic
def record_outcome(
    *,
    issue: Issue,
    actor: User | None,
    what_changed: str,
    before: str,
    after: str,
    before_photo: UploadedFile | None = None,
    after_photo: UploadedFile | None = None,
) -> Outcome:
    """Record (or correct) what changed, before and after, with optional photos."""
    if not (what_changed.strip() and before.strip() and after.strip()):
        raise DomainError(_("Say what changed, how it was before and how it is after."))
    _touch(issue, [IssueState.ACT, IssueState.DONE])
    outcome, _created = Outcome.objects.update_or_create(
        issue=issue,
        defaults={
            "what_changed": what_changed.strip(),
            "before": before.strip(),
            "after": after.strip(),
            "recorded_by": actor,
        },
    )
    for kind, upload in ((PhotoKind.BEFORE, before_photo), (PhotoKind.AFTER, after_photo)):
        if upload is not None:
            stored = _store(upload)
            IssuePhoto.objects.filter(issue=issue, kind=kind).delete()
            IssuePhoto.objects.create(issue=issue, kind=kind, file=stored, uploaded_by=actor)
    return outcome


# --- Done -------------------------------------------------------------------------------


@transaction.atomic
def record_survey(
    *, issue: Issue, actor: User | None, rating: str, count: int = 1, note: str = ""
) -> SurveyResponse:
    """Staff record residents' satisfaction: one response, or a count of them."""
    if rating not in SurveyRating.values:
        raise DomainError(_("Unknown rating."))
    if count < 1:
        raise DomainError(_("Record at least one response."))
    _touch(issue, [IssueState.DONE])
    return SurveyResponse.objects.create(
        issue=issue, rating=rating, count=count, note=note.strip(), recorded_by=actor
    )


@transaction.atomic
def set_follow_up(*, issue: Issue, actor: User | None, follow_up_on: date) -> Outcome:
    """The date on which the result will be checked again."""
    _touch(issue, [IssueState.DONE])
    outcome = Outcome.objects.filter(issue=issue).first()
    if outcome is None:
        raise DomainError(_("Record the outcome first."))
    outcome.follow_up_on = follow_up_on
    outcome.save(update_fields=["follow_up_on"])
    return outcome
