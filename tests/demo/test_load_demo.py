"""The demo sub-district 斜土街道: structure, sizes, planted gaps, sign-ins, idempotence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import override_settings

from sanxian.accounts.models import Role, RoleAssignment, User
from sanxian.demo.xietu import (
    DEMO_PASSWORD,
    DEMO_USERS,
    JIALE,
    JIALE_OWNERS_COMMITTEE,
    JIANGNAN,
    JINGTAI,
    NEIGHBORHOODS,
    PLANTED_GAPS,
    SUBDISTRICT_NAME,
    WELL_KNOWN_RESIDENT,
    delete_demo,
    demo_counts,
    demo_root,
    load_demo,
)
from sanxian.grids.models import Grid, GridRole, GridTeamTerm
from sanxian.party.models import MemberCategory, PartyMember, PartyOrg, PartyOrgKind
from sanxian.places.models import OwnersCommittee, Place, PlaceKind, Relation, Resident
from sanxian.places.paths import subtree_q

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Place]:
    """Load the demo once for the module; remove it afterwards so other tests start clean."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        assert load_demo() is True
        root = demo_root()
        assert root is not None
    yield root
    with django_db_blocker.unblock():
        delete_demo()


def neighborhood(name: str) -> Place:
    return Place.objects.get(kind=PlaceKind.NEIGHBORHOOD, name=name)


def parent(node: Place) -> Place:
    return Place.objects.get(path=node.path[: -Place.steplen])


def current_roles(grid: Grid) -> dict[str, Resident]:
    return {
        t.role: t.resident
        for t in GridTeamTerm.objects.filter(grid=grid, ends_on__isnull=True).select_related(
            "resident"
        )
    }


def grid_paths(grid: Grid) -> list[str]:
    return list(grid.building_groups.values_list("path", flat=True))


def lives_in(resident: Resident, grid: Grid) -> bool:
    return any(resident.path.startswith(p) for p in grid_paths(grid))


@pytest.mark.django_db
def test_the_tree_has_six_neighborhoods_each_with_one_general_branch(demo: Place) -> None:
    assert demo.name == SUBDISTRICT_NAME
    assert demo.district == "徐汇区"
    committee = PartyOrg.objects.get(kind=PartyOrgKind.WORKING_COMMITTEE, place=demo)
    assert committee.name == "斜土街道党工委"
    hoods = Place.objects.filter(demo.subtree(), kind=PlaceKind.NEIGHBORHOOD)
    assert sorted(h.name for h in hoods) == sorted(NEIGHBORHOODS)
    for hood in hoods:
        branches = PartyOrg.objects.filter(kind=PartyOrgKind.GENERAL_BRANCH, place=hood)
        assert [b.name for b in branches] == [f"{hood.name}党总支"]
    for block in Place.objects.filter(demo.subtree(), kind=PlaceKind.BLOCK):
        assert PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH, place=block).count() == 1


@pytest.mark.django_db
def test_jiangnan_has_8_blocks_8_branches_and_30_grids_with_full_teams(demo: Place) -> None:
    jiangnan = neighborhood(JIANGNAN)
    blocks = Place.objects.filter(jiangnan.subtree(), kind=PlaceKind.BLOCK).order_by("path")
    assert [b.name for b in blocks] == [f"第{n}块区" for n in "一二三四五六七八"]
    branches = PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH, place__in=blocks)
    assert sorted(b.name for b in branches) == sorted(
        f"江南新村第{n}党支部" for n in "一二三四五六七八"
    )
    grids = Grid.objects.filter(jiangnan.subtree()).order_by("number")
    assert grids.count() == 30
    assert [g.number for g in grids] == list(range(1, 31))
    groups = PartyOrg.objects.filter(kind=PartyOrgKind.GROUP, grid__in=grids)
    assert groups.count() == 30
    assert groups.get(grid__number=3).name == "江南新村第3网格党小组"
    for grid in grids:
        group = PartyOrg.objects.get(grid=grid)
        branch = PartyOrg.objects.get(kind=PartyOrgKind.BRANCH, place=grid.block)
        assert group.path[: -PartyOrg.steplen] == branch.path
        assert grid.building_groups.exists()
        roles = current_roles(grid)
        assert set(roles) == set(GridRole.values), grid.name
    # Low-rise 1950s buildings, two households per floor per stairwell.
    for building in Place.objects.filter(jiangnan.subtree(), kind=PlaceKind.BUILDING):
        assert building.name.startswith("江南新村") and building.name.endswith("号")
        assert 1953 <= (building.year_built or 0) <= 1958
        assert building.floors in (5, 6)
        stairwells = Place.objects.filter(building.subtree(), kind=PlaceKind.BUILDING_GROUP)
        assert 2 <= stairwells.count() <= 3
        for stairwell in stairwells:
            assert (stairwell.floor_from, stairwell.floor_to) == (1, building.floors)
            rooms = Place.objects.filter(stairwell.subtree(), kind=PlaceKind.HOUSEHOLD)
            assert rooms.count() == 2 * building.floors


