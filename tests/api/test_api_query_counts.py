"""Every GET endpoint of the API answers in a fixed number of queries (at most 15),
whatever the data: the same count before and after the sub-district grows and the object
read gains more of what it lists (events, agenda items, invitees, decisions, votes,
sign-ups …). A GET endpoint of the OpenAPI document without a case here fails the test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.test import Client
from django.utils import timezone

from sanxian.activities import services as activities
from sanxian.activities.models import Activity
from sanxian.appeals.models import Appeal, Rating
from sanxian.appeals.services import (
    acknowledge_appeal,
    rate_appeal,
    resolve_appeal,
    start_appeal,
)
from sanxian.issues.models import Issue, IssueState
from sanxian.meetings import services as meetings
from sanxian.meetings.models import Invitation, Meeting, MeetingKind
from sanxian.places.models import Resident
from sanxian.volunteers import services as volunteers
from sanxian.volunteers.models import DutyShift
from tests.activities.conftest import more_residents
from tests.api.conftest import ApiClient
from tests.appeals.conftest import png as appeal_png
from tests.issues.helpers import png as issue_png
from tests.issues.test_query_counts import add_more as more_for_issues
from tests.issues.test_query_counts import build as build_issues
from tests.test_query_counts import count_queries
from tests.volunteers.conftest import Crew, shift_at
from tests.world import World, grow

MAX_QUERIES = 15
DOCUMENT = "/api/openapi.json"


@dataclass
class Data:
    """What the cases read: the objects of each endpoint, by name."""

    world: World
    crew: Crew
    appeal: Appeal
    other_appeal: Appeal
    issues: dict[str, Issue]
    meetings: dict[str, Meeting]
    activities: dict[str, Activity]
    shift: DutyShift


Url = Callable[[Data], str]

# (the OpenAPI path, who reads it, the URL read). Each GET path of the document has at
# least one case; the persona is one allowed to read it (the answer must be 200).
CASES: list[tuple[str, str, Url]] = [
    # Appeals
    ("/api/appeals/categories", "resident", lambda d: "/api/appeals/categories"),
    ("/api/appeals/places", "resident", lambda d: "/api/appeals/places"),
    ("/api/appeals/places", "party_member", lambda d: "/api/appeals/places"),
    ("/api/appeals/", "resident", lambda d: "/api/appeals/"),
    ("/api/appeals/", "secretary", lambda d: "/api/appeals/"),
    ("/api/appeals/{appeal_id}", "resident", lambda d: f"/api/appeals/{d.appeal.pk}"),
    ("/api/appeals/{appeal_id}", "secretary", lambda d: f"/api/appeals/{d.appeal.pk}"),
    ("/api/appeals/{appeal_id}", "admin", lambda d: f"/api/appeals/{d.appeal.pk}"),
    ("/api/appeals/{appeal_id}", "secretary", lambda d: f"/api/appeals/{d.other_appeal.pk}"),
    # Issues
    ("/api/issues/", "secretary", lambda d: "/api/issues/"),
    ("/api/issues/", "secretary", lambda d: "/api/issues/?state=think"),
    ("/api/issues/", "group_leader", lambda d: "/api/issues/"),
    ("/api/issues/", "party_member", lambda d: "/api/issues/"),
    ("/api/issues/", "admin", lambda d: "/api/issues/"),
    *[
        ("/api/issues/{issue_id}", "secretary", lambda d, s=key: f"/api/issues/{d.issues[s].pk}")
        for key in [*IssueState.values, "deliberate_adopted"]
    ],
    ("/api/issues/{issue_id}", "social_worker", lambda d: f"/api/issues/{d.issues['think'].pk}"),
    ("/api/issues/{issue_id}", "social_worker", lambda d: f"/api/issues/{d.issues['act'].pk}"),
    ("/api/issues/{issue_id}", "party_member", lambda d: f"/api/issues/{d.issues['think'].pk}"),
    ("/api/issues/{issue_id}", "party_member", lambda d: f"/api/issues/{d.issues['done'].pk}"),
    (
        "/api/issues/{issue_id}",
        "group_leader",
        lambda d: f"/api/issues/{d.issues['group_think'].pk}",
    ),
    ("/api/issues/{issue_id}", "group_leader", lambda d: f"/api/issues/{d.issues['group_act'].pk}"),
    (
        "/api/issues/{issue_id}",
        "admin",
        lambda d: f"/api/issues/{d.issues['deliberate_adopted'].pk}",
    ),
    # Meetings
    ("/api/meetings/", "secretary", lambda d: "/api/meetings/"),
    ("/api/meetings/", "secretary", lambda d: "/api/meetings/?when=past"),
    ("/api/meetings/", "social_worker", lambda d: "/api/meetings/"),
    ("/api/meetings/", "admin", lambda d: "/api/meetings/?when=past"),
    ("/api/meetings/", "resident", lambda d: "/api/meetings/?when=past"),
    (
        "/api/meetings/{meeting_id}",
        "secretary",
        lambda d: f"/api/meetings/{d.meetings['party'].pk}",
    ),
    ("/api/meetings/{meeting_id}", "admin", lambda d: f"/api/meetings/{d.meetings['party'].pk}"),
    (
        "/api/meetings/{meeting_id}",
        "secretary",
        lambda d: f"/api/meetings/{d.meetings['joint'].pk}",
    ),
    (
        "/api/meetings/{meeting_id}",
        "social_worker",
        lambda d: f"/api/meetings/{d.meetings['joint'].pk}",
    ),
    (
        "/api/meetings/{meeting_id}",
        "resident",
        lambda d: f"/api/meetings/{d.meetings['joint'].pk}",
    ),
    (
        "/api/meetings/{meeting_id}",
        "secretary",
        lambda d: f"/api/meetings/{d.meetings['upcoming'].pk}",
    ),
    # Activities
    ("/api/activities/", "resident", lambda d: "/api/activities/"),
    ("/api/activities/", "resident", lambda d: "/api/activities/?when=past"),
    ("/api/activities/", "secretary", lambda d: "/api/activities/"),
    (
        "/api/activities/{activity_id}",
        "resident",
        lambda d: f"/api/activities/{d.activities['upcoming'].pk}",
    ),
    (
        "/api/activities/{activity_id}",
        "secretary",
        lambda d: f"/api/activities/{d.activities['upcoming'].pk}",
    ),
    (
        "/api/activities/{activity_id}",
        "party_member",
        lambda d: f"/api/activities/{d.activities['upcoming'].pk}",
    ),
    (
        "/api/activities/{activity_id}",
        "resident",
        lambda d: f"/api/activities/{d.activities['held'].pk}",
    ),
    (
        "/api/activities/{activity_id}",
        "secretary",
        lambda d: f"/api/activities/{d.activities['held'].pk}",
    ),
    # Duty shifts
    ("/api/volunteers/shifts/mine", "resident", lambda d: "/api/volunteers/shifts/mine"),
    ("/api/volunteers/shifts/mine", "vleader", lambda d: "/api/volunteers/shifts/mine"),
    ("/api/volunteers/shifts/open", "resident", lambda d: "/api/volunteers/shifts/open"),
    ("/api/volunteers/shifts/open", "party_member", lambda d: "/api/volunteers/shifts/open"),
    (
        "/api/volunteers/shifts/{shift_id}",
        "resident",
        lambda d: f"/api/volunteers/shifts/{d.shift.pk}",
    ),
    (
        "/api/volunteers/shifts/{shift_id}",
        "vleader",
        lambda d: f"/api/volunteers/shifts/{d.shift.pk}",
    ),
    (
        "/api/volunteers/shifts/{shift_id}",
        "secretary",
        lambda d: f"/api/volunteers/shifts/{d.shift.pk}",
    ),
]


# --- The data ---------------------------------------------------------------------------


def _later(hours: float) -> datetime:
    return (timezone.now() + timedelta(hours=hours)).replace(minute=7, second=0, microsecond=0)


def _party_ballots(meeting: Meeting) -> dict[int, str]:
    members = Invitation.objects.filter(meeting=meeting, party_member__isnull=False)
    return dict.fromkeys(members.values_list("party_member_id", flat=True), "agree")


def _meeting_records(meeting: Meeting, world: World, n: int, issue: Issue | None) -> None:
    """``n`` more agenda items, decisions and votes; everyone invited so far attends."""
    actor = world.users["secretary"]
    meetings.invite(meeting=meeting)
    meetings.mark_attendance(
        meeting=meeting,
        attended_ids=Invitation.objects.filter(meeting=meeting).values_list("id", flat=True),
    )
    for i in range(n):
        meetings.add_agenda_item(meeting=meeting, title=f"议程{i}")
        decision = meetings.decide(meeting=meeting, text=f"决定{i}", actor=actor, issue=issue)
        if meeting.party_only:
            meetings.record_vote(
                meeting=meeting,
                question=f"表决{i}",
                actor=actor,
                ballots=_party_ballots(meeting),
                decision=decision,
            )
        else:
            meetings.record_vote(
                meeting=meeting, question=f"表决{i}", actor=actor, counts=(8, 1, 1)
            )


def build(world: World, crew: Crew, make_appeal, make_activity) -> Data:  # type: ignore[no-untyped-def]
    secretary = world.users["secretary"]
    # An appeal of the resident's, acknowledged (events with an actor), with a photo; and
    # one filed by staff for another resident of 北苑.
    appeal = make_appeal(photos=[appeal_png()])
    acknowledge_appeal(appeal=appeal, actor=secretary)
    other_appeal = make_appeal(
        resident=world.member_resident, by=secretary, on_behalf_note="电话", text="路灯坏了"
    )

    issues = build_issues(world)

    # Meetings: a past party deliberation and a past joint consultation with records (the
    # resident attended the consultation), and an upcoming collection meeting.
    party = meetings.create_meeting(
        place=world.north,
        kind=MeetingKind.PARTY_DELIBERATION,
        starts_at=timezone.now() - timedelta(days=3),
    )
    _meeting_records(party, world, 1, issues["think"])
    joint = meetings.create_meeting(
        place=world.north,
        kind=MeetingKind.JOINT_CONSULTATION,
        starts_at=timezone.now() - timedelta(days=2),
    )
    meetings.check_in(
        token=meetings.checkin_token(joint),
        user=world.users["resident"],
        now=joint.starts_at + timedelta(minutes=10),
    )
    _meeting_records(joint, world, 1, issues["deliberate"])
    meetings.record_minutes(meeting=joint, minutes="讨论了楼道堆物", chair="王", recorder="李")
    upcoming = meetings.create_meeting(
        place=world.north, kind=MeetingKind.COLLECTION, starts_at=timezone.now() + timedelta(days=2)
    )
    meetings.add_agenda_item(meeting=upcoming, title="楼道堆物")

    # Activities: an upcoming one the resident's household and another household signed up
    # for (with a waiting list), and a held one with a summary, photos and a helper.
    upcoming_activity = make_activity(capacity=2)
    activities.sign_up(
        activity=upcoming_activity, residents=[world.resident], actor=world.users["resident"]
    )
    activities.sign_up(
        activity=upcoming_activity,
        residents=[world.member_resident],
        actor=world.users["party_member"],
    )
    held = make_activity(hours=-2)
    activities.sign_up(activity=held, residents=[world.resident], actor=world.users["resident"])
    activities.mark_held(activity=held, actor=secretary)
    activities.save_summary(activity=held, summary="大家吃得很开心")
    activities.add_photos(activity=held, uploads=[issue_png()], actor=secretary)
    activities.add_helper(activity=held, volunteer=crew.resident, role="帮厨")
    make_activity(hours=-24 * 10)

    # A shift of the patrol with the resident and the party member on it.
    shift = shift_at(crew, _later(30), hours=2, capacity=40)
    volunteers.sign_up(shift=shift, volunteer=crew.resident)
    volunteers.sign_up(shift=shift, volunteer=crew.member)
    volunteers.sign_up(shift=shift_at(crew, _later(50), hours=1), volunteer=crew.resident)
    volunteers.sign_up(shift=shift_at(crew, _later(60), hours=1), volunteer=crew.leader)
    shift_at(crew, _later(70), hours=1)
    under_way = shift_at(crew, timezone.now() - timedelta(minutes=10), hours=2)
    volunteers.sign_up(
        shift=under_way, volunteer=crew.resident, now=under_way.starts_at - timedelta(hours=1)
    )

    return Data(
        world=world,
        crew=crew,
        appeal=appeal,
        other_appeal=other_appeal,
        issues=issues,
        meetings={"party": party, "joint": joint, "upcoming": upcoming},
        activities={"upcoming": upcoming_activity, "held": held},
        shift=shift,
    )


def add_more(data: Data, make_appeal, make_activity, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The sub-district grows, and each object read gains more of what it lists."""
    world, crew = data.world, data.crew
    secretary = world.users["secretary"]
    resident_user = world.users["resident"]
    grow(world)

    # Appeals: the appeal's history grows (started, resolved, rated and reopened,
    # resolved again); more appeals of the resident's, some with photos.
    appeal = data.appeal
    start_appeal(appeal=appeal, actor=secretary)
    resolve_appeal(appeal=appeal, actor=secretary, note="已清理")
    rate_appeal(appeal=appeal, actor=resident_user, rating=Rating.UNSATISFIED, reopen=True)
    resolve_appeal(appeal=appeal, actor=world.users["social_worker"], note="再次清理")
    acknowledge_appeal(appeal=data.other_appeal, actor=secretary)
    start_appeal(appeal=data.other_appeal, actor=world.users["social_worker"])
    for i in range(12):
        make_appeal(text=f"第{i}件事", photos=[appeal_png()] if i % 3 == 0 else ())
        make_appeal(resident=world.member_resident, by=secretary, text=f"代办{i}")

    # Issues: more issues, events, votes, options, steps, actions, surveys …
    more_for_issues(world, data.issues, settings, tmp_path)

    # Meetings: more invitees (the grown neighborhood), attendance, agenda items,
    # decisions and votes; more meetings in the lists.
    _meeting_records(data.meetings["party"], world, 4, data.issues["group_think"])
    _meeting_records(data.meetings["joint"], world, 4, data.issues["group_deliberate"])
    for i in range(4):
        meetings.add_agenda_item(meeting=data.meetings["upcoming"], title=f"更多议程{i}")
    for day in range(1, 8):
        for kind in (MeetingKind.COLLECTION, MeetingKind.PARTY_DELIBERATION):
            meetings.create_meeting(
                place=world.north, kind=kind, starts_at=timezone.now() + timedelta(days=day)
            )
            past = meetings.create_meeting(
                place=world.north, kind=kind, starts_at=timezone.now() - timedelta(days=day + 5)
            )
            meetings.invite(meeting=past)

    # Activities: more people in the resident's household and other households sign up
    # (beyond the seats: a longer waiting list), more photos and helpers, more activities.
    newcomers = more_residents(world, 3)
    activities.sign_up(
        activity=data.activities["upcoming"], residents=newcomers, actor=resident_user
    )
    others = list(
        Resident.objects.filter(path__startswith=world.building_group.path)
        .exclude(household=world.household)
        .exclude(pk=world.member_resident.pk)
        .order_by("id")[:6]
    )
    for other in others:
        activities.sign_up(
            activity=data.activities["upcoming"], residents=[other], actor=secretary, on_behalf=True
        )
    held = data.activities["held"]
    activities.add_photos(activity=held, uploads=[issue_png(), issue_png()], actor=secretary)
    activities.add_helper(activity=held, volunteer=crew.member, role="摆桌")
    activities.add_helper(activity=held, volunteer=crew.leader, role="采购")
    for i in range(6):
        upcoming = make_activity(hours=48 + i)
        activities.sign_up(activity=upcoming, residents=[world.resident], actor=resident_user)
        make_activity(hours=-24 * (20 + i))

    # Shifts: more volunteers join the patrol and sign up for the shift; more shifts.
    for other in others:
        volunteer = volunteers.volunteer_for_resident(other)
        volunteers.join_team(team=crew.patrol, volunteer=volunteer)
        volunteers.sign_up(shift=data.shift, volunteer=volunteer)
    for day in range(3, 9):
        shift = shift_at(crew, _later(24 * day + 3), hours=1)
        volunteers.sign_up(shift=shift, volunteer=crew.resident)
        volunteers.sign_up(shift=shift, volunteer=crew.member)
        volunteers.sign_up(
            shift=shift_at(crew, _later(24 * day + 6), hours=1), volunteer=crew.leader
        )
    volunteers.generate_shifts(days=40)


