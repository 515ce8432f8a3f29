"""Reads of issues shared by the pages and the API, scoped to the user.

Who sees an issue: staff and party roles whose scope covers the issue's place; and party
members (with a party role) living under the issue's place, since they are the ones who
weigh and vote on it. Residents (role resident only), auditors and outsiders see none:
``get_issue_for_user`` answers 404, so nothing can be probed by guessing ids.

Who may write (move the issue, record deliberation and actions): staff and party roles
whose scope covers the issue's place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from sanxian.accounts.scope import Scope, get_scope
from sanxian.issues.gates import (
    Consensus,
    consensus_of,
    missing_for,
    next_on_main_line,
    party_acted_first,
    share,
    with_facts,
)
from sanxian.issues.models import (
    ADOPTION_MEETING_KINDS,
    ASIDE,
    MAIN_LINE,
    ActionRecord,
    AdoptedPlan,
    ConsensusVote,
    Consultation,
    DiscussionPost,
    Issue,
    IssueEvent,
    IssuePhoto,
    IssueState,
    Outcome,
    PhotoKind,
    PlanOption,
    PlanStep,
    Stakeholder,
    SurveyRating,
    SurveyResponse,
    ThinkAnswer,
    ThinkQuestion,
)
from sanxian.meetings.models import Meeting
from sanxian.party.models import PartyMember
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH, ancestor_paths, subtree_q

PAGE_SIZE = 20
# Choice lists on the forms stay short enough for a phone.
MAX_RESIDENT_CHOICES = 200
MAX_MEETING_CHOICES = 20
MAX_PLACE_CHOICES = 2000
_NO_MEMBER = object()


# --- Access -----------------------------------------------------------------------------


def own_party_member(user) -> PartyMember | None:
    """The party member the user votes as (``user.resident.party_member``), cached."""
    cached = getattr(user, "_sanxian_party_member", _NO_MEMBER)
    if cached is not _NO_MEMBER:
        return cast(PartyMember | None, cached)
    member = None
    if user.is_authenticated and user.resident_id is not None:
        member = PartyMember.objects.filter(resident_id=user.resident_id).first()
    user._sanxian_party_member = member
    return member


def may_open_issues(scope: Scope) -> bool:
    return scope.is_staff or scope.is_party


def visible_q(user) -> Q:
    """Issues the user sees: their scope, and for party roles the places above their home."""
    scope = get_scope(user)
    if not may_open_issues(scope):
        return Q(pk__in=[])
    q = scope.q()
    if scope.is_party:
        member = own_party_member(user)
        if member is not None and member.path:
            q |= Q(path__in=ancestor_paths(member.path))
    return q


def issue_queryset() -> QuerySet[Issue]:
    """Issues with what the detail page and the gates read, in one query."""
    posts = DiscussionPost.objects.filter(issue=OuterRef("pk")).order_by()
    return with_facts(
        Issue.objects.select_related(
            "place",
            "raised_by",
            "plan__option",
            "plan__meeting",
            "plan__decision",
            "outcome",
        )
    ).annotate(
        post_count=Coalesce(
            Subquery(
                posts.annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        )
    )


def get_issue_for_user(user, pk: int, *, write: bool = False) -> Issue:
    """The issue if the user may see it (``write``: may change it), else 404."""
    scope = get_scope(user)
    if not may_open_issues(scope):
        raise Http404
    issue = issue_queryset().filter(pk=pk).first()
    if issue is None:
        raise Http404
    if scope.covers(issue.path):
        return issue
    if not write and scope.is_party:
        member = own_party_member(user)
        if member is not None and member.path and member.path.startswith(issue.path):
            return issue
    raise Http404


def can_write(user, issue: Issue) -> bool:
    scope = get_scope(user)
    return may_open_issues(scope) and scope.covers(issue.path)


def plan_of(issue: Issue) -> AdoptedPlan | None:
    try:
        return issue.plan
    except AdoptedPlan.DoesNotExist:
        return None


def outcome_of(issue: Issue) -> Outcome | None:
    try:
        return issue.outcome
    except Outcome.DoesNotExist:
        return None


# --- List -------------------------------------------------------------------------------


@dataclass
class StateCount:
    state: str
    label: str
    count: int


@dataclass
class IssueList:
    items: list[Issue]
    state: str
    after: int | None
    next_after: int | None
    counts: list[StateCount]
    total: int


def issue_list(
    user,
    *,
    state: str = "",
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> IssueList:
    """One page of the issues the user sees, newest first; ``after`` is the last id of
    the previous page (keyset pagination: a deep page costs what the first one does)."""
    base = Issue.objects.filter(visible_q(user))
    by_state = dict(base.order_by().values_list("state").annotate(n=Count("id")))
    qs = listed_issues(user, state=state)
    if after is not None:
        qs = qs.filter(id__lt=after)
    rows = list(qs.order_by("-id")[: limit + 1])
    items = rows[:limit]
    return IssueList(
        items=items,
        state=state,
        after=after,
        next_after=items[-1].pk if len(rows) > limit else None,
        counts=[StateCount(s.value, str(s.label), by_state.get(s.value, 0)) for s in IssueState],
        total=sum(by_state.values()),
    )


def listed_issues(user, *, state: str = "") -> QuerySet[Issue]:
    """The issues the list shows (all of its pages), newest first: the page and its export."""
    qs = Issue.objects.filter(visible_q(user)).select_related("place")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-id")


def places_for_new_issue(user, kinds: frozenset[str]) -> list[Place]:
    """Places where the user may raise an issue (tree order)."""
    return list(
        Place.objects.filter(visible_q(user), kind__in=kinds)
        .only("id", "path", "depth", "kind", "name")
        .order_by("path")[:MAX_PLACE_CHOICES]
    )


def place_for_new_issue(user, pk: int, kinds: frozenset[str]) -> Place | None:
    return Place.objects.filter(visible_q(user), kind__in=kinds, pk=pk).first()


# --- Detail -----------------------------------------------------------------------------


@dataclass
class Step:
    state: str
    label: str
    status: str  # "done", "current", "todo"


def stage_steps(issue: Issue) -> list[Step]:
    """The five steps of the main line; a shelved or escalated issue shows where it was."""
    where = issue.resume_state if issue.state in ASIDE else issue.state
    index = MAIN_LINE.index(IssueState(where)) if where in MAIN_LINE else 0
    steps = []
    for i, state in enumerate(MAIN_LINE):
        if i < index or (state == IssueState.DONE and issue.state == IssueState.DONE):
            status = "done"
        elif i == index:
            status = "current"
        else:
            status = "todo"
        steps.append(Step(state.value, str(state.label), status))
    return steps


@dataclass
class QuestionRow:
    code: str
    label: str
    answer: ThinkAnswer | None


@dataclass
class WeekRow:
    week: date
    party: int
    residents: int


@dataclass
class Chain:
    """The mobilisation chain: party members act first, residents follow."""

    actions: list[ActionRecord]
    first_party_at: datetime | None = None
    first_resident_at: datetime | None = None
    party_people: int = 0
    residents_followed: int = 0
    weeks: list[WeekRow] = field(default_factory=list)

    @property
    def party_first(self) -> bool:
        return party_acted_first(self.first_party_at, self.first_resident_at)


def _who(action: ActionRecord) -> tuple[str, object]:
    if action.member_id is not None:
        return ("m", action.member_id)
    if action.resident_id is not None:
        return ("r", action.resident_id)
    return ("n", action.name)


def mobilisation(actions: list[ActionRecord]) -> Chain:
    """Timeline and counts of the chain, from the issue's actions (in time order)."""
    actions = sorted(actions, key=lambda a: (a.acted_at, a.pk))
    chain = Chain(actions=actions)
    party: set[tuple[str, object]] = set()
    residents: set[tuple[str, object]] = set()
    followed: set[tuple[str, object]] = set()
    by_week: dict[date, tuple[int, int]] = {}
    for action in actions:
        who = _who(action)
        if action.is_party_member:
            chain.first_party_at = chain.first_party_at or action.acted_at
            party.add(who)
        else:
            chain.first_resident_at = chain.first_resident_at or action.acted_at
            if (
                who not in residents
                and chain.first_party_at is not None
                and action.acted_at > chain.first_party_at
            ):
                followed.add(who)
            residents.add(who)
        day = timezone.localtime(action.acted_at).date()
        by_week[day - timedelta(days=day.weekday())] = (len(party), len(residents))
    chain.party_people = len(party)
    chain.residents_followed = len(followed)
    chain.weeks = [WeekRow(week, p, r) for week, (p, r) in sorted(by_week.items())]
    return chain