@pytest.mark.django_db
def test_every_grid_team_member_lives_in_the_grid_and_the_leader_is_a_party_member(
    demo: Place,
) -> None:
    for grid in Grid.objects.filter(demo.subtree()):
        for role, resident in current_roles(grid).items():
            assert lives_in(resident, grid), (grid.name, role)
            if role == GridRole.PARTY_GROUP_LEADER:
                assert PartyMember.objects.filter(resident=resident).exists()
            if role == GridRole.OWNER_REPRESENTATIVE:
                assert resident.relation == Relation.OWNER
    # A term history on some grids: an ended earlier term, then the current holder.
    ended = GridTeamTerm.objects.filter(subtree_q(demo.path, "grid__path"), ends_on__isnull=False)
    assert 1 <= ended.count() <= 2
    for term in ended:
        current = GridTeamTerm.objects.get(grid=term.grid, role=term.role, ends_on__isnull=True)
        assert current.starts_on == term.ends_on
        assert current.resident_id != term.resident_id


@pytest.mark.django_db
def test_jiale_apartments_have_15_floors_and_178_households(demo: Place) -> None:
    building = Place.objects.get(demo.subtree(), kind=PlaceKind.BUILDING, name=JIALE)
    assert building.floors == 15
    assert building.year_built == 1984
    households = Place.objects.filter(building.subtree(), kind=PlaceKind.HOUSEHOLD)
    assert households.count() == 178
    per_floor = Counter(households.values_list("floor", flat=True))
    assert per_floor[1] == 10
    assert all(per_floor[f] == 12 for f in range(2, 16))
    groups = Place.objects.filter(building.subtree(), kind=PlaceKind.BUILDING_GROUP)
    assert sorted((g.floor_from, g.floor_to) for g in groups) == [(1, 5), (6, 10), (11, 15)]
    assert len({g.grid_id for g in groups}) == 3
    block = parent(building)
    assert block.kind == PlaceKind.BLOCK and block.name == JIALE
    assert PartyOrg.objects.get(kind=PartyOrgKind.BRANCH, place=block).name == "嘉乐公寓党支部"
    committee = OwnersCommittee.objects.get(name=JIALE_OWNERS_COMMITTEE)
    assert committee.chair is not None
    assert committee.chair.path.startswith(building.path)
    assert committee.chair.relation == Relation.OWNER
    tower = Place.objects.get(demo.subtree(), kind=PlaceKind.BUILDING, name="卫星大楼")
    assert 12 <= (tower.floors or 0) <= 16


@pytest.mark.django_db
def test_the_well_known_resident_is_found_by_pinyin_initials(demo: Place) -> None:
    found = Resident.objects.filter(demo.subtree(), name_initials="zxm")
    zhang = found.get(name=WELL_KNOWN_RESIDENT)
    assert zhang.name_pinyin == "zhangxiaoming"
    household = zhang.household
    assert household.room == "101" and household.name == "101室" and household.floor == 1
    stairwell = parent(household)
    grid = Grid.objects.get(pk=stairwell.grid_id)
    assert grid.name == "江南新村第1网格"
    assert grid.block.name == "第一块区"
    assert stairwell.path == min(grid_paths(grid))


