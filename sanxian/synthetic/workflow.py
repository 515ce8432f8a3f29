"""A neighborhood's issues (议题) and appeals (诉求) of the past year.

Issues move through the three firsts as the product's services would move them, each
gate satisfied on the record before the step is taken: raised (from appeals, at a 5th
meeting, by a party member or by staff) → 先想 at a 15th meeting → the three questions
answered and the party's consensus voted → 先议 at a later 15th meeting → goals, options,
stakeholders, a residents' consultation at a 25th meeting → the plan adopted at a 15th or
25th meeting (a decision in its minutes, lead party members, steps) → 先行: party members
act first, residents follow → the outcome → done, with the residents' survey. A few are
shelved or escalated on the way, and some of those reopened. Whatever would happen after
``now`` does not happen: recent issues are still on their way.

Appeals are filed by staff on the residents' behalf, acknowledged, handled, resolved or
rejected and rated with realistic delays (some late, some reopened after an unsatisfied
rating, a few still open), escalated up the tree when a deadline passed while open, as
the escalation job does; the appeals an issue was raised from are merged into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sanxian import personal_data
from sanxian.appeals.models import (
    Appeal,
    AppealEvent,
    AppealState,
    EscalationLevel,
    EventKind,
    Rating,
)
from sanxian.issues.gates import consensus_reached
from sanxian.issues.models import (
    DEFAULT_CONSENSUS_THRESHOLD,
    ActionRecord,
    AdoptedPlan,
    ConsensusVote,
    Consultation,
    DiscussionPost,
    Issue,
    IssueEvent,
    IssueSource,
    IssueState,
    Outcome,
    PlanOption,
    PlanStep,
    Stakeholder,
    SurveyRating,
    SurveyResponse,
    ThinkAnswer,
    ThinkQuestion,
    VoteChoice,
)
from sanxian.meetings.models import MeetingKind
from sanxian.places.models import KIND_DEPTH, PlaceKind
from sanxian.places.paths import STEP_LENGTH
from sanxian.synthetic import texts
from sanxian.synthetic.cycle import decide
from sanxian.synthetic.neighborhood import Category, MeetingInfo, Member, Person
from sanxian.workdays.selectors import spans_years, working_deadline, years_without_official_data

if TYPE_CHECKING:
    from sanxian.synthetic.neighborhood import Neighborhood

ISSUES = (960, 1040)  # per neighborhood
APPEALS = (3000, 3300)  # per neighborhood, the merged ones included
SOURCES = (
    (IssueSource.APPEALS, 30),
    (IssueSource.COLLECTION_MEETING, 35),
    (IssueSource.PARTY_MEMBER, 20),
    (IssueSource.STAFF, 15),
)
ISSUE_PLACES = (
    (PlaceKind.BUILDING_GROUP, 40),
    (PlaceKind.BUILDING, 30),
    (PlaceKind.BLOCK, 15),
    (PlaceKind.NEIGHBORHOOD, 15),
)
APPEAL_PLACES = (
    (PlaceKind.HOUSEHOLD, 50),
    (PlaceKind.BUILDING_GROUP, 25),
    (PlaceKind.BUILDING, 15),
    (PlaceKind.BLOCK, 7),
    (PlaceKind.NEIGHBORHOOD, 3),
)
CONTACT_PHONE_SHARE = 0.3
SHELVE = 0.04
ESCALATE = 0.03
REOPEN_ESCALATED = 0.7
REOPEN_SHELVED = 0.25
SUBDISTRICT_AFTER_WORKING_DAYS = 5
MIN_VOTERS = 3
THRESHOLD = DEFAULT_CONSENSUS_THRESHOLD
QUESTIONS = tuple(ThinkQuestion.values)


@dataclass(frozen=True)
class Node:
    id: int
    path: str
    label: str


@dataclass
class _Story:
    """One issue being written: its events and current state."""

    id: int
    node: Node
    title: str
    actor: int
    state: str = IssueState.COLLECTED
    resume: str = ""
    at: datetime | None = None
    goals: str = ""
    events: list[tuple[datetime, str, str, int | None, str]] = field(default_factory=list)

    def move(
        self, at: datetime, to: str, meeting: MeetingInfo | None = None, note: str = ""
    ) -> None:
        self.events.append((at, self.state, to, meeting.id if meeting else None, note))
        self.state = to
        self.at = at


def build(hb: Neighborhood) -> None:
    Workflow(hb).build()


class Workflow:
    def __init__(self, hb: Neighborhood) -> None:
        self.hb = hb
        self.ctx = hb.ctx
        self.ins = hb.ins
        self.rng = hb.rng
        self.now = hb.ctx.now
        hood = Node(hb.id, hb.path, hb.short)
        self.nodes: dict[str, list[Node]] = {
            PlaceKind.NEIGHBORHOOD: [hood],
            PlaceKind.BLOCK: [Node(b.id, b.path, b.estate) for b in hb.blocks],
            PlaceKind.BUILDING: [
                Node(bd.id, bd.path, bd.name) for b in hb.blocks for bd in b.buildings
            ],
            PlaceKind.BUILDING_GROUP: [
                Node(g.id, g.path, f"{g.building.name}{g.name}") for g in hb.groups
            ],
        }
        # Where an escalation lands, by path prefix: the sub-district, the neighborhood and
        # its blocks (an appeal about the neighborhood itself stays at the neighborhood).
        self.escalation_places = {
            self.ctx.root_path: self.ctx.root_ref,
            hb.path: hb.id,
            **{b.path: b.id for b in hb.blocks},
        }
        self.adults = [p for p in hb.people if self.ctx.year - p.birth_year >= 18]
        self.categories = list(self.ctx.categories)
        self.category_weights = [c.weight for c in self.categories]
        self.collection_meetings = [
            m
            for m in hb.meetings_by_kind.get(MeetingKind.COLLECTION, [])
            if m.held and m.starts + timedelta(hours=1) < self.now
        ]
        self.appeals_filed = 0
        self._followers: dict[str, list[Person]] = {}
        self._adults: dict[str, list[Person]] = {}

    def build(self) -> None:
        rng = self.rng
        for _n in range(rng.randint(*ISSUES)):
            self.issue()
        for _n in range(rng.randint(*APPEALS) - self.appeals_filed):
            self.plain_appeal()

    # --- helpers ----------------------------------------------------------------------

    def pick(self, weighted: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([k for k, _w in weighted], weights=[w for _k, w in weighted])[0]

    def moment(self, days_from: float, days_to: float) -> datetime:
        """A daytime moment between ``days_to`` and ``days_from`` days before now."""
        at = self.hb.daytime(self.now - timedelta(days=self.rng.uniform(days_from, days_to)))
        return min(at, self.now - timedelta(minutes=30))

    def members_under(self, path: str) -> list[Member]:
        return self.hb.members_under(path)

    def followers_under(self, path: str) -> list[Person]:
        """Adult residents under ``path`` who are not party members."""
        found = self._followers.get(path)
        if found is None:
            found = self._followers[path] = [
                p for p in self.adults_under(path) if p.member_id is None
            ]
        return found

    def adults_under(self, path: str) -> list[Person]:
        found = self._adults.get(path)
        if found is None:
            found = self._adults[path] = [
                p for p in self.hb.residents_under(path) if self.ctx.year - p.birth_year >= 18
            ]
        return found

    def issue_node(self) -> tuple[Node, list[Member]]:
        """A place for an issue, where at least ``MIN_VOTERS`` party members live (else
        the next place up)."""
        kind = self.pick(ISSUE_PLACES)
        node = self.rng.choice(self.nodes[kind])
        depth = KIND_DEPTH[PlaceKind(kind)]
        while True:
            voters = self.members_under(node.path)
            if len(voters) >= MIN_VOTERS or depth <= KIND_DEPTH[PlaceKind.NEIGHBORHOOD]:
                return node, voters
            depth -= 1
            up = node.path[: depth * STEP_LENGTH]
            node = next(n for nodes in self.nodes.values() for n in nodes if n.path == up)

    # --- issues -----------------------------------------------------------------------

    def issue(self) -> None:
        hb, rng, ins = self.hb, self.rng, self.ins
        theme = rng.choice(texts.ISSUE_THEMES)
        node, voters = self.issue_node()
        title = theme[0].format(place=node.label)[:200]
        source = self.pick(SOURCES)
        meeting = None
        if source == IssueSource.COLLECTION_MEETING and self.collection_meetings:
            meeting = rng.choice(self.collection_meetings)
            created = meeting.starts + timedelta(minutes=40)
        else:
            if source == IssueSource.COLLECTION_MEETING:
                source = IssueSource.STAFF
            created = self.moment(0.1, 365)
        actor = hb.users.secretary
        if source == IssueSource.PARTY_MEMBER and hb.users.party_member:
            actor = hb.users.party_member
        story = _Story(id=ins.new_id(Issue), node=node, title=title, actor=actor)
        story.events.append(
            (created, "", IssueState.COLLECTED, meeting.id if meeting else None, "")
        )
        story.at = created
        if source == IssueSource.APPEALS:
            self.merged_appeals(story, created)
        self.walk(story, theme, voters)
        last = story.events[-1][0]
        ins.add(
            Issue,
            {
                "id": story.id,
                "place_id": node.id,
                "path": node.path,
                "title": title,
                "description": theme[1],
                "source": source,
                "state": story.state,
                "resume_state": story.resume,
                "consensus_threshold": THRESHOLD,
                "raised_by_id": actor,
                "created_at": created,
                "state_changed_at": last,
                "goals": story.goals,
                "version": len(story.events),
            },
        )
        for at, old, new, meeting_id, note in story.events:
            ins.add(
                IssueEvent,
                {
                    "issue_id": story.id,
                    "actor_id": actor,
                    "at": at,
                    "from_state": old,
                    "to_state": new,
                    "meeting_id": meeting_id,
                    "note": note,
                },
            )

    def _aside(
        self,
        story: _Story,
        kind: str,
        chance: float,
        reopen: float,
        after: datetime,
        days: float,
    ) -> bool:
        """Perhaps shelve or escalate the issue, within ``days`` after ``after`` (when the
        stage's records so far were made); True when it stays aside (the story ends)."""
        rng = self.rng
        if rng.random() >= chance:
            return False
        at = self.hb.daytime(self.hb.when(after, 1, days))
        if at >= self.now:
            return False
        note = "暂缓：条件尚不成熟" if kind == IssueState.SHELVED else "需街道协调，提请上级"
        story.resume = story.state
        story.move(at, kind, note=note)
        back = self.hb.daytime(self.hb.when(at, 20, 60))
        if rng.random() < reopen and back < self.now:
            resume = story.resume
            story.move(back, resume, note="条件成熟，重新推进")
            story.resume = ""
            return False
        return True

    def walk(self, story: _Story, theme: tuple[str, ...], voters: list[Member]) -> None:
        """Take the issue along the main line as far as ``now`` allows."""
        hb, rng, ins = self.hb, self.rng, self.ins
        now = self.now
        secretary = hb.users.secretary
        assert story.at is not None
        if self._aside(story, IssueState.SHELVED, SHELVE, REOPEN_SHELVED, story.at, 40):
            return
        # 先想: listed at the next 15th meeting.
        m = hb.next_meeting((MeetingKind.PARTY_DELIBERATION,), story.at + timedelta(days=1), 0.15)
        if m is None or m.decided_at >= now:
            return
        text = f"议题“{story.title}”列入先想，请党员按“三个有没有”研判。"
        decide(hb, m, text, story.id, story.title)
        story.move(m.decided_at, IssueState.THINK, m, text)
        think_at = m.decided_at
        answered = [think_at + timedelta(days=rng.uniform(0.5, 7)) for _q in QUESTIONS]
        for question, at in zip(QUESTIONS, answered, strict=True):
            if at < now:
                ins.add(
                    ThinkAnswer,
                    {
                        "issue_id": story.id,
                        "question": question,
                        "answer": True,
                        "note": texts.ISSUE_NOTES[question],
                        "by_id": secretary,
                        "at": at,
                    },
                )
        chosen = rng.sample(voters, min(len(voters), rng.randint(MIN_VOTERS, 9)))
        choices = [
            VoteChoice.AGREE
            if r < 0.85
            else VoteChoice.DISAGREE
            if r < 0.93
            else VoteChoice.ABSTAIN
            for r in (rng.random() for _v in chosen)
        ]
        while chosen and not consensus_reached(
            choices.count(VoteChoice.AGREE), choices.count(VoteChoice.DISAGREE), THRESHOLD
        ):
            i = next((k for k, c in enumerate(choices) if c != VoteChoice.AGREE), 0)
            choices[i] = VoteChoice.AGREE
        voted = [think_at + timedelta(days=rng.uniform(1, 12)) for _v in chosen]
        for member, choice, at in zip(chosen, choices, voted, strict=True):
            if at < now:
                ins.add(
                    ConsensusVote,
                    {
                        "issue_id": story.id,
                        "member_id": member.id,
                        "choice": choice,
                        "cast_by_id": secretary,
                        "at": at,
                    },
                )
        if rng.random() < 0.5:
            self.post(story, think_at + timedelta(days=rng.uniform(0.2, 1)))
        ready = max([*answered, *voted])
        if not chosen or ready >= now:
            return
        if self._aside(story, IssueState.SHELVED, SHELVE / 2, REOPEN_SHELVED, ready, 30):
            return
        # 先议: the consensus reached, moved at a later 15th meeting.
        m = hb.next_meeting(
            (MeetingKind.PARTY_DELIBERATION,), max(ready, story.at) + timedelta(days=1), 0.2
        )
        if m is None or m.decided_at >= now:
            return
        agree = choices.count(VoteChoice.AGREE)
        text = f"党内共识达成（{agree}/{len(chosen)}赞成），议题“{story.title}”进入先议。"
        decide(hb, m, text, story.id, story.title)
        story.move(m.decided_at, IssueState.DELIBERATE, m, text)
        story.goals = theme[2]
        options = [(theme[3], self.hb.when(m.decided_at, 0.5, 5))]
        if rng.random() < 0.4:
            options.append(("委托物业或第三方统一处理", self.hb.when(m.decided_at, 1, 4.5)))
        option_ids = []
        for title, at in options:
            if at < now:
                option_ids.append(
                    ins.add(
                        PlanOption,
                        {
                            "issue_id": story.id,
                            "title": title,
                            "description": "",
                            "proposed_by_id": secretary,
                            "proposed_at": at,
                        },
                    )
                )
        if rng.random() < 0.4:
            self.post(
                story, self.hb.when(m.decided_at, 1, 8), option_ids[0] if option_ids else None
            )
        if rng.random() < 0.4:
            kind, name = rng.choice(texts.STAKEHOLDERS)
            at = self.hb.when(m.decided_at, 1, 10)
            if at < now:
                ins.add(
                    Stakeholder,
                    {
                        "issue_id": story.id,
                        "kind": kind,
                        "name": name,
                        "note": "",
                        "added_by_id": secretary,
                        "added_at": at,
                    },
                )
        # (after the options, posts and stakeholders of the stage's first ten days)
        after = m.decided_at + timedelta(days=10)
        if self._aside(story, IssueState.ESCALATED, ESCALATE, REOPEN_ESCALATED, after, 30):
            return
        adoption = hb.next_meeting(
            (MeetingKind.PARTY_DELIBERATION, MeetingKind.JOINT_CONSULTATION),
            story.at + timedelta(days=5),
            0.2,
        )
        consult = hb.next_meeting((MeetingKind.JOINT_CONSULTATION,), story.at + timedelta(days=2))
        if (
            consult is not None
            and consult.decided_at < now
            and (adoption is None or consult.starts < adoption.starts)
            and rng.random() < 0.5
        ):
            attendees = max(consult.attended, 10)
            oppose = rng.randint(0, attendees // 10)
            ins.add(
                Consultation,
                {
                    "issue_id": story.id,
                    "held_on": consult.starts.date(),
                    "meeting_id": consult.id,
                    "attendees": attendees,
                    "summary": "多数居民支持方案；少数居民的顾虑由党员会后上门沟通。",
                    "support": attendees - oppose - rng.randint(0, 3),
                    "oppose": oppose,
                    "recorded_by_id": secretary,
                    "recorded_at": consult.decided_at,
                },
            )
        if adoption is None or adoption.decided_at >= now or not option_ids:
            return
        # The plan adopted at the meeting: a decision in its minutes; 先行 begins.
        text = f"议题“{story.title}”通过方案：{options[0][0]}"
        decision = decide(hb, adoption, text, story.id, story.title)
        plan_id = ins.add(
            AdoptedPlan,
            {
                "issue_id": story.id,
                "option_id": option_ids[0],
                "meeting_id": adoption.id,
                "decision_id": decision,
                "adopted_by_id": secretary,
                "adopted_at": adoption.decided_at,
            },
        )
        pool = voters or self.hb.members
        leads = rng.sample(pool, min(len(pool), rng.randint(1, 2)))
        for lead in leads:
            ins.add(
                AdoptedPlan.leads.through, {"adoptedplan_id": plan_id, "partymember_id": lead.id}
            )
        act_at = adoption.decided_at + timedelta(minutes=5)
        story.move(act_at, IssueState.ACT, adoption, "党员先行")
        done_at = self.hb.daytime(self.hb.when(act_at, 15, 90))
        steps = rng.randint(1, 3)
        for position in range(1, steps + 1):
            owner = leads[(position - 1) % len(leads)]
            finished = done_at - timedelta(days=rng.uniform(1, 5))
            done = finished < now and done_at < now
            ins.add(
                PlanStep,
                {
                    "plan_id": plan_id,
                    "position": position,
                    "what": f"{theme[4]}（第{position}步）",
                    "owner_member_id": owner.id,
                    "owner_name": "",
                    "due_on": (act_at + timedelta(days=15 * position)).date(),
                    "resources": "",
                    "done": done,
                    "done_at": finished if done else None,
                },
            )
        self.actions(story, theme, leads, act_at, done_at)
        if done_at >= now:
            return
        outcome_at = done_at - timedelta(hours=rng.uniform(2, 48))
        ins.add(
            Outcome,
            {
                "issue_id": story.id,
                "what_changed": theme[5],
                "before": theme[1],
                "after": theme[5],
                "follow_up_on": (done_at + timedelta(days=30)).date(),
                "recorded_by_id": secretary,
                "recorded_at": outcome_at,
            },
        )
        story.move(done_at, IssueState.DONE, note="整治完成，转入日常维护")
        at = done_at
        for rating, lo, hi in (
            (SurveyRating.SATISFIED, 8, 45),
            (SurveyRating.BASICALLY_SATISFIED, 0, 10),
            (SurveyRating.UNSATISFIED, 0, 3),
        ):
            count = rng.randint(lo, hi)
            at = at + timedelta(hours=rng.uniform(1, 48))
            if count and at < now:
                ins.add(
                    SurveyResponse,
                    {
                        "issue_id": story.id,
                        "rating": rating,
                        "count": count,
                        "note": rng.choice(texts.SURVEY_NOTES),
                        "recorded_by_id": secretary,
                        "recorded_at": at,
                    },
                )

    def post(self, story: _Story, at: datetime, option_id: int | None = None) -> None:
        if at >= self.now:
            return
        author = self.hb.users.party_member or self.hb.users.secretary
        self.ins.add(
            DiscussionPost,
            {
                "issue_id": story.id,
                "author_id": author,
                "text": self.rng.choice(texts.POSTS),
                "option_id": option_id,
                "at": at,
            },
        )

    def actions(
        self,
        story: _Story,
        theme: tuple[str, ...],
        leads: list[Member],
        act_at: datetime,
        done_at: datetime,
    ) -> None:
        """Party members act first (the leads and a few more), residents follow."""
        rng, now = self.rng, self.now
        members = list(dict.fromkeys([*leads, *rng.sample(self.hb.members, 2)]))
        at = act_at + timedelta(days=rng.uniform(0.5, 4))
        for member in members[: rng.randint(1, 3)]:
            if at >= min(now, done_at):
                return
            self._action(story, at, theme[4], member=member)
            at += timedelta(days=rng.uniform(0.3, 3))
        followers = self.followers_under(story.node.path)
        for person in rng.sample(followers, min(len(followers), rng.randint(0, 4))):
            at += timedelta(days=rng.uniform(0.3, 4))
            if at >= min(now, done_at):
                return
            self._action(story, at, f"跟进：{theme[4]}", person=person)

    def _action(
        self,
        story: _Story,
        at: datetime,
        what: str,
        member: Member | None = None,
        person: Person | None = None,
    ) -> None:
        if member is not None:
            resident_id = member.person.id if member.person else None
            name, is_member, member_id = member.name, True, member.id
        else:
            assert person is not None
            resident_id, name, is_member, member_id = person.id, person.name, False, None
        self.ins.add(
            ActionRecord,
            {
                "issue_id": story.id,
                "member_id": member_id,
                "resident_id": resident_id,
                "name": name,
                "is_party_member": is_member,
                "acted_at": at,
                "what": what,
                "recorded_by_id": self.hb.users.secretary,
                "recorded_at": at + timedelta(hours=2),
            },
        )

    # --- appeals ----------------------------------------------------------------------

    def merged_appeals(self, story: _Story, created: datetime) -> None:
        """The one to three appeals the issue was raised from: filed before, merged into
        it when it was raised."""
        rng = self.rng
        people = self.adults_under(story.node.path)
        if not people:
            return
        category = rng.choices(self.categories, weights=self.category_weights)[0]
        for person in rng.sample(people, min(len(people), rng.randint(1, 3))):
            filed = created - timedelta(days=rng.uniform(0.5, 7))
            self.appeal(
                filed=self.hb.daytime(filed, 7, 20) if filed.date() < created.date() else filed,
                person=person,
                place=story.node,
                category=category,
                merge=(created, story.id),
            )

    def plain_appeal(self) -> None:
        rng = self.rng
        person = rng.choice(self.adults)
        kind = self.pick(APPEAL_PLACES)
        home = person.home
        place = {
            PlaceKind.HOUSEHOLD: Node(home.id, home.path, ""),
            PlaceKind.BUILDING_GROUP: Node(home.group.id, home.group.path, ""),
            PlaceKind.BUILDING: Node(home.group.building.id, home.group.building.path, ""),
            PlaceKind.BLOCK: Node(home.group.building.block.id, home.group.building.block.path, ""),
            PlaceKind.NEIGHBORHOOD: Node(self.hb.id, self.hb.path, ""),
        }[PlaceKind(kind)]
        category = rng.choices(self.categories, weights=self.category_weights)[0]
        self.appeal(filed=self.moment(0.05, 365), person=person, place=place, category=category)

    def appeal(
        self,
        *,
        filed: datetime,
        person: Person,
        place: Node,
        category: Category,
        merge: tuple[datetime, int] | None = None,
    ) -> None:
        rng, ins = self.rng, self.ins
        self.appeals_filed += 1
        appeal_id = ins.new_id(Appeal)
        actor = rng.choice(self.hb.staff)
        hours = category.response_hours
        days = category.working_days
        response_due = filed + timedelta(hours=hours)
        resolution_due = working_deadline(filed, days)
        estimated = bool(years_without_official_data(spans_years(filed, resolution_due)))
        events: list[dict[str, Any]] = []
        timeline: list[tuple[datetime, str]] = [(filed, AppealState.SUBMITTED)]
        # Open periods, with the resolution deadline in force in each.
        periods: list[tuple[datetime, datetime, datetime]] = []
        row: dict[str, Any] = {
            "id": appeal_id,
            "category_id": category.id,
            "text": self._appeal_text(category.name),
            "place_id": place.id,
            "path": place.path,
            "resident_id": person.id,
            "filed_by_id": actor,
            "on_behalf": True,
            "on_behalf_note": texts.ON_BEHALF_NOTE,
            "contact_phone_sealed": "",
            "contact_phone_last4": "",
            "created_at": filed,
            "response_due_at": response_due,
            "resolution_due_at": resolution_due,
            "deadline_estimated": estimated,
            "first_contacted_at": None,
            "closed_at": None,
            "outcome_note": "",
            "issue_id": None,
            "rating": "",
            "rating_state": "",
            "rating_comment": "",
            "rated_at": None,
            "reopen_count": 0,
        }
        if rng.random() < CONTACT_PHONE_SHARE:
            phone = rng.choice(texts.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            sealed = personal_data.seal(phone)
            row["contact_phone_sealed"], row["contact_phone_last4"] = sealed.sealed, sealed.last4
        state: str = AppealState.SUBMITTED

        def event(kind: str, at: datetime, to: str, note: str = "", **extra: Any) -> None:
            nonlocal state
            events.append(
                {
                    "appeal_id": appeal_id,
                    "kind": kind,
                    "actor_id": actor,
                    "at": at,
                    "from_state": state,
                    "to_state": to,
                    "note": note,
                    "level": None,
                    "place_id": None,
                    "rating": "",
                    **extra,
                }
            )
            if to != state:
                timeline.append((at, to))
            state = to

        event(EventKind.FILED, filed, AppealState.SUBMITTED, texts.ON_BEHALF_NOTE)
        events[0]["from_state"] = ""
        opened = filed
        if merge is not None:
            merged_at, issue_id = merge
            acknowledged = filed + timedelta(hours=rng.uniform(0.5, hours * 0.8))
            if acknowledged < merged_at and rng.random() < 0.85:
                event(EventKind.ACKNOWLEDGED, acknowledged, AppealState.ACKNOWLEDGED, "已联系居民")
                row["first_contacted_at"] = acknowledged
            event(EventKind.MERGED, merged_at, AppealState.MERGED, texts.APPEAL_NOTES["merged"])
            row.update(closed_at=merged_at, issue_id=issue_id, outcome_note="")
            periods.append((opened, merged_at, resolution_due))
        else:
            periods.extend(self._handle(row, event, filed, hours, days, resolution_due))
        row["state"] = state
        row["state_changed_at"] = timeline[-1][0]
        self._escalations(row, events, timeline, periods)
        ins.add(Appeal, row)
        for e in events:
            ins.add(AppealEvent, e)

    def _appeal_text(self, category: str) -> str:
        choices = texts.APPEAL_TEXTS.get(category) or texts.APPEAL_TEXTS["其他"]
        return self.rng.choice(choices).format(floor=self.rng.randint(2, 6))

    def _handle(
        self,
        row: dict[str, Any],
        event: Any,
        filed: datetime,
        hours: int,
        days: int,
        resolution_due: datetime,
    ) -> list[tuple[datetime, datetime, datetime]]:
        """Acknowledge, start, close, rate (and perhaps reopen) as far as ``now`` allows;
        returns the open periods with their resolution deadlines."""
        rng, now = self.rng, self.now
        late = rng.random() < 0.12
        acknowledged = filed + timedelta(hours=rng.uniform(0.5, hours * (2.0 if late else 0.8)))
        if acknowledged >= now:
            return [(filed, now, resolution_due)]
        event(EventKind.ACKNOWLEDGED, acknowledged, AppealState.ACKNOWLEDGED, "已联系居民")
        row["first_contacted_at"] = acknowledged
        started = acknowledged + timedelta(hours=rng.uniform(1, 24))
        if started >= now or rng.random() < 0.05:
            return [(filed, now, resolution_due)]
        event(EventKind.STARTED, started, AppealState.IN_PROGRESS, "安排处理")
        slow = rng.random() < 0.15
        closed = started + timedelta(days=rng.uniform(0.3, days * (2.2 if slow else 0.9)))
        if closed >= now:
            return [(filed, now, resolution_due)]
        rejected = rng.random() < 0.07
        kind, to, note = (
            (EventKind.REJECTED, AppealState.REJECTED, texts.APPEAL_NOTES["rejected"])
            if rejected
            else (EventKind.RESOLVED, AppealState.RESOLVED, texts.APPEAL_NOTES["resolved"])
        )
        event(kind, closed, to, note)
        row.update(closed_at=closed, outcome_note=note)
        periods = [(filed, closed, resolution_due)]
        rated = self._rate(row, event, to, closed)
        if rated is None or row["rating"] != Rating.UNSATISFIED or rng.random() >= 0.35:
            return periods
        # Unsatisfied, reopened: a fresh resolution deadline.
        event(EventKind.REOPENED, rated, AppealState.IN_PROGRESS)
        due = working_deadline(rated, days)
        row.update(closed_at=None, reopen_count=1, resolution_due_at=due, outcome_note="")
        closed = rated + timedelta(days=rng.uniform(0.5, days * 1.2))
        if closed >= now:
            periods.append((rated, now, due))
            return periods
        event(EventKind.RESOLVED, closed, AppealState.RESOLVED, "重新处理完毕")
        row.update(closed_at=closed, outcome_note="重新处理完毕")
        periods.append((rated, closed, due))
        self._rate(row, event, AppealState.RESOLVED, closed, second=True)
        return periods

    def _rate(
        self, row: dict[str, Any], event: Any, state: str, closed: datetime, second: bool = False
    ) -> datetime | None:
        rng = self.rng
        rated = closed + timedelta(hours=rng.uniform(2, 72))
        if rated >= self.now or rng.random() < (0.35 if second else 0.2):
            return None
        roll = rng.random()
        if second:
            rating = Rating.SATISFIED if roll < 0.5 else Rating.BASICALLY_SATISFIED
        elif state == AppealState.REJECTED:
            rating = Rating.BASICALLY_SATISFIED if roll < 0.5 else Rating.UNSATISFIED
        else:
            rating = (
                Rating.SATISFIED
                if roll < 0.72
                else Rating.BASICALLY_SATISFIED
                if roll < 0.9
                else Rating.UNSATISFIED
            )
        event(EventKind.RATED, rated, state, rating=rating)
        row.update(rating=rating, rating_state=state, rating_comment="", rated_at=rated)
        return rated

    def _escalations(
        self,
        row: dict[str, Any],
        events: list[dict[str, Any]],
        timeline: list[tuple[datetime, str]],
        periods: list[tuple[datetime, datetime, datetime]],
    ) -> None:
        """Escalations as the job makes them while the appeal is open: to the block when
        nobody contacted the resident by the response deadline, to the neighborhood past
        the resolution deadline, to the sub-district five working days after it."""
        rng = self.rng
        level = EscalationLevel.NONE
        contacted = row["first_contacted_at"]
        reached: list[tuple[datetime, int]] = []
        for n, (start, end, due) in enumerate(periods):
            crossings: list[tuple[datetime, int]] = []
            if n == 0 and (contacted is None or contacted > row["response_due_at"]):
                crossings.append((row["response_due_at"], EscalationLevel.BLOCK))
            crossings.append((due, EscalationLevel.NEIGHBORHOOD))
            if due < end:
                crossings.append(
                    (
                        working_deadline(due, SUBDISTRICT_AFTER_WORKING_DAYS),
                        EscalationLevel.SUBDISTRICT,
                    )
                )
            for crossing, target in crossings:
                at = crossing + timedelta(minutes=rng.uniform(1, 60))
                if target > level and start <= crossing and at < end:
                    level = EscalationLevel(target)
                    reached.append((at, target))
        if not reached:
            return
        for at, target in reached:
            prefix = row["path"][: KIND_DEPTH_BY_LEVEL[target] * STEP_LENGTH]
            place_id = self.escalation_places[prefix]
            state = next(s for t, s in reversed(timeline) if t <= at)
            events.append(
                {
                    "appeal_id": row["id"],
                    "kind": EventKind.ESCALATED,
                    "actor_id": None,
                    "at": at,
                    "from_state": state,
                    "to_state": state,
                    "note": "",
                    "level": target,
                    "place_id": place_id,
                    "rating": "",
                }
            )
            row.update(
                escalation_level=target,
                escalated_to_id=place_id,
                escalated_path=prefix,
                escalated_at=at,
            )


KIND_DEPTH_BY_LEVEL: dict[int, int] = {
    EscalationLevel.BLOCK: KIND_DEPTH[PlaceKind.BLOCK],
    EscalationLevel.NEIGHBORHOOD: KIND_DEPTH[PlaceKind.NEIGHBORHOOD],
    EscalationLevel.SUBDISTRICT: KIND_DEPTH[PlaceKind.SUBDISTRICT],
}

__all__ = ["build"]
