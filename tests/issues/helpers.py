"""Build issues at each stage through the services (never by writing rows directly)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from sanxian.issues import services
from sanxian.issues.models import Issue, IssueSource, IssueState, ThinkQuestion, VoteChoice
from sanxian.meetings.models import Meeting, MeetingKind
from sanxian.meetings.services import create_meeting
from sanxian.party.models import PartyMember
from sanxian.places.models import Place
from sanxian.places.paths import subtree_q
from tests.world import World


def ago(*, days: float = 0, hours: float = 0) -> datetime:
    return timezone.now() - timedelta(days=days, hours=hours)


def png(size: tuple[int, int] = (16, 12), name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def members_under(place: Place) -> list[PartyMember]:
    return list(PartyMember.objects.filter(subtree_q(place.path)).order_by("id"))


def make_issue(world: World, place: Place | None = None, title: str = "楼道堆物清理") -> Issue:
    return services.create_issue(
        place=place or world.building,
        title=title,
        source=IssueSource.COLLECTION_MEETING,
        description="楼道里堆满了杂物和私装的铁门。",
        actor=world.users["secretary"],
    )


def make_meeting(
    world: World, kind: str = MeetingKind.PARTY_DELIBERATION, days_ago: float = 1
) -> Meeting:
    return create_meeting(place=world.north, kind=kind, starts_at=ago(days=days_ago))


def satisfy_think(issue: Issue, world: World) -> None:
    actor = world.users["secretary"]
    for q in ThinkQuestion.values:
        services.answer_question(issue=issue, question=q, answer=True, note="有利", actor=actor)
    for member in members_under(issue.place):
        services.cast_vote(issue=issue, member=member, choice=VoteChoice.AGREE, actor=actor)


def satisfy_deliberate(issue: Issue, world: World, meeting: Meeting | None = None) -> None:
    actor = world.users["secretary"]
    option = services.add_option(issue=issue, title="党员带头清理楼道", actor=actor)
    services.adopt_plan(
        issue=issue,
        option=option,
        meeting=meeting or make_meeting(world),
        leads=[world.leader.party_member],
        steps=[services.StepInput(what="清理楼道", owner_name="楼组长", due_on=None)],
        goals="楼道畅通，消除消防隐患",
        actor=actor,
    )


def satisfy_act(issue: Issue, world: World) -> None:
    actor = world.users["secretary"]
    services.record_action(
        issue=issue,
        member=world.leader.party_member,
        acted_at=ago(days=3),
        what="党员先拆除自家鞋柜",
        actor=actor,
    )
    services.record_action(
        issue=issue, resident=world.resident, acted_at=ago(days=1), what="跟进清理", actor=actor
    )
    services.record_outcome(
        issue=issue,
        what_changed="楼道清空",
        before="堆满杂物",
        after="畅通整洁",
        actor=actor,
    )


def issue_in(world: World, state: str, place: Place | None = None, title: str = "") -> Issue:
    """An issue taken through the services to ``state`` (main line, or aside from think)."""
    actor = world.users["secretary"]
    issue = make_issue(world, place, title or f"议题 {state}")
    if state == IssueState.COLLECTED:
        return issue
    services.start_thinking(issue=issue, actor=actor)
    if state in (IssueState.SHELVED, IssueState.ESCALATED):
        services.transition(issue=issue, to=state, actor=actor, note="暂缓")
        return issue
    if state == IssueState.THINK:
        return issue
    satisfy_think(issue, world)
    services.open_deliberation(issue=issue, actor=actor)
    if state == IssueState.DELIBERATE:
        return issue
    satisfy_deliberate(issue, world)
    services.start_action(issue=issue, actor=actor)
    if state == IssueState.ACT:
        return issue
    satisfy_act(issue, world)
    services.complete(issue=issue, actor=actor)
    return issue


def snapshot(issue: Issue) -> tuple[str, str, int, int]:
    """(state, resume state, version, event count) as stored."""
    fresh = Issue.objects.get(pk=issue.pk)
    return fresh.state, fresh.resume_state, fresh.version, fresh.events.count()