@pytest.mark.django_db
def test_demo_sign_ins_exist_with_their_roles(demo: Place) -> None:
    assert len(DEMO_USERS) == 13
    grid1 = Grid.objects.get(neighborhood(JIANGNAN).subtree(), number=1)
    team = current_roles(grid1)
    for username, role, _where in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.display_name
        assignment = RoleAssignment.objects.get(user=user)
        assert assignment.role == role
        assert assignment.starts_on.isoformat() == "2024-01-01"
        assert assignment.ends_on is None
        if user.resident is not None:
            assert user.display_name == user.resident.name
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert RoleAssignment.objects.get(user=admin).place == demo
    assert RoleAssignment.objects.get(user__username="auditor").place == demo
    secretary = RoleAssignment.objects.get(user__username="jingtai_secretary")
    assert secretary.place == neighborhood(JINGTAI)
    branch = RoleAssignment.objects.get(user__username="branch_secretary").place
    assert branch is not None and branch.kind == PlaceKind.BLOCK and branch.name == "第一块区"
    for username, role in (
        ("group_leader", GridRole.PARTY_GROUP_LEADER),
        ("resident_leader", GridRole.RESIDENT_GROUP_LEADER),
        ("owner_rep", GridRole.OWNER_REPRESENTATIVE),
    ):
        user = User.objects.get(username=username)
        assert RoleAssignment.objects.get(user=user).grid == grid1
        assert user.resident == team[role]
    member_user = User.objects.get(username="party_member")
    assert member_user.resident is not None
    assert PartyMember.objects.filter(resident=member_user.resident).exists()
    assert lives_in(member_user.resident, grid1)
    assert RoleAssignment.objects.get(user=member_user).place == member_user.resident.household
    resident_user = User.objects.get(username="resident")
    assert resident_user.resident is not None
    assert not PartyMember.objects.filter(resident=resident_user.resident).exists()
    jiale = Place.objects.get(kind=PlaceKind.BUILDING, name=JIALE)
    assert resident_user.resident.path.startswith(jiale.path)
    assert RoleAssignment.objects.get(user=resident_user).place == resident_user.resident.household
    assert {a.role for a in RoleAssignment.objects.filter(user__username__in=["admin"])} == {
        Role.SUBDISTRICT_ADMIN
    }


@pytest.mark.django_db
def test_sizes_are_realistic(demo: Place) -> None:
    under = demo.subtree()
    households = Place.objects.filter(under, kind=PlaceKind.HOUSEHOLD).annotate(
        size=Count("residents")
    )
    sizes = list(households.values_list("size", flat=True))
    assert min(sizes) >= 1 and max(sizes) <= 5
    assert 2.0 <= sum(sizes) / len(sizes) <= 3.0
    owners = households.annotate(owners=Count("residents", filter=Q(residents__relation="owner")))
    assert max(owners.values_list("owners", flat=True)) == 1
    years = [y for y in Resident.objects.filter(under).values_list("birth_year", flat=True) if y]
    assert len(years) == Resident.objects.filter(under).count()
    assert min(years) >= 1935 and max(years) <= 2020
    elderly = sum(1 for y in years if y <= 1965) / len(years)
    assert elderly >= 0.3
    building_groups = Place.objects.filter(under, kind=PlaceKind.BUILDING_GROUP).count()
    living_here = PartyMember.objects.filter(under, resident__isnull=False).count()
    assert 4.0 <= living_here / building_groups <= 6.0
    categories = Counter(PartyMember.objects.filter(under).values_list("category", flat=True))
    assert categories[MemberCategory.RETIRED] > categories[MemberCategory.EMPLOYED_REGISTERED]
    assert categories[MemberCategory.EMPLOYED_REGISTERED] > categories[MemberCategory.OTHER] > 0
    for resident in Resident.objects.filter(under)[:500]:
        assert resident.moved_in is not None
        assert resident.moved_in.year >= (resident.birth_year or 0)


@pytest.mark.django_db
def test_party_members_belong_to_the_group_of_their_grid(demo: Place) -> None:
    members = PartyMember.objects.filter(demo.subtree()).select_related("group", "resident")
    for member in members:
        if member.resident is None:  # 双报到: registered to serve in a grid
            assert member.serving_grid is not None
            assert member.category == MemberCategory.EMPLOYED_REGISTERED
            assert member.group == PartyOrg.objects.get(grid=member.serving_grid)
            continue
        assert member.path == member.resident.path and member.name == member.resident.name
        stairwell = Place.objects.get(path=member.path[: -Place.steplen])
        if stairwell.grid_id is None:
            assert member.group is None  # the planted gap
        else:
            assert member.group is not None and member.group.grid_id == stairwell.grid_id
    assert members.filter(resident__isnull=True).count() >= 3


@pytest.mark.django_db
def test_the_planted_gaps_are_in_jingtai(demo: Place) -> None:
    jingtai = neighborhood(JINGTAI)
    loose = Place.objects.filter(demo.subtree(), kind=PlaceKind.BUILDING_GROUP, grid__isnull=True)
    assert loose.count() == 1
    gap = loose.get()
    assert gap.path.startswith(jingtai.path)
    building = parent(gap)
    assert building.name == PLANTED_GAPS["ungrouped_building_group"][0]
    members = PartyMember.objects.filter(gap.subtree())
    assert members.count() == 4
    assert not members.filter(group__isnull=False).exists()
    # The grid next door: the one holding the other stairwell of the same building.
    neighbours = Place.objects.filter(
        building.subtree(), kind=PlaceKind.BUILDING_GROUP, grid__isnull=False
    )
    next_door = {bg.grid.name for bg in neighbours if bg.grid is not None}
    assert next_door == {PLANTED_GAPS["ungrouped_building_group"][1]}

    incomplete = [
        grid.name
        for grid in Grid.objects.filter(demo.subtree())
        if set(current_roles(grid)) != set(GridRole.values)
    ]
    assert incomplete == list(PLANTED_GAPS["missing_owner_representative"])
    grid = Grid.objects.get(name=incomplete[0])
    assert grid.path.startswith(jingtai.path)
    assert set(current_roles(grid)) == {
        GridRole.PARTY_GROUP_LEADER,
        GridRole.RESIDENT_GROUP_LEADER,
    }