@dataclass
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(share(self.done, self.total) * 100)


@dataclass
class SurveyTally:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        return [(r.value, str(r.label), self.counts.get(r.value, 0)) for r in SurveyRating]

    @property
    def satisfaction_percent(self) -> int:
        good = self.counts.get(SurveyRating.SATISFIED, 0) + self.counts.get(
            SurveyRating.BASICALLY_SATISFIED, 0
        )
        return round(share(good, self.total) * 100)


@dataclass
class IssuePage:
    """Everything the detail page shows for one issue and one viewer."""

    issue: Issue
    scope: Scope
    can_write: bool
    member: PartyMember | None
    steps: list[Step]
    next_state: str | None
    missing: list[str]
    consensus: Consensus
    events: list[IssueEvent] = field(default_factory=list)
    questions: list[QuestionRow] = field(default_factory=list)
    votes: list[ConsensusVote] = field(default_factory=list)
    eligible_voters: int = 0
    my_vote: ConsensusVote | None = None
    can_vote: bool = False
    options: list[PlanOption] = field(default_factory=list)
    plan: AdoptedPlan | None = None
    plan_steps: list[PlanStep] = field(default_factory=list)
    leads: list[PartyMember] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)
    chain: Chain | None = None
    photos_by_action: dict[int, list[IssuePhoto]] = field(default_factory=dict)
    before_photo: IssuePhoto | None = None
    after_photo: IssuePhoto | None = None
    outcome: Outcome | None = None
    survey: SurveyTally | None = None
    # Choices for the forms (loaded only for writers, and only for the current stage).
    meetings: list[Meeting] = field(default_factory=list)
    members: list[PartyMember] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)

    @property
    def is_party(self) -> bool:
        return self.scope.is_party

    @property
    def is_staff(self) -> bool:
        return self.scope.is_staff

    @property
    def progress(self) -> Progress:
        return Progress(sum(1 for s in self.plan_steps if s.done), len(self.plan_steps))

    @property
    def adoption_meetings(self) -> list[Meeting]:
        return [m for m in self.meetings if m.kind in ADOPTION_MEETING_KINDS]

    @property
    def next_state_label(self) -> str:
        return str(IssueState(self.next_state).label) if self.next_state else ""

    @property
    def threshold_percent(self) -> int:
        return round(self.issue.consensus_threshold * 100)


