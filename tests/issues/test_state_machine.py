"""Property: no sequence of service calls reaches done without every gate having been met.

A hypothesis state machine drives one issue with random service calls (transitions,
answers, votes, goals, options, adoption, actions, outcome). It keeps its own model of
what each gate needs, and checks after every call:

- a transition succeeds exactly when the model says its gate is met (sound and complete);
- a refused call changes nothing (state, resume state, version, event count);
- the events form a chain: each starts where the previous ended, the first is the
  collection, the last ends in the issue's current state, one event per transition;
- an issue that is done has passed think, deliberate and act in that order, each time
  with its gate met.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from sanxian.issues import services
from sanxian.issues.gates import consensus_reached, party_acted_first
from sanxian.issues.models import ASIDE, Issue, IssueEvent, IssueState, ThinkQuestion, VoteChoice
from sanxian.meetings.models import MeetingKind
from sanxian.places.errors import DomainError
from tests.issues.helpers import ago, make_issue, make_meeting, members_under, snapshot
from tests.world import World

FORWARD = {
    IssueState.COLLECTED: IssueState.THINK,
    IssueState.THINK: IssueState.DELIBERATE,
    IssueState.DELIBERATE: IssueState.ACT,
    IssueState.ACT: IssueState.DONE,
}
TARGETS = [s.value for s in IssueState]


def machine_for(world: World) -> type[RuleBasedStateMachine]:
    actor = world.users["secretary"]
    voters = members_under(world.building)
    leader = world.leader.party_member
    meetings = {
        "party": make_meeting(world, MeetingKind.PARTY_DELIBERATION),
        "collection": make_meeting(world, MeetingKind.COLLECTION),
    }

    class IssueMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.savepoint = transaction.savepoint()
            self.issue = make_issue(world)
            # The model: what each gate needs, tracked independently of the services.
            self.state = IssueState.COLLECTED.value
            self.resume = ""
            self.answers: set[str] = set()
            self.votes: dict[int, str] = {}
            self.threshold = self.issue.consensus_threshold
            self.has_goals = False
            self.options: list = []
            self.has_plan = False
            self.party_times: list = []
            self.resident_times: list = []
            self.has_outcome = False
            self.transitions = 0
            self.passed: list[str] = []  # main-line gates passed, in order

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        # --- the model's gates ----------------------------------------------------------

        def gate_met(self, target: str) -> bool:
            if target == IssueState.DELIBERATE:
                agree = sum(1 for v in self.votes.values() if v == VoteChoice.AGREE)
                disagree = sum(1 for v in self.votes.values() if v == VoteChoice.DISAGREE)
                return len(self.answers) == 3 and consensus_reached(agree, disagree, self.threshold)
            if target == IssueState.ACT:
                return self.has_goals and self.has_plan
            if target == IssueState.DONE:
                return self.has_outcome and party_acted_first(
                    min(self.party_times, default=None), min(self.resident_times, default=None)
                )
            return True

        def attempt(self, call, *, allowed: bool) -> bool:  # type: ignore[no-untyped-def]
            """Run a service call; if it is refused, nothing may have changed."""
            before = snapshot(self.issue)
            try:
                call()
            except DomainError:
                assert snapshot(self.issue) == before
                assert not allowed, "the model allowed a call the service refused"
                return False
            assert allowed, "the service allowed a call the model refuses"
            return True

        # --- transitions ----------------------------------------------------------------

        @rule(
            to=st.sampled_from([*TARGETS, "next", "next", "next"]),
            note=st.sampled_from(["", "理由"]),
        )
        def move(self, to: str, note: str) -> None:
            state = self.state
            if to == "next":  # favour the step forward, so runs get far along the line
                to = self.resume if state in ASIDE else FORWARD.get(state, IssueState.DONE)
            if state in ASIDE:
                allowed = to == self.resume
            elif to in (IssueState.SHELVED, IssueState.ESCALATED):
                allowed = state in FORWARD and bool(note)
            else:
                allowed = FORWARD.get(state) == to and self.gate_met(to)
            done = self.attempt(
                lambda: services.transition(issue=self.issue, to=to, actor=actor, note=note),
                allowed=allowed,
            )
            if done:
                self.transitions += 1
                if to in ASIDE:
                    self.resume = state
                elif state in ASIDE:
                    self.resume = ""
                else:
                    self.passed.append(to)
                self.state = to

        # --- think ----------------------------------------------------------------------

        @rule(question=st.sampled_from(ThinkQuestion.values), note=st.sampled_from(["", "好"]))
        def answer(self, question: str, note: str) -> None:
            ok = self.attempt(
                lambda: services.answer_question(
                    issue=self.issue, question=question, answer=True, note=note, actor=actor
                ),
                allowed=self.state == IssueState.THINK and bool(note),
            )
            if ok:
                self.answers.add(question)

        @rule(voter=st.integers(0, len(voters) - 1), choice=st.sampled_from(VoteChoice.values))
        def vote(self, voter: int, choice: str) -> None:
            member = voters[voter]
            ok = self.attempt(
                lambda: services.cast_vote(
                    issue=self.issue, member=member, choice=choice, actor=actor
                ),
                allowed=self.state == IssueState.THINK,
            )
            if ok:
                self.votes[member.pk] = choice

        @rule(threshold=st.sampled_from(["0.5", "0.6667", "1", "0.4"]))
        def set_threshold(self, threshold: str) -> None:
            value = Decimal(threshold)
            ok = self.attempt(
                lambda: services.set_consensus_threshold(
                    issue=self.issue, threshold=value, actor=actor
                ),
                allowed=self.state in (IssueState.COLLECTED, IssueState.THINK)
                and value >= Decimal("0.5"),
            )
            if ok:
                self.threshold = value

        # --- deliberate -----------------------------------------------------------------

        @rule(text=st.sampled_from(["", "目标"]))
        def goals(self, text: str) -> None:
            ok = self.attempt(
                lambda: services.set_goals(issue=self.issue, goals=text, actor=actor),
                allowed=self.state == IssueState.DELIBERATE and bool(text),
            )
            self.has_goals = self.has_goals or ok

        @rule()
        def option(self) -> None:
            holder: list = []
            ok = self.attempt(
                lambda: holder.append(
                    services.add_option(issue=self.issue, title="方案", actor=actor)
                ),
                allowed=self.state == IssueState.DELIBERATE,
            )
            if ok:
                self.options.extend(holder)

        @rule(meeting=st.sampled_from(["party", "collection"]), with_lead=st.booleans())
        def adopt(self, meeting: str, with_lead: bool) -> None:
            if not self.options:
                return
            allowed = (
                self.state == IssueState.DELIBERATE
                and meeting == "party"
                and with_lead
                and not self.has_plan
            )
            ok = self.attempt(
                lambda: services.adopt_plan(
                    issue=self.issue,
                    option=self.options[-1],
                    meeting=meetings[meeting],
                    leads=[leader] if with_lead else [],
                    actor=actor,
                ),
                allowed=allowed,
            )
            self.has_plan = self.has_plan or ok

        # --- act ------------------------------------------------------------------------

        @rule(party=st.booleans(), days=st.integers(0, 30))
        def act(self, party: bool, days: int) -> None:
            when = ago(days=days, hours=1)
            who = {"member": leader} if party else {"name": "邻居"}
            ok = self.attempt(
                lambda: services.record_action(
                    issue=self.issue, acted_at=when, what="行动", actor=actor, **who
                ),
                allowed=self.state == IssueState.ACT,
            )
            if ok:
                (self.party_times if party else self.resident_times).append(when)

        @rule()
        def outcome(self) -> None:
            ok = self.attempt(
                lambda: services.record_outcome(
                    issue=self.issue, what_changed="变", before="前", after="后", actor=actor
                ),
                allowed=self.state in (IssueState.ACT, IssueState.DONE),
            )
            self.has_outcome = self.has_outcome or ok

        @rule(prepare=st.booleans())
        def advance(self, prepare: bool) -> None:
            """Step forward, first (if ``prepare``) making the calls that meet the gate;
            random calls before may undo that (disagree votes, earlier resident actions)."""
            if prepare:
                self.prepare_stage()
            self.move("next", "")

        def prepare_stage(self) -> None:
            if self.state == IssueState.THINK:
                for question in ThinkQuestion.values:
                    self.answer(question, "好")
                for voter in range(len(voters)):
                    self.vote(voter, VoteChoice.AGREE)
            elif self.state == IssueState.DELIBERATE:
                self.goals("目标")
                self.option()
                self.adopt("party", True)
            elif self.state == IssueState.ACT:
                self.act(True, 20)
                self.outcome()

        # --- invariants -----------------------------------------------------------------

        @invariant()
        def events_form_a_chain(self) -> None:
            stored = Issue.objects.get(pk=self.issue.pk)
            assert stored.state == self.state
            assert stored.resume_state == self.resume
            events = list(
                IssueEvent.objects.filter(issue=self.issue)
                .order_by("at", "id")
                .values_list("from_state", "to_state")
            )
            assert events[0] == ("", IssueState.COLLECTED)
            for (_, previous_to), (current_from, _) in itertools.pairwise(events):
                assert current_from == previous_to
            assert events[-1][1] == stored.state
            assert len(events) == 1 + self.transitions

        @invariant()
        def done_only_through_every_gate(self) -> None:
            if self.state == IssueState.DONE:
                assert self.passed == ["think", "deliberate", "act", "done"]
                assert (
                    len(self.answers) == 3 and self.has_plan and self.has_goals and self.has_outcome
                )

    return IssueMachine


@pytest.mark.django_db
def test_no_sequence_reaches_done_without_every_gate(world: World) -> None:
    machine = machine_for(world)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=60,
            stateful_step_count=80,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


@pytest.mark.django_db
def test_the_machine_can_reach_done(world: World) -> None:
    """A guided run through the same rules, so the property is not vacuous."""
    machine = machine_for(world)()
    try:
        machine.move("think", "")
        for q in ThinkQuestion.values:
            machine.answer(q, "好")
        for i in range(3):
            machine.vote(i, "agree")
        machine.move("deliberate", "")
        machine.goals("目标")
        machine.option()
        machine.adopt("party", True)
        machine.move("act", "")
        machine.act(True, 5)
        machine.act(False, 2)
        machine.outcome()
        machine.move("done", "")
        machine.events_form_a_chain()
        machine.done_only_through_every_gate()
        assert machine.state == "done"
    finally:
        machine.teardown()
