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
from functools import cache
from typing import Any, Literal, cast

from django.db import connections
from django.db.models import (
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
    OPEN_STATES,
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
from sanxian.places.paths import STEP_LENGTH, ancestor_paths, minimal_prefixes, subtree_q

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
    """Issues the user sees: their scope, and for party roles the places above their home.

    A scope over every sub-district is no filter at all: one range per sub-district would
    make the database read each whole range before it can stop at the first page or at a
    bounded count. Computed once per request."""
    scope = get_scope(user)
    cached = getattr(user, "_sanxian_issues_visible", None)
    if cached is not None and cached[0] is scope:
        return cast(Q, cached[1])
    if not may_open_issues(scope):
        q = Q(pk__in=[])
    elif _covers_every_subdistrict(scope):
        q = Q()
    else:
        q = scope.q()
        if scope.is_party:
            member = own_party_member(user)
            if member is not None and member.path:
                q |= Q(path__in=ancestor_paths(member.path))
    if user.is_authenticated:
        user._sanxian_issues_visible = (scope, q)
    return q


def _covers_every_subdistrict(scope: Scope) -> bool:
    """One query for every user with a scope (so a page's query count does not depend on
    the number of sub-districts)."""
    if not scope.paths:
        return False
    roots = set(
        Place.objects.filter(kind=PlaceKind.SUBDISTRICT).order_by().values_list("path", flat=True)
    )
    return bool(roots) and roots <= set(minimal_prefixes(scope.paths))


def issue_queryset() -> QuerySet[Issue]:
    """Issues with what the detail page and the gates read, in one query (a copy of a
    queryset built once per process: its dozen subqueries take longer to build than to
    run)."""
    return _issue_queryset().all()


@cache
def _issue_queryset() -> QuerySet[Issue]:
    posts = DiscussionPost.objects.filter(issue=OuterRef("pk")).order_by()
    return with_facts(
        Issue.objects.select_related("place", "plan__option", "plan__meeting", "outcome")
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


# The list counts each state's issues up to this many and shows "200+" beyond: an exact
# count over a whole sub-district would cost more than the page (the dashboards have the
# totals), and a bounded one reads at most this many index entries and rows per state.
COUNT_CAP = 200


@dataclass
class StateCount:
    state: str
    label: str
    count: int
    more: bool = False  # there are more than ``count``

    @property
    def shown(self) -> str:
        return f"{self.count}+" if self.more else str(self.count)


@dataclass
class IssueList:
    items: list[Issue]
    state: str
    after: int | None
    next_after: int | None
    counts: list[StateCount]
    total: StateCount


def state_counts(qs: QuerySet[Issue], cap: int) -> dict[str, int]:
    """How many issues of ``qs`` are in each state, each counted up to ``cap + 1`` (so a
    count above ``cap`` means "more than ``cap``"): one query whose work is bounded by the
    cap, whatever the number of issues (an index on (state, path) serves each count)."""
    # One bounded count, compiled once; each state's copy takes its own state parameter.
    slot = "\x00state"
    bounded = qs.filter(state=slot).order_by().values("pk")[: cap + 1]
    sql, sql_params = bounded.query.sql_with_params()
    parts: list[str] = []
    params: list[Any] = []
    for n, state in enumerate(IssueState.values):
        # The ORM's own SQL, its parameters passed apart.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS state_{n})")  # noqa: S608  # nosec B608
        params.extend(state if p == slot else p for p in sql_params)
    with connections[qs.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(IssueState.values, row or (), strict=False))


def issue_list(
    user,
    *,
    state: str = "",
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> IssueList:
    """One page of the issues the user sees, newest first; ``after`` is the last id of
    the previous page (keyset pagination: a deep page costs what the first one does).
    The counts by state are bounded (``COUNT_CAP``)."""
    cap = COUNT_CAP
    by_state = state_counts(Issue.objects.filter(visible_q(user)), cap)
    qs = listed_issues(user, state=state)
    if after is not None:
        qs = qs.filter(id__lt=after)
    # The page's ids first, then their rows with their places: the database picks the
    # cheapest way to the newest ids in the scope (the scope's index when it is narrow)
    # without joining the places of every issue in it first.
    page_ids = qs.order_by("-id").values("id")[: limit + 1]
    rows = list(
        Issue.objects.filter(id__in=Subquery(page_ids)).select_related("place").order_by("-id")
    )
    items = rows[:limit]
    counts = [
        StateCount(s.value, str(s.label), min(n, cap), n > cap)
        for s in IssueState
        for n in [by_state.get(s.value, 0)]
    ]
    return IssueList(
        items=items,
        state=state,
        after=after,
        next_after=items[-1].pk if len(rows) > limit else None,
        counts=counts,
        total=StateCount("", "", sum(c.count for c in counts), any(c.more for c in counts)),
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


MoveKind = Literal["advance", "aside", "reopen"]


@dataclass(frozen=True)
class Moves:
    """The moves of the workflow a viewer who may write can ask for now, by kind (each
    form of the page and each operation of the API asks for one kind of move).

    ``advance`` is the next state on the main line (None once done and while set aside);
    think → deliberate is for party roles only, as the think stage is hidden from everyone
    else, so ``may_advance`` is False for them there. An open issue may be set aside
    (``may_set_aside``); a set-aside one reopens to where it was (``reopen``). The
    services check the state and the gate again as the move is made."""

    advance: str | None
    may_advance: bool
    may_set_aside: bool
    reopen: str | None

    def targets(self, kind: str) -> tuple[str, ...]:
        """Where a move of ``kind`` may be asked to go. Setting aside may be asked from any
        state: the service then says why an issue that is not open stays where it is."""
        if kind == "advance":
            return (self.advance,) if self.advance else ()
        if kind == "aside":
            return (IssueState.SHELVED, IssueState.ESCALATED)
        if kind == "reopen":
            return (self.reopen,) if self.reopen else ()
        return ()


def allowed_moves(issue: Issue, scope: Scope) -> Moves:
    """The moves open to a viewer with ``scope`` from the issue's current state."""
    advance = next_on_main_line(issue.state)
    party_only = issue.state == IssueState.THINK and advance == IssueState.DELIBERATE
    return Moves(
        advance=advance,
        may_advance=advance is not None and (scope.is_party or not party_only),
        may_set_aside=issue.state in OPEN_STATES,
        reopen=issue.resume_state if issue.state in ASIDE else None,
    )


@dataclass
class ThinkStage:
    """What the think stage shows party roles: the three questions, the votes, and the
    viewer's own vote (``member``: the party member the viewer votes as)."""

    member: PartyMember | None
    questions: list[QuestionRow]
    votes: list[ConsensusVote]
    eligible_voters: int
    my_vote: ConsensusVote | None = None
    can_vote: bool = False


@dataclass
class IssuePage:
    """Everything the detail page (and the API's issue) shows for one issue and one
    viewer. What only party roles see is None for everyone else: the think stage and what
    its gate still needs (``think``, ``missing``), the consensus (while thinking and
    deliberating) and the size of the discussion."""

    issue: Issue
    scope: Scope
    can_write: bool
    moves: Moves
    steps: list[Step]
    next_state: str | None
    # What the next state still needs (None: hidden from this viewer); ``ready``: nothing.
    missing: list[str] | None
    ready: bool
    consensus: Consensus | None
    discussion_posts: int | None
    events: list[IssueEvent] = field(default_factory=list)
    think: ThinkStage | None = None
    options: list[PlanOption] = field(default_factory=list)
    plan: AdoptedPlan | None = None
    plan_steps: list[PlanStep] = field(default_factory=list)
    leads: list[PersonChoice] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)
    chain: Chain | None = None
    # Each action of the chain with its photos.
    action_rows: list[tuple[ActionRecord, list[IssuePhoto]]] = field(default_factory=list)
    before_photo: IssuePhoto | None = None
    after_photo: IssuePhoto | None = None
    outcome: Outcome | None = None
    survey: SurveyTally | None = None
    # Choices for the forms (loaded only for writers, and only for the current stage).
    meetings: list[Meeting] = field(default_factory=list)
    members: list[PersonChoice] = field(default_factory=list)
    residents: list[PersonChoice] = field(default_factory=list)

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


@dataclass(frozen=True, slots=True)
class PersonChoice:
    """A party member or resident as a form offers them: what the choice list shows. The
    full record is loaded only for the one chosen (``party_members_by_pk``,
    ``residents_by_pk``), so a list of hundreds costs one light query."""

    pk: int
    name: str
    path: str
    is_lead: bool = False

    def __str__(self) -> str:
        return self.name


def neighborhood_members(issue: Issue, plan: AdoptedPlan | None = None) -> list[PersonChoice]:
    """Party members of the issue's neighborhood (choices for leads, owners, actors);
    with ``plan``, each is flagged ``is_lead`` (so the leads need no query of their own)."""
    qs = PartyMember.objects.filter(subtree_q(neighborhood_path(issue.path)))
    if plan is None:
        rows = qs.order_by("name", "id").values_list("id", "name", "path")
        return [PersonChoice(pk, name, path) for pk, name, path in rows]
    leads = AdoptedPlan.leads.through.objects.filter(
        adoptedplan_id=plan.pk, partymember_id=OuterRef("pk")
    )
    lead_rows = (
        qs.annotate(is_lead=Exists(leads))
        .order_by("name", "id")
        .values_list("id", "name", "path", "is_lead")
    )
    return [PersonChoice(pk, name, path, bool(lead)) for pk, name, path, lead in lead_rows]


def plan_leads(plan: AdoptedPlan) -> list[PersonChoice]:
    rows = plan.leads.order_by("name", "id").values_list("id", "name", "path")
    return [PersonChoice(pk, name, path, True) for pk, name, path in rows]


def party_members_by_pk(pks: list[int]) -> dict[int, PartyMember]:
    """The full records of the party members chosen on a form."""
    return PartyMember.objects.in_bulk(pks)


def residents_by_pk(pks: list[int]) -> dict[int, Resident]:
    """The full records of the residents chosen on a form."""
    return Resident.objects.in_bulk(pks)


def eligible_voter_count(issue: Issue) -> int:
    return PartyMember.objects.filter(subtree_q(issue.path)).count()


def recent_meetings(issue: Issue) -> list[Meeting]:
    """Meetings of the issue's neighborhood that have begun, latest first."""
    return list(
        Meeting.objects.filter(
            path=neighborhood_path(issue.path), starts_at__lte=timezone.now()
        ).order_by("-starts_at", "-id")[:MAX_MEETING_CHOICES]
    )


def residents_near(issue: Issue) -> list[PersonChoice]:
    rows = (
        Resident.objects.filter(subtree_q(issue.path))
        .order_by("path", "id")
        .values_list("id", "name", "path")[:MAX_RESIDENT_CHOICES]
    )
    return [PersonChoice(pk, name, path) for pk, name, path in rows]


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
        page.leads = [m for m in page.members if m.is_lead]
    else:
        page.leads = plan_leads(plan)


def _load_actions(page: IssuePage) -> None:
    page.chain = mobilisation(
        list(ActionRecord.objects.filter(issue=page.issue).order_by("acted_at", "id"))
    )
    by_action: dict[int, list[IssuePhoto]] = defaultdict(list)
    for photo in IssuePhoto.objects.filter(issue=page.issue).order_by("id"):
        if photo.action_id is not None:
            by_action[photo.action_id].append(photo)
        elif photo.kind == PhotoKind.BEFORE:
            page.before_photo = photo
        elif photo.kind == PhotoKind.AFTER:
            page.after_photo = photo
    page.action_rows = [(a, by_action.get(a.pk, [])) for a in page.chain.actions]
    page.outcome = outcome_of(page.issue)


def think_stage(user, issue: Issue) -> ThinkStage:
    """The think stage as party roles see it."""
    member = own_party_member(user)
    answers = {a.question: a for a in ThinkAnswer.objects.filter(issue=issue).select_related("by")}
    stage = ThinkStage(
        member=member,
        questions=[QuestionRow(q.value, str(q.label), answers.get(q.value)) for q in ThinkQuestion],
        votes=list(
            ConsensusVote.objects.filter(issue=issue)
            .select_related("member")
            .order_by("member__name", "id")
        ),
        eligible_voters=eligible_voter_count(issue),
    )
    if member is not None:
        stage.can_vote = member.path.startswith(issue.path)
        stage.my_vote = next((v for v in stage.votes if v.member_id == member.pk), None)
    return stage


def issue_page(user, issue: Issue) -> IssuePage:
    """Load what the detail page shows, for the issue's current stage only (a fixed
    number of queries whatever the data). Party roles' data is left out for everyone
    else here, so the page and the API hide the same."""
    scope = get_scope(user)
    party = scope.is_party
    writer = can_write(user, issue)
    state = issue.state
    next_state = next_on_main_line(state)
    missing = missing_for(issue, next_state) if next_state else []
    hidden_gate = state == IssueState.THINK and not party
    page = IssuePage(
        issue=issue,
        scope=scope,
        can_write=writer,
        moves=allowed_moves(issue, scope),
        steps=stage_steps(issue),
        next_state=next_state,
        # What the think stage still needs is the party's business, like the stage itself
        # (and so is whether it needs nothing more).
        missing=None if hidden_gate else missing,
        ready=not hidden_gate and not missing,
        consensus=(
            consensus_of(issue)
            if party and state in (IssueState.THINK, IssueState.DELIBERATE)
            else None
        ),
        discussion_posts=getattr(issue, "post_count", 0) if party else None,
        events=issue_events(issue),
    )
    if state == IssueState.THINK and party:
        page.think = think_stage(user, issue)
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