def neighborhood_path(path: str) -> str:
    """The path of the neighborhood a path lies in."""
    return path[: KIND_DEPTH[PlaceKind.NEIGHBORHOOD] * STEP_LENGTH]


def neighborhood_members(issue: Issue, plan: AdoptedPlan | None = None) -> list[PartyMember]:
    """Party members of the issue's neighborhood (choices for leads, owners, actors);
    with ``plan``, each is flagged ``is_lead`` (so the leads need no query of their own)."""
    qs = PartyMember.objects.filter(subtree_q(neighborhood_path(issue.path)))
    if plan is not None:
        leads = AdoptedPlan.leads.through.objects.filter(
            adoptedplan_id=plan.pk, partymember_id=OuterRef("pk")
        )
        qs = qs.annotate(is_lead=Exists(leads))
    return list(qs.order_by("name", "id"))


def eligible_voter_count(issue: Issue) -> int:
    return PartyMember.objects.filter(subtree_q(issue.path)).count()


def recent_meetings(issue: Issue) -> list[Meeting]:
    """Meetings of the issue's neighborhood that have begun, latest first."""
    return list(
        Meeting.objects.filter(
            path=neighborhood_path(issue.path), starts_at__lte=timezone.now()
        ).order_by("-starts_at", "-id")[:MAX_MEETING_CHOICES]
    )


def residents_near(issue: Issue) -> list[Resident]:
    return list(
        Resident.objects.filter(subtree_q(issue.path))
        .only("id", "name", "path")
        .order_by("path", "id")[:MAX_RESIDENT_CHOICES]
    )


def issue_events(issue: Issue) -> list[IssueEvent]:
    return list(
        IssueEvent.objects.filter(issue=issue)
        .select_related("actor", "meeting")
        .order_by("-at", "-id")
    )