@pytest.mark.django_db
def test_loading_again_changes_nothing_and_reset_reloads_the_same_data(
    demo: Place, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHER
    before = demo_counts()
    assert before["grids"] == 54 and before["sign-ins"] == len(DEMO_USERS)
    names = list(Resident.objects.order_by("path", "name").values_list("path", "name"))

    assert load_demo() is False
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    for username, _role, _where in DEMO_USERS:
        assert username in out.getvalue()
    assert demo_counts() == before

    out = StringIO()
    call_command("load_demo", "--reset", stdout=out)
    assert "Deleted" in out.getvalue()
    assert demo_counts() == before
    again = list(Resident.objects.order_by("path", "name").values_list("path", "name"))
    assert again == names  # deterministic: the same people in the same rooms


@pytest.mark.django_db
def test_the_structure_check_finds_exactly_the_planted_gaps(demo: Place) -> None:
    from sanxian.party.structure import check_structure

    gaps = check_structure(demo)
    assert sorted(g.code for g in gaps) == ["building_group_without_grid", "grid_role_vacant"]
    by_code = {g.code: g for g in gaps}
    loose_stairwell, next_door = PLANTED_GAPS["ungrouped_building_group"]
    assert loose_stairwell in by_code["building_group_without_grid"].subject
    assert next_door in by_code["building_group_without_grid"].fix
    assert PLANTED_GAPS["missing_owner_representative"][0] in by_code["grid_role_vacant"].subject


@pytest.mark.django_db
def test_jiale_corridor_case_passes_every_stage_party_first(demo: Place) -> None:
    from sanxian.issues.models import ActionRecord, Issue, IssueEvent, IssueState

    issue = Issue.objects.get(title="嘉乐公寓楼道堆物整治")
    assert issue.state == IssueState.DONE
    states = list(
        IssueEvent.objects.filter(issue=issue)
        .order_by("at", "id")
        .values_list("to_state", flat=True)
    )
    assert states == ["collected", "think", "deliberate", "act", "done"]
    times = list(IssueEvent.objects.filter(issue=issue).order_by("id").values_list("at", flat=True))
    assert times == sorted(times)
    actions = ActionRecord.objects.filter(issue=issue)
    first_party = actions.filter(is_party_member=True).order_by("acted_at").first()
    first_resident = actions.filter(is_party_member=False).order_by("acted_at").first()
    assert first_party is not None and first_resident is not None
    assert first_party.acted_at < first_resident.acted_at
    assert actions.filter(is_party_member=False).count() >= 10


@pytest.mark.django_db
def test_east_gate_case_was_escalated_then_done(demo: Place) -> None:
    from sanxian.issues.models import Issue, IssueEvent, IssueState

    issue = Issue.objects.get(title="地铁12号线施工封闭东大门")
    assert issue.state == IssueState.DONE
    states = list(
        IssueEvent.objects.filter(issue=issue).order_by("id").values_list("to_state", flat=True)
    )
    assert "escalated" in states
    assert states[-1] == "done"


@pytest.mark.django_db
def test_six_months_of_appeals_give_meaningful_rates(demo: Place) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from sanxian.appeals.models import Appeal
    from sanxian.appeals.selectors import appeal_rates

    appeals = Appeal.objects.all()
    assert 90 <= appeals.count() <= 120
    oldest = appeals.order_by("created_at").first()
    assert oldest is not None
    assert oldest.created_at < timezone.now() - timedelta(days=150)
    assert appeals.filter(state="merged").count() >= 3
    today = timezone.localdate()
    for name in ("肇清居民区", JIANGNAN):
        rates = appeal_rates(neighborhood(name), today - timedelta(days=183), today)
        assert set(rates) == {"response", "resolution", "satisfaction", "on_time"}
        for key, rate in rates.items():
            assert isinstance(rate["denominator"], int) and rate["denominator"] > 0, (name, key)
            assert rate["rate"] is not None and 0 < float(str(rate["rate"])) <= 1, (name, key)


# --- The monthly cycle (sanxian.demo.cycle) ------------------------------------------------


def _month(offset: int) -> tuple[int, int]:
    from django.utils import timezone

    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 + offset
    return index // 12, index % 12 + 1


@pytest.mark.django_db
def test_six_past_months_of_the_cycle_in_jingtai_and_jiangnan(demo: Place) -> None:
    from sanxian.meetings.models import Invitation, Meeting, MeetingKind

    below_quorum = 0
    for name in (JINGTAI, JIANGNAN):
        hood = neighborhood(name)
        for ago in range(1, 7):
            year, month = _month(-ago)
            meetings = Meeting.objects.filter(
                place=hood, scheduled_for__year=year, scheduled_for__month=month
            )
            assert sorted(meetings.values_list("kind", flat=True)) == sorted(MeetingKind.values)
            for meeting in meetings:
                assert meeting.held and meeting.minutes.strip(), meeting
                assert meeting.chair and meeting.recorder, meeting
                assert meeting.agenda.exists(), meeting
                invited = Invitation.objects.filter(meeting=meeting).count()
                came = Invitation.objects.filter(meeting=meeting, attended=True).count()
                assert invited > 0 and 0 < came <= invited, meeting
                assert meeting.scheduled_for is not None
                assert meeting.starts_at.date() >= meeting.scheduled_for  # next working day
                if meeting.kind == MeetingKind.PARTY_DELIBERATION:
                    assert 0.69 <= came / invited <= 0.96, meeting
                if came * 100 < meeting.quorum_percent * invited:
                    below_quorum += 1
    assert below_quorum >= 2


@pytest.mark.django_db
def test_cycle_decisions_link_the_demo_issues_and_votes_are_taken(demo: Place) -> None:
    from sanxian.issues.models import Issue, IssueEvent, IssueState
    from sanxian.meetings.models import MeetingDecision, MeetingKind, MeetingVote

    east_gate = Issue.objects.get(title="地铁12号线施工封闭东大门")
    reports = MeetingDecision.objects.filter(
        issue=east_gate, meeting__kind=MeetingKind.JOINT_CONSULTATION
    )
    assert reports.count() >= 3
    assert east_gate.state == IssueState.DONE
    assert Issue.objects.get(title="嘉乐公寓楼道堆物整治").state == IssueState.DONE

    jingtai = neighborhood(JINGTAI)
    own = Issue.objects.filter(subtree_q(jingtai.path), state=IssueState.THINK)
    assert own.count() >= 2
    for issue in own:
        event = IssueEvent.objects.get(issue=issue, to_state=IssueState.THINK)
        assert event.meeting is not None
        assert event.meeting.kind == MeetingKind.PARTY_DELIBERATION
        assert MeetingDecision.objects.filter(issue=issue, meeting=event.meeting).exists()

    named = MeetingVote.objects.filter(named=True, meeting__kind=MeetingKind.PARTY_DELIBERATION)
    assert named.count() >= 2
    for vote in named:
        assert vote.ballots.count() == vote.votes_for + vote.votes_against + vote.votes_abstain
    assert MeetingVote.objects.filter(
        named=False, meeting__kind=MeetingKind.JOINT_CONSULTATION, votes_for__gt=0
    ).exists()


@pytest.mark.django_db
def test_the_next_three_months_are_scheduled_with_agendas(demo: Place) -> None:
    from django.utils import timezone

    from sanxian.meetings.models import Meeting, MeetingKind

    for hood in Place.objects.filter(subtree_q(demo.path), kind=PlaceKind.NEIGHBORHOOD):
        for ahead in range(1, 4):
            year, month = _month(ahead)
            kinds = Meeting.objects.filter(
                place=hood, scheduled_for__year=year, scheduled_for__month=month
            ).values_list("kind", flat=True)
            assert sorted(kinds) == sorted(MeetingKind.values), (hood.name, year, month)
        upcoming = Meeting.objects.filter(place=hood, starts_at__gt=timezone.now())
        assert all(m.agenda.exists() and m.invitations.exists() for m in upcoming), hood.name

    jiangnan = neighborhood(JIANGNAN)
    next15 = (
        Meeting.objects.filter(
            place=jiangnan,
            kind=MeetingKind.PARTY_DELIBERATION,
            starts_at__gt=timezone.now(),
        )
        .order_by("starts_at")
        .first()
    )
    assert next15 is not None
    titles = list(next15.agenda.filter(issue__isnull=False).values_list("issue__title", flat=True))
    assert "楼道电动车充电安全隐患" in titles
