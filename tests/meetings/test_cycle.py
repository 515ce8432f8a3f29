"""Agendas, invitations and attendance, QR check-in, decisions, votes, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone, translation

from sanxian.appeals.models import AppealCategory
from sanxian.appeals.services import file_appeal
from sanxian.issues.models import IssueState
from sanxian.meetings import services
from sanxian.meetings.models import (
    AgendaItem,
    AgendaSource,
    Invitation,
    InviteeGroup,
    Meeting,
    MeetingDecision,
    MeetingKind,
)
from sanxian.meetings.selectors import meeting_list, meeting_page
from sanxian.places.errors import DomainError
from tests.issues.helpers import issue_in, members_under, satisfy_deliberate, snapshot
from tests.world import World


def meeting(world: World, kind: str, *, hours: float = 48, place=None) -> Meeting:
    return services.create_meeting(
        place=place or world.north, kind=kind, starts_at=timezone.now() + timedelta(hours=hours)
    )


def appeal(world: World, text: str = "3楼楼道堆满杂物"):
    return file_appeal(
        category=AppealCategory.objects.first(),
        text=text,
        place=world.household,
        resident=world.resident,
        filed_by=world.users["resident"],
    )


def titles(m: Meeting) -> list[str]:
    return list(AgendaItem.objects.filter(meeting=m).values_list("title", flat=True))


def test_agendas_per_kind(world: World) -> None:
    collected = issue_in(world, IssueState.COLLECTED, title="集")
    think = issue_in(world, IssueState.THINK, title="想")
    deliberate = issue_in(world, IssueState.DELIBERATE, title="议")
    acting = issue_in(world, IssueState.ACT, title="行")
    south = issue_in(world, IssueState.COLLECTED, place=world.south_block, title="南")
    a = appeal(world)

    fifth = meeting(world, MeetingKind.COLLECTION)
    services.refresh_agenda(meeting=fifth)
    items = list(AgendaItem.objects.filter(meeting=fifth))
    assert {(i.appeal_id, i.issue_id) for i in items} == {(a.pk, None), (None, collected.pk)}

    fifteenth = meeting(world, MeetingKind.PARTY_DELIBERATION)
    services.refresh_agenda(meeting=fifteenth)
    ids = set(AgendaItem.objects.filter(meeting=fifteenth).values_list("issue_id", flat=True))
    assert ids == {collected.pk, think.pk, deliberate.pk}
    assert south.pk not in ids

    twentyfifth = meeting(world, MeetingKind.JOINT_CONSULTATION)
    services.refresh_agenda(meeting=twentyfifth)
    ids = set(AgendaItem.objects.filter(meeting=twentyfifth).values_list("issue_id", flat=True))
    # deliberate without options is not awaiting consultation; act shows progress
    assert ids == {acting.pk}
    from sanxian.issues.services import add_option

    add_option(issue=deliberate, title="方案一", actor=world.users["secretary"])
    services.refresh_agenda(meeting=twentyfifth)
    ids = set(AgendaItem.objects.filter(meeting=twentyfifth).values_list("issue_id", flat=True))
    assert ids == {acting.pk, deliberate.pk}


def test_collection_lists_appeals_since_the_previous_collection_meeting(world: World) -> None:
    old = appeal(world, "旧诉求")
    services.create_meeting(
        place=world.north, kind=MeetingKind.COLLECTION, starts_at=timezone.now()
    )
    fifth = meeting(world, MeetingKind.COLLECTION)
    services.refresh_agenda(meeting=fifth)
    assert not AgendaItem.objects.filter(meeting=fifth, appeal=old).exists()


def test_refresh_keeps_manual_items_drops_and_order(world: World) -> None:
    issue_in(world, IssueState.COLLECTED, title="甲")
    m = meeting(world, MeetingKind.PARTY_DELIBERATION)
    services.refresh_agenda(meeting=m)
    manual = services.add_agenda_item(meeting=m, title="其他事项")
    first = AgendaItem.objects.get(meeting=m, source=AgendaSource.AUTO)
    services.set_dropped(item=first, dropped=True)
    services.move_agenda_item(item=manual, up=True)
    assert titles(m) == ["其他事项", "甲"]
    second = issue_in(world, IssueState.THINK, title="乙")
    assert services.refresh_agenda(meeting=m)
    assert not services.refresh_agenda(meeting=m)  # idempotent
    assert titles(m) == ["其他事项", "甲", "乙"]
    assert AgendaItem.objects.get(meeting=m, issue__title="甲").dropped
    assert AgendaItem.objects.filter(meeting=m, issue=second).count() == 1


def test_invitations_by_role_attendance_and_quorum(world: World) -> None:
    party = meeting(world, MeetingKind.PARTY_DELIBERATION)
    services.invite(meeting=party)
    members = members_under(world.north)
    invited = list(Invitation.objects.filter(meeting=party))
    assert {i.party_member_id for i in invited} == {m.pk for m in members}
    assert services.invite(meeting=party) == 0  # idempotent

    fifth = meeting(world, MeetingKind.COLLECTION)
    services.invite(meeting=fifth)
    roles = dict(Invitation.objects.filter(meeting=fifth).values_list("resident_id", "role"))
    assert len(roles) == 6  # two grids, three posts each
    assert set(roles.values()) == {InviteeGroup.GRID_TEAMS}
    assert roles[world.leader.pk] == InviteeGroup.GRID_TEAMS

    ids = [i.pk for i in invited]
    services.mark_attendance(meeting=party, attended_ids=ids[:1])
    page = meeting_page(world.users["secretary"], party)
    assert (page.attended, page.invited) == (1, 3)
    assert not page.quorum_met  # 50% of 3 needs 2
    services.mark_attendance(meeting=party, attended_ids=ids[:2])
    page = meeting_page(world.users["secretary"], party)
    assert page.quorum_met and page.by_role[0].percent == 67


def test_qr_checkin_window_and_forged_or_expired_tokens(world: World) -> None:
    translation.activate("en")  # the messages are checked in English
    m = meeting(world, MeetingKind.COLLECTION, hours=0.25)
    services.invite(meeting=m)
    resident_user = world.users["resident"]
    token = services.checkin_token(m)
    inv = services.check_in(token=token, user=resident_user)  # a walk-in resident
    assert inv.attended and inv.method == "qr" and inv.role == InviteeGroup.WALK_IN
    with pytest.raises(DomainError, match="not valid"):
        services.check_in(token=token + "x", user=resident_user)
    forged = signing.dumps(m.pk, salt="another-salt")
    with pytest.raises(DomainError):
        services.meeting_for_token(forged)
    with pytest.raises(DomainError, match="expired"):
        services.meeting_for_token(token, now=m.end + timedelta(minutes=1))
    with pytest.raises(DomainError, match="opens"):
        services.meeting_for_token(token, now=m.starts_at - timedelta(minutes=31))
    party = meeting(world, MeetingKind.PARTY_DELIBERATION, hours=0.25)
    with pytest.raises(DomainError, match="not invited"):
        services.check_in(token=services.checkin_token(party), user=resident_user)


def test_decision_moves_an_issue_through_its_gate(world: World) -> None:
    secretary = world.users["secretary"]
    m = meeting(world, MeetingKind.PARTY_DELIBERATION, hours=-1)
    issue = issue_in(world, IssueState.DELIBERATE)
    satisfy_deliberate(issue, world, meeting=m)
    services.decide(meeting=m, text="同意先行", actor=secretary, issue=issue, to=IssueState.ACT)
    issue.refresh_from_db()
    assert issue.state == IssueState.ACT
    assert issue.events.latest("at").meeting_id == m.pk
    assert MeetingDecision.objects.filter(meeting=m, issue=issue, text="同意先行").exists()


def test_decision_refused_by_the_gate_changes_nothing(world: World) -> None:
    m = meeting(world, MeetingKind.PARTY_DELIBERATION, hours=-1)
    issue = issue_in(world, IssueState.DELIBERATE)  # no plan adopted
    before = snapshot(issue)
    with pytest.raises(DomainError):
        services.decide(
            meeting=m, text="先行", actor=world.users["secretary"], issue=issue, to=IssueState.ACT
        )
    assert snapshot(issue) == before
    assert not MeetingDecision.objects.filter(meeting=m).exists()


def test_votes_named_at_party_meetings_counts_at_residents(world: World) -> None:
    party = meeting(world, MeetingKind.PARTY_DELIBERATION, hours=-1)
    services.invite(meeting=party)
    members = members_under(world.north)
    vote = services.record_vote(
        meeting=party,
        question="是否同意",
        actor=None,
        ballots={members[0].pk: "agree", members[1].pk: "agree", members[2].pk: "abstain"},
    )
    assert (vote.votes_for, vote.votes_against, vote.votes_abstain) == (2, 0, 1)
    assert vote.ballots.count() == 3 and vote.passed
    with pytest.raises(DomainError):
        services.record_vote(meeting=party, question="q", actor=None, counts=(1, 0, 0))
    open_meeting = meeting(world, MeetingKind.JOINT_CONSULTATION, hours=-1)
    v = services.record_vote(meeting=open_meeting, question="q", actor=None, counts=(12, 3, 1))
    assert v.passed and not v.named


def test_the_list_reminds_invitees_of_the_coming_days_meetings(world: World) -> None:
    """“My reminders” on the meetings list: what the person is invited to within a day (the
    notifications' reminder window); a party-only meeting only for party roles."""
    party = meeting(world, MeetingKind.PARTY_DELIBERATION, hours=20)
    joint = meeting(world, MeetingKind.JOINT_CONSULTATION, hours=10)
    later = meeting(world, MeetingKind.COLLECTION, hours=30)
    for m in (party, joint, later):
        services.invite(meeting=m)
    member = meeting_list(world.users["party_member"]).reminders
    assert member == [joint, party]
    resident = meeting_list(world.users["resident"]).reminders
    assert party not in resident and later not in resident
    assert meeting_list(world.users["admin"]).reminders == []  # not a resident, not invited