def _load_plan(page: IssuePage, *, with_members: bool) -> None:
    """The adopted plan, its steps and leads; ``with_members`` also loads the choice list
    of the neighborhood's party members (and takes the leads from it)."""
    plan = plan_of(page.issue)
    page.plan = plan
    if with_members:
        page.members = neighborhood_members(page.issue, plan)
    if plan is None:
        return
    page.plan_steps = list(
        PlanStep.objects.filter(plan=plan).select_related("owner_member").order_by("position", "id")
    )
    if with_members:
        page.leads = [m for m in page.members if getattr(m, "is_lead", False)]
    else:
        page.leads = list(plan.leads.order_by("name", "id"))


def _load_actions(page: IssuePage) -> None:
    page.chain = mobilisation(list(ActionRecord.objects.filter(issue=page.issue)))
    by_action: dict[int, list[IssuePhoto]] = defaultdict(list)
    for photo in IssuePhoto.objects.filter(issue=page.issue).order_by("id"):
        if photo.action_id is not None:
            by_action[photo.action_id].append(photo)
        elif photo.kind == PhotoKind.BEFORE:
            page.before_photo = photo
        elif photo.kind == PhotoKind.AFTER:
            page.after_photo = photo
    page.photos_by_action = dict(by_action)
    page.outcome = outcome_of(page.issue)


def issue_page(user, issue: Issue) -> IssuePage:
    """Load what the detail page shows, for the issue's current stage only (a fixed
    number of queries whatever the data)."""
    scope = get_scope(user)
    writer = can_write(user, issue)
    next_state = next_on_main_line(issue.state)
    page = IssuePage(
        issue=issue,
        scope=scope,
        can_write=writer,
        member=None,
        steps=stage_steps(issue),
        next_state=next_state,
        missing=missing_for(issue, next_state) if next_state else [],
        consensus=consensus_of(issue),
        events=issue_events(issue),
    )
    state = issue.state
    if state == IssueState.THINK and scope.is_party:
        page.member = own_party_member(user)
        answers = {
            a.question: a for a in ThinkAnswer.objects.filter(issue=issue).select_related("by")
        }
        page.questions = [
            QuestionRow(q.value, str(q.label), answers.get(q.value)) for q in ThinkQuestion
        ]
        page.votes = list(
            ConsensusVote.objects.filter(issue=issue)
            .select_related("member")
            .order_by("member__name", "id")
        )
        page.eligible_voters = eligible_voter_count(issue)
        if page.member is not None:
            page.can_vote = page.member.path.startswith(issue.path)
            page.my_vote = next((v for v in page.votes if v.member_id == page.member.pk), None)
    elif state == IssueState.DELIBERATE:
        page.options = list(PlanOption.objects.filter(issue=issue).select_related("proposed_by"))
        _load_plan(page, with_members=writer)
        page.stakeholders = list(Stakeholder.objects.filter(issue=issue))
        page.consultations = list(
            Consultation.objects.filter(issue=issue).select_related("meeting")
        )
        if writer:
            page.meetings = recent_meetings(issue)
    elif state == IssueState.ACT:
        _load_plan(page, with_members=writer)
        _load_actions(page)
        if writer:
            page.residents = residents_near(issue)
    elif state == IssueState.DONE:
        _load_plan(page, with_members=False)
        _load_actions(page)
        page.survey = survey_tally(issue)
    return page


def survey_tally(issue: Issue) -> SurveyTally:
    rows = (
        SurveyResponse.objects.filter(issue=issue)
        .order_by()
        .values_list("rating")
        .annotate(n=Sum("count"))
    )
    return SurveyTally(counts={rating: n or 0 for rating, n in rows})


def plan_step_for_issue(issue: Issue, pk: int) -> PlanStep | None:
    return PlanStep.objects.filter(plan__issue=issue, pk=pk).select_related("plan").first()


def photo_for_issue(issue: Issue, pk: int) -> IssuePhoto | None:
    return IssuePhoto.objects.filter(issue=issue, pk=pk).first()


# --- Discussion -------------------------------------------------------------------------


def discussion(issue: Issue) -> list[DiscussionPost]:
    return list(
        DiscussionPost.objects.filter(issue=issue)
        .select_related("author", "option")
        .order_by("at", "id")
    )


def issue_options(issue: Issue) -> list[PlanOption]:
    return list(PlanOption.objects.filter(issue=issue).order_by("proposed_at", "id"))