# --- The tests --------------------------------------------------------------------------


def _measure(api, data: Data) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    clients: dict[str, ApiClient] = {}
    counts = {}
    for _path, persona, url_of in CASES:
        if persona not in clients:
            clients[persona] = api(persona)
        client = clients[persona].client
        url = url_of(data)
        # The token's first use is recorded once, an upcoming meeting's page refreshes its
        # agenda and invitees, the working-day calendar is cached: warm up first.
        client.get(url)
        counts[(persona, url)] = count_queries(client, url)
    return counts


def test_get_endpoints_do_not_grow_with_the_data(  # type: ignore[no-untyped-def]
    api, world: World, crew: Crew, make_appeal, make_activity, settings, tmp_path
) -> None:
    data = build(world, crew, make_appeal, make_activity)
    before = _measure(api, data)
    add_more(data, make_appeal, make_activity, settings, tmp_path)
    after = _measure(api, data)
    grown = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not grown, f"query counts changed with the data: {grown}"
    too_many = {k: v for k, v in after.items() if v > MAX_QUERIES}
    assert not too_many, f"more than {MAX_QUERIES} queries: {too_many}"


def test_every_get_endpoint_has_a_case(world: World) -> None:
    paths = Client().get(DOCUMENT).json()["paths"]
    documented = {path for path, operations in paths.items() if "get" in operations}
    covered = {path for path, _persona, _url in CASES}
    assert documented, "the document lists no GET operation"
    assert documented - covered == set(), "GET endpoints without a query-count case"
    assert covered - documented == set(), "cases for paths the document does not list"
