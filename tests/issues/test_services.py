"""The workflow's services: each gate refuses with a clear message and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from sanxian.issues import services
from sanxian.issues.gates import agree_needed, consensus_reached
from sanxian.issues.models import (
    ActionRecord,
    AdoptedPlan,
    IssueEvent,
    IssuePhoto,
    IssueState,
    SurveyRating,
    ThinkQuestion,
    VoteChoice,
)
from sanxian.issues.selectors import issue_queryset, mobilisation, survey_tally
from sanxian.meetings.models import MeetingDecision, MeetingKind
from sanxian.places.errors import DomainError
from tests.issues.helpers import (
    ago,
    issue_in,
    make_issue,
    make_meeting,
    members_under,
    png,
    satisfy_act,
    satisfy_deliberate,
    satisfy_think,
    snapshot,
)
from tests.world import World

pytestmark = pytest.mark.django_db


def refused(call, issue, *, contains: str = "") -> str:  # type: ignore[no-untyped-def]
    """Run ``call``; it must raise DomainError (in English) and leave the issue unchanged."""
    before = snapshot(issue)
    with translation.override("en"), pytest.raises(DomainError) as info:
        call()
    assert snapshot(issue) == before
    assert contains in info.value.message, info.value.message
    return info.value.message


def test_the_main_line_from_collected_to_done(world: World) -> None:
    issue = issue_in(world, IssueState.DONE)
    events = list(issue.events.order_by("at", "id"))
    assert [(e.from_state, e.to_state) for e in events] == [
        ("", "collected"),
        ("collected", "think"),
        ("think", "deliberate"),
        ("deliberate", "act"),
        ("act", "done"),
    ]
    assert all(e.actor == world.users["secretary"] for e in events)
    # start_action names the meeting that adopted the plan.
    assert events[3].meeting == AdoptedPlan.objects.get(issue=issue).meeting
    assert issue.state == IssueState.DONE


def test_think_gate_needs_three_answers_and_consensus(world: World) -> None:
    secretary = world.users["secretary"]
    issue = issue_in(world, IssueState.THINK)
    go = lambda: services.open_deliberation(issue=issue, actor=secretary)  # noqa: E731
    message = refused(go, issue, contains="0 of 3 answered")
    assert "No party member has voted" in message
    for q in ThinkQuestion.values[:2]:
        services.answer_question(issue=issue, question=q, answer=True, note="好", actor=secretary)
    refused(go, issue, contains="2 of 3 answered")
    services.answer_question(
        issue=issue,
        question=ThinkQuestion.COMMUNITY_QUALITY,
        answer=False,
        note="有待讨论",
        actor=secretary,
    )
    a, b, c = members_under(world.building)
    services.cast_vote(issue=issue, member=a, choice=VoteChoice.AGREE, actor=secretary)
    services.cast_vote(issue=issue, member=b, choice=VoteChoice.DISAGREE, actor=secretary)
    message = refused(go, issue, contains="1 of 2 voting agree, 2 needed")
    assert "answered" not in message
    # Abstentions do not count as voting: 2 agree of 3 voting reaches two thirds.
    services.cast_vote(issue=issue, member=c, choice=VoteChoice.AGREE, actor=secretary)
    services.open_deliberation(issue=issue, actor=secretary)
    assert issue.state == IssueState.DELIBERATE


def test_abstentions_do_not_count_and_threshold_is_configurable(world: World) -> None:
    secretary = world.users["secretary"]
    issue = issue_in(world, IssueState.THINK)
    for q in ThinkQuestion.values:
        services.answer_question(issue=issue, question=q, answer=True, note="好", actor=secretary)
    a, b, c = members_under(world.building)
    services.cast_vote(issue=issue, member=a, choice=VoteChoice.AGREE, actor=secretary)
    services.cast_vote(issue=issue, member=b, choice=VoteChoice.ABSTAIN, actor=secretary)
    services.cast_vote(issue=issue, member=c, choice=VoteChoice.ABSTAIN, actor=secretary)
    services.set_consensus_threshold(issue=issue, threshold=Decimal("1"), actor=secretary)
    # 1 agree of 1 voting is unanimous.
    services.open_deliberation(issue=issue, actor=secretary)


def test_threshold_arithmetic() -> None:
    two_thirds = Decimal("0.6667")
    assert consensus_reached(2, 1, two_thirds)
    assert not consensus_reached(3, 2, two_thirds)
    assert consensus_reached(4, 2, two_thirds)
    assert not consensus_reached(0, 0, two_thirds)
    assert agree_needed(3, two_thirds) == 2
    assert agree_needed(10, two_thirds) == 7
    assert agree_needed(4, Decimal("0.5")) == 2


def test_threshold_must_be_between_half_and_all(world: World) -> None:
    issue = make_issue(world)
    call = lambda: services.set_consensus_threshold(  # noqa: E731
        issue=issue, threshold=Decimal("0.3"), actor=None
    )
    refused(call, issue, contains="between one half and all")


def test_answers_and_votes_only_in_think(world: World) -> None:
    issue = make_issue(world)
    member = members_under(world.building)[0]
    refused(
        lambda: services.answer_question(
            issue=issue, question=ThinkQuestion.OVERALL_INTEREST, answer=True, note="x", actor=None
        ),
        issue,
        contains="only while the issue is in",
    )
    refused(
        lambda: services.cast_vote(issue=issue, member=member, choice="agree", actor=None),
        issue,
        contains="only while the issue is in",
    )


def test_an_answer_needs_a_note_and_is_replaced_not_duplicated(world: World) -> None:
    issue = issue_in(world, IssueState.THINK)
    q = ThinkQuestion.OVERALL_INTEREST
    refused(
        lambda: services.answer_question(
            issue=issue, question=q, answer=True, note=" ", actor=None
        ),
        issue,
        contains="needs a note",
    )
    services.answer_question(issue=issue, question=q, answer=True, note="一", actor=None)
    services.answer_question(issue=issue, question=q, answer=False, note="二", actor=None)
    answers = list(issue.think_answers.all())
    assert [(a.answer, a.note) for a in answers] == [(False, "二")]


def test_one_vote_per_member_and_only_members_under_the_place(world: World) -> None:
    issue = issue_in(world, IssueState.THINK, place=world.building_group)
    inside = world.leader.party_member
    services.cast_vote(issue=issue, member=inside, choice=VoteChoice.AGREE, actor=None)
    services.cast_vote(issue=issue, member=inside, choice=VoteChoice.DISAGREE, actor=None)
    assert list(issue.votes.values_list("choice", flat=True)) == ["disagree"]
    other_group = [m for m in members_under(world.building) if not m.path.startswith(issue.path)]
    assert other_group
    refused(
        lambda: services.cast_vote(
            issue=issue, member=other_group[0], choice=VoteChoice.AGREE, actor=None
        ),
        issue,
        contains="Only party members living or serving under",
    )


def test_deliberate_gate_needs_goals_and_plan_adopted_at_a_meeting(world: World) -> None:
    secretary = world.users["secretary"]
    issue = issue_in(world, IssueState.DELIBERATE)
    go = lambda: services.start_action(issue=issue, actor=secretary)  # noqa: E731
    message = refused(go, issue, contains="Set the goals.")
    assert "Adopt a plan at a meeting" in message
    services.set_goals(issue=issue, goals="楼道畅通", actor=secretary)
    message = refused(go, issue, contains="Adopt a plan at a meeting")
    assert "goals" not in message
    option = services.add_option(issue=issue, title="方案一", actor=secretary)
    meeting = make_meeting(world)
    plan = services.adopt_plan(
        issue=issue,
        option=option,
        meeting=meeting,
        leads=[world.leader.party_member],
        actor=secretary,
    )
    decision = MeetingDecision.objects.get(meeting=meeting)
    assert plan.decision == decision and decision.issue_id == issue.pk
    meeting.refresh_from_db()
    assert meeting.held
    services.start_action(issue=issue, actor=secretary)
    assert issue.state == IssueState.ACT


def test_adoption_is_refused_without_lead_or_at_a_wrong_meeting(world: World) -> None:
    secretary = world.users["secretary"]
    issue = issue_in(world, IssueState.DELIBERATE)
    option = services.add_option(issue=issue, title="方案一", actor=secretary)
    leads = [world.leader.party_member]

    def adopt(meeting, leads=leads):  # type: ignore[no-untyped-def]
        return lambda: services.adopt_plan(
            issue=issue, option=option, meeting=meeting, leads=leads, actor=secretary
        )

    refused(adopt(make_meeting(world), leads=[]), issue, contains="at least one lead")
    refused(adopt(make_meeting(world, kind=MeetingKind.COLLECTION)), issue, contains="15th")
    refused(adopt(make_meeting(world, days_ago=-3)), issue, contains="has not taken place")
    from sanxian.meetings.services import create_meeting

    south = create_meeting(
        place=world.south, kind=MeetingKind.PARTY_DELIBERATION, starts_at=ago(days=1)
    )
    refused(adopt(south), issue, contains="not one of this issue's neighborhood")
    south_member = members_under(world.south)[0]
    refused(adopt(make_meeting(world), leads=[south_member]), issue, contains="A lead is not")
    assert not MeetingDecision.objects.exists()
    services.adopt_plan(
        issue=issue, option=option, meeting=make_meeting(world), leads=leads, actor=secretary
    )
    other = services.add_option(issue=issue, title="方案二", actor=secretary)
    refused(
        lambda: services.adopt_plan(
            issue=issue, option=other, meeting=make_meeting(world), leads=leads, actor=secretary
        ),
        issue,
        contains="already been adopted",
    )


def test_act_gate_needs_party_first_and_outcome(world: World) -> None:
    secretary = world.users["secretary"]
    issue = issue_in(world, IssueState.ACT)
    go = lambda: services.complete(issue=issue, actor=secretary)  # noqa: E731
    message = refused(go, issue, contains="Record an action by a party member.")
    assert "Record the outcome" in message
    services.record_action(
        issue=issue, resident=world.resident, acted_at=ago(days=5), what="居民先动", actor=None
    )
    services.record_action(
        issue=issue, member=world.leader.party_member, acted_at=ago(days=2), what="党员", actor=None
    )
    refused(go, issue, contains="Party members act first")
    services.record_outcome(issue=issue, what_changed="变", before="前", after="后", actor=None)
    refused(go, issue, contains="Party members act first")
    # A party member's action dated earlier (it may be recorded later) satisfies the gate.
    services.record_action(
        issue=issue,
        member=members_under(world.building)[1],
        acted_at=ago(days=6),
        what="更早的党员行动",
        actor=None,
    )
    services.complete(issue=issue, actor=secretary)
    assert issue.state == IssueState.DONE


def test_equal_times_are_not_party_first(world: World) -> None:
    issue = issue_in(world, IssueState.ACT)
    when = ago(days=2)
    services.record_action(
        issue=issue, member=world.leader.party_member, acted_at=when, what="a", actor=None
    )
    services.record_action(issue=issue, name="邻居", acted_at=when, what="b", actor=None)
    services.record_outcome(issue=issue, what_changed="变", before="前", after="后", actor=None)
    refused(lambda: services.complete(issue=issue, actor=None), issue, contains="act first")


def test_party_action_alone_is_enough(world: World) -> None:
    issue = issue_in(world, IssueState.ACT)
    services.record_action(
        issue=issue, member=world.leader.party_member, acted_at=ago(days=1), what="a", actor=None
    )
    services.record_outcome(issue=issue, what_changed="变", before="前", after="后", actor=None)
    services.complete(issue=issue, actor=None)


def test_action_who_is_derived(world: World, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    issue = issue_in(world, IssueState.ACT)
    by_member_resident = services.record_action(
        issue=issue,
        resident=world.leader,
        acted_at=ago(hours=3),
        what="a",
        actor=None,
        photos=[png(), png()],
    )
    assert by_member_resident.is_party_member
    assert by_member_resident.member == world.leader.party_member
    by_resident = services.record_action(
        issue=issue, resident=world.resident, acted_at=ago(hours=2), what="b", actor=None
    )
    assert not by_resident.is_party_member and by_resident.name == world.resident.name
    by_name = services.record_action(
        issue=issue, name="物业王经理", acted_at=ago(hours=1), what="c", actor=None
    )
    assert not by_name.is_party_member and by_name.member is None
    assert IssuePhoto.objects.filter(action=by_member_resident).count() == 2
    for f in IssuePhoto.objects.values_list("file", flat=True):
        assert (tmp_path / f).is_file()


def test_action_rules(world: World) -> None:
    issue = issue_in(world, IssueState.ACT)
    member = world.leader.party_member
    refused(
        lambda: services.record_action(issue=issue, acted_at=ago(), what="x", actor=None),
        issue,
        contains="Say who acted",
    )
    refused(
        lambda: services.record_action(
            issue=issue, member=member, name="x", acted_at=ago(), what="x", actor=None
        ),
        issue,
        contains="Say who acted",
    )
    refused(
        lambda: services.record_action(
            issue=issue, member=member, acted_at=ago(days=-1), what="x", actor=None
        ),
        issue,
        contains="future",
    )
    refused(
        lambda: services.record_action(
            issue=issue, member=member, acted_at=ago(), what="x", actor=None, photos=[png()] * 5
        ),
        issue,
        contains="At most 4 photos",
    )
    south_member = members_under(world.south)[0]
    refused(
        lambda: services.record_action(
            issue=issue, member=south_member, acted_at=ago(), what="x", actor=None
        ),
        issue,
        contains="does not live or serve in this neighborhood",
    )
    assert not ActionRecord.objects.exists()


def test_shelve_escalate_and_reopen_return_to_where_they_were(world: World) -> None:
    secretary = world.users["secretary"]
    issue = issue_in(world, IssueState.DELIBERATE)
    refused(lambda: services.shelve(issue=issue, actor=secretary, note=" "), issue, contains="why")
    services.shelve(issue=issue, actor=secretary, note="等待业委会换届")
    assert (issue.state, issue.resume_state) == ("shelved", "deliberate")
    refused(
        lambda: services.transition(issue=issue, to="act", actor=secretary),
        issue,
        contains="reopens to",
    )
    services.transition(issue=issue, to="deliberate", actor=secretary)
    assert (issue.state, issue.resume_state) == ("deliberate", "")
    services.escalate(issue=issue, actor=secretary, note="需要街道协调")
    services.reopen(issue=issue, actor=secretary)
    assert issue.state == IssueState.DELIBERATE
    chain = list(issue.events.order_by("at", "id").values_list("from_state", "to_state"))
    assert chain[-4:] == [
        ("deliberate", "shelved"),
        ("shelved", "deliberate"),
        ("deliberate", "escalated"),
        ("escalated", "deliberate"),
    ]


def test_reopening_skips_no_gate(world: World) -> None:
    """An issue shelved in think reopens to think, not past its gate."""
    issue = issue_in(world, IssueState.SHELVED)
    services.reopen(issue=issue, actor=None)
    assert issue.state == IssueState.THINK
    refused(lambda: services.open_deliberation(issue=issue, actor=None), issue, contains="answered")


def test_done_is_final_and_wrong_steps_are_refused(world: World) -> None:
    issue = issue_in(world, IssueState.DONE)
    for to in ("think", "deliberate", "act", "shelved", "escalated", "collected"):
        refused(lambda to=to: services.transition(issue=issue, to=to, actor=None, note="x"), issue)
    fresh = make_issue(world)
    refused(lambda: services.complete(issue=fresh, actor=None), fresh, contains="needs the issue")
    refused(lambda: services.transition(issue=fresh, to="nope", actor=None), fresh)
    refused(lambda: services.reopen(issue=fresh, actor=None), fresh, contains="Only a shelved")


def test_stale_copy_gets_a_conflict_not_a_second_event(world: World) -> None:
    issue = make_issue(world)
    stale = issue_queryset().get(pk=issue.pk)
    services.start_thinking(issue=issue, actor=None)
    refused(lambda: services.start_thinking(issue=stale, actor=None), issue, contains="Someone")
    assert IssueEvent.objects.filter(issue=issue, to_state="think").count() == 1


def test_sub_writes_follow_the_stage(world: World) -> None:
    issue = issue_in(world, IssueState.THINK)
    refused(lambda: services.set_goals(issue=issue, goals="x", actor=None), issue)
    refused(lambda: services.add_option(issue=issue, title="x", actor=None), issue)
    refused(lambda: services.record_survey(issue=issue, rating="satisfied", actor=None), issue)
    services.post_message(issue=issue, author=world.users["secretary"], text="先想一想")
    done = issue_in(world, IssueState.DONE, title="已办结")
    refused(lambda: services.post_message(issue=done, author=None, text="x"), done)


def test_plan_steps_progress_and_stakeholders(world: World) -> None:
    secretary = world.users["secretary"]
    issue = issue_in(world, IssueState.DELIBERATE)
    satisfy_deliberate(issue, world)
    services.add_stakeholder(
        issue=issue, kind="property_manager", name="某物业公司", actor=secretary
    )
    services.record_consultation(
        issue=issue,
        held_on=ago(days=1).date(),
        attendees=40,
        support=35,
        oppose=2,
        summary="多数支持",
        actor=secretary,
    )
    refused(
        lambda: services.record_consultation(
            issue=issue,
            held_on=ago().date(),
            attendees=3,
            support=3,
            oppose=1,
            summary="x",
            actor=None,
        ),
        issue,
        contains="More residents voted",
    )
    step = services.add_plan_step(
        issue=issue,
        step=services.StepInput(what="拆除铁门", owner_member=world.leader.party_member),
        actor=secretary,
    )
    assert step.position == 2 and step.owner == world.leader.party_member.name
    refused(lambda: services.mark_step_done(issue=issue, step=step, actor=None), issue)
    services.start_action(issue=issue, actor=secretary)
    services.mark_step_done(issue=issue, step=step, actor=secretary)
    step.refresh_from_db()
    assert step.done and step.done_at is not None


def test_mobilisation_chain_counts(world: World) -> None:
    issue = issue_in(world, IssueState.ACT)
    leader = world.leader.party_member
    services.record_action(issue=issue, member=leader, acted_at=ago(days=20), what="1", actor=None)
    services.record_action(issue=issue, member=leader, acted_at=ago(days=19), what="2", actor=None)
    services.record_action(
        issue=issue, resident=world.resident, acted_at=ago(days=12), what="3", actor=None
    )
    services.record_action(
        issue=issue, resident=world.resident, acted_at=ago(days=11), what="4", actor=None
    )
    services.record_action(issue=issue, name="邻居甲", acted_at=ago(days=2), what="5", actor=None)
    chain = mobilisation(list(ActionRecord.objects.filter(issue=issue)))
    assert chain.party_first
    assert chain.party_people == 1
    assert chain.residents_followed == 2
    assert chain.first_party_at is not None and chain.first_resident_at is not None
    assert chain.first_party_at < chain.first_resident_at
    last = chain.weeks[-1]
    assert (last.party, last.residents) == (1, 2)
    assert [w.week for w in chain.weeks] == sorted(w.week for w in chain.weeks)
    assert all(w.week.weekday() == 0 for w in chain.weeks)


def test_survey_and_follow_up_only_when_done(world: World) -> None:
    issue = issue_in(world, IssueState.ACT)
    refused(lambda: services.record_survey(issue=issue, rating="satisfied", actor=None), issue)
    satisfy_act(issue, world)
    services.complete(issue=issue, actor=None)
    services.record_survey(issue=issue, rating=SurveyRating.SATISFIED, count=30, actor=None)
    services.record_survey(issue=issue, rating=SurveyRating.BASICALLY_SATISFIED, actor=None)
    services.record_survey(issue=issue, rating=SurveyRating.UNSATISFIED, count=3, actor=None)
    refused(
        lambda: services.record_survey(issue=issue, rating="satisfied", count=0, actor=None),
        issue,
        contains="at least one",
    )
    tally = survey_tally(issue)
    assert tally.total == 34 and tally.satisfaction_percent == 91
    outcome = services.set_follow_up(issue=issue, actor=None, follow_up_on=ago(days=-90).date())
    assert outcome.follow_up_on is not None


def test_create_issue_rules(world: World) -> None:
    with translation.override("en"), pytest.raises(DomainError, match="belongs to a"):
        services.create_issue(place=world.household, title="x", source="staff", actor=None)
    with translation.override("en"), pytest.raises(DomainError, match="needs a title"):
        services.create_issue(place=world.north, title=" ", source="staff", actor=None)


def test_think_satisfied_helper_uses_every_eligible_member(world: World) -> None:
    issue = issue_in(world, IssueState.THINK)
    satisfy_think(issue, world)
    assert issue.votes.count() == len(members_under(world.building)) == 3
