"""The structure check: a complete tree has no gap; each way of breaking it gives one gap
with the right code and a fix that names the right thing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanxian.accounts.models import Role, User
from sanxian.accounts.services import assign_role, create_user
from sanxian.grids.models import GridRole, GridTeamTerm
from sanxian.grids.services import appoint_team_member, create_grid, end_team_term
from sanxian.party.models import MemberCategory, PartyMember, PartyOrg, PartyOrgKind
from sanxian.party.selectors import get_structure_node_for_user
from sanxian.party.services import (
    assign_member_to_group,
    create_party_org,
    register_party_member,
)
from sanxian.party.structure import GAP_KINDS, Gap, check_structure, group_gaps
from sanxian.places.models import Place, PlaceKind, Relation
from sanxian.places.services import create_place, create_resident, create_subdistrict

from .conftest import START, Tree, add_building, add_members

LATER = date(2025, 3, 1)
PASSWORD = "structure-pass-1234"


def codes(gaps: list[Gap]) -> list[str]:
    return [g.code for g in gaps]


def only(gaps: list[Gap], code: str) -> Gap:
    assert codes(gaps) == [code], [(g.code, g.message) for g in gaps]
    return gaps[0]


def fresh(place: Place) -> Place:
    return Place.objects.get(pk=place.pk)


# --- complete trees ---------------------------------------------------------------------


def test_complete_tree_has_no_gap_at_any_node(tree: Tree) -> None:
    for place in Place.objects.order_by("path"):
        assert check_structure(place) == [], place.name


def test_every_gap_code_is_declared_once() -> None:
    all_codes = [k.code for k in GAP_KINDS]
    assert len(all_codes) == len(set(all_codes))
    assert {k.severity for k in GAP_KINDS} == {"error", "warning"}


# --- territory ↔ party organisations ----------------------------------------------------


@pytest.mark.django_db
def test_subdistrict_without_working_committee_is_reported_at_the_subdistrict() -> None:
    sub = create_subdistrict(name="枫林街道")
    gap = only(check_structure(sub), "subdistrict_without_working_committee")
    assert gap.subject == "枫林街道"
    assert gap.place_id == sub.pk
    assert "枫林街道" in gap.fix


def test_neighborhood_without_general_branch_names_the_committee(tree: Tree) -> None:
    hood = create_place(parent=tree.sub, kind=PlaceKind.NEIGHBORHOOD, name="新村")
    gap = only(check_structure(fresh(tree.sub)), "neighborhood_without_general_branch")
    assert gap.subject == "新村"
    assert gap.severity == "error"
    assert gap.place_id == hood.pk
    assert "斜土街道党工委" in gap.fix


def test_two_general_branches_are_to_be_merged(tree: Tree) -> None:
    create_party_org(
        parent=tree.committee,
        kind=PartyOrgKind.GENERAL_BRANCH,
        name="景泰第二党总支",
        place=tree.hood.place,
    )
    gap = only(check_structure(fresh(tree.sub)), "neighborhood_with_several_general_branches")
    assert gap.subject == "景泰"
    assert "Merge" in gap.fix
    assert "景泰党总支" in gap.fix and "景泰第二党总支" in gap.fix
    # Also seen from the neighborhood itself.
    assert codes(check_structure(fresh(tree.hood.place))) == [
        "neighborhood_with_several_general_branches"
    ]


def test_block_without_branch_names_the_general_branch(tree: Tree) -> None:
    block = create_place(parent=tree.hood.place, kind=PlaceKind.BLOCK, name="第三块区")
    gap = only(check_structure(fresh(tree.hood.place)), "block_without_branch")
    assert gap.subject == "景泰 / 第三块区"
    assert gap.place_id == block.pk
    assert "景泰党总支" in gap.fix


def test_two_branches_in_a_block(tree: Tree) -> None:
    create_party_org(
        parent=tree.hood.general_branch,
        kind=PartyOrgKind.BRANCH,
        name="第一支部(二)",
        place=tree.hood.blocks["第一块区"],
    )
    gap = only(check_structure(fresh(tree.hood.place)), "block_with_several_branches")
    assert "第一支部" in gap.fix and "第一支部(二)" in gap.fix


# --- building groups and grids ----------------------------------------------------------


def test_building_group_without_grid_names_the_grid_next_door(tree: Tree) -> None:
    """5号楼 3单元 has 4 party members and no grid: attach it to 1号网格, which already
    holds 5号楼's other building groups (2号网格 holds fewer, but is not next door)."""
    building = tree.hood.buildings["第一块区/5号楼"]
    bg = create_place(parent=building, kind=PlaceKind.BUILDING_GROUP, name="3单元")
    add_members(bg, ["马文华", "朱建军", "胡秀兰", "林志伟"])
    gap = only(check_structure(fresh(tree.hood.place)), "building_group_without_grid")
    assert gap.subject == "景泰 / 第一块区 / 5号楼 / 3单元"
    assert gap.place_id == bg.pk
    assert "4 party members" in gap.message
    assert "景泰 / 第一块区 / 1号网格" in gap.fix
    assert "5号楼 / 1单元" in gap.fix  # the neighbour it would join
    assert "2号网格" not in gap.fix


def test_building_group_of_a_new_building_goes_to_the_smallest_grid(tree: Tree) -> None:
    add_building(tree.hood, block="第一块区", building="7号楼", groups=["1单元"])
    gap = only(check_structure(fresh(tree.hood.place)), "building_group_without_grid")
    assert gap.message == "景泰 / 第一块区 / 7号楼 / 1单元 lies in no grid."
    assert "景泰 / 第一块区 / 2号网格" in gap.fix
    assert "fewest building groups (1)" in gap.fix


def test_building_group_in_a_block_without_grids_asks_for_a_new_grid(tree: Tree) -> None:
    block = create_place(parent=tree.hood.place, kind=PlaceKind.BLOCK, name="第三块区")
    create_party_org(
        parent=tree.hood.general_branch, kind=PartyOrgKind.BRANCH, name="第三支部", place=block
    )
    tree.hood.blocks["第三块区"] = block
    add_building(tree.hood, block="第三块区", building="9号楼", groups=["1单元"])
    gap = only(check_structure(fresh(tree.hood.place)), "building_group_without_grid")
    assert gap.fix.startswith("景泰 / 第三块区 has no grid yet: create one")


def test_grid_crossing_a_block(tree: Tree) -> None:
    grid1 = tree.grid("第一块区/1").grid
    bg = tree.bg("第二块区/8号楼/1单元")
    Place.objects.filter(pk=bg.pk).update(grid=grid1)

    gaps = check_structure(fresh(tree.hood.place))
    assert codes(gaps) == ["grid_crosses_block", "empty_grid"]
    crossing, empty = gaps
    assert crossing.subject == "景泰 / 第一块区 / 1号网格"
    assert crossing.grid_id == grid1.pk and crossing.place_id == bg.pk
    assert "景泰 / 第二块区 / 8号楼 / 1单元" in crossing.message
    assert "into 景泰 / 第二块区 / 1号网格" in crossing.fix
    # 第二块区's own grid is left empty; the fix names the building group to take back.
    assert empty.subject == "景泰 / 第二块区 / 1号网格"
    assert "景泰 / 第二块区 / 8号楼 / 1单元" in empty.fix

    # Seen from either block: the crossing building group lies outside 第一块区.
    block1 = check_structure(fresh(tree.hood.blocks["第一块区"]))
    assert codes(block1) == ["grid_crosses_block"]
    assert "景泰 / 第二块区 / 8号楼 / 1单元" in block1[0].message
    block2 = check_structure(fresh(tree.hood.blocks["第二块区"]))
    assert codes(block2) == ["grid_crosses_block", "empty_grid"]


def test_empty_grid(tree: Tree) -> None:
    grid = create_grid(block=tree.hood.blocks["第一块区"], number=3, name="3号网格")
    gap = only(check_structure(fresh(tree.hood.place)), "empty_grid")
    assert gap.subject == "景泰 / 第一块区 / 3号网格"
    assert gap.grid_id == grid.pk
    assert gap.severity == "warning"
    assert "3号网格" in gap.fix


def test_grid_without_party_group_names_the_branch(tree: Tree) -> None:
    grid = create_grid(block=tree.hood.blocks["第一块区"], number=3, name="3号网格")
    add_building(tree.hood, block="第一块区", building="7号楼", groups=["1单元"], grid=grid)
    gaps = check_structure(fresh(tree.hood.place))
    assert codes(gaps) == ["grid_without_party_group"] + ["grid_role_vacant"] * 3
    assert gaps[0].subject == "景泰 / 第一块区 / 3号网格"
    assert "under 第一支部" in gaps[0].fix


def test_party_group_under_another_branch(tree: Tree) -> None:
    block2 = tree.hood.blocks["第二块区"]
    grid = create_grid(block=block2, number=2, name="2号网格")
    add_building(tree.hood, block="第二块区", building="9号楼", groups=["1单元"], grid=grid)
    group = create_party_org(
        parent=tree.hood.branches["第二块区"],
        kind=PartyOrgKind.GROUP,
        name="第二块区2号网格党小组",
        grid=grid,
    )
    # The service refuses a wrong parent; a later re-organisation can still leave one.
    wrong = PartyOrg.objects.get(pk=tree.hood.branches["第一块区"].pk)
    PartyOrg.objects.move(group, wrong, "last-child")
    gaps = [g for g in check_structure(fresh(tree.hood.place)) if g.code != "grid_role_vacant"]
    gap = only(gaps, "party_group_under_wrong_branch")
    assert gap.severity == "warning"
    assert gap.fix == "Move 第二块区2号网格党小组 under 第二支部."


# --- grid teams -------------------------------------------------------------------------


def _term(tree: Tree, grid_key: str, role: str) -> GridTeamTerm:
    return GridTeamTerm.objects.get(grid=tree.grid(grid_key).grid, role=role, ends_on__isnull=True)


def test_vacant_party_group_leader_suggests_party_members_of_the_grid(tree: Tree) -> None:
    end_team_term(term=_term(tree, "第一块区/1", GridRole.PARTY_GROUP_LEADER), ends_on=LATER)
    gap = only(check_structure(fresh(tree.hood.place)), "grid_role_vacant")
    assert gap.subject == "景泰 / 第一块区 / 1号网格"
    assert "party group leader" in gap.message
    assert gap.fix.endswith("party members living in this grid: 王建国, 李秀英, 陈志强.")


def test_vacant_owner_representative_suggests_owners_of_the_grid(tree: Tree) -> None:
    end_team_term(term=_term(tree, "第一块区/2", GridRole.OWNER_REPRESENTATIVE), ends_on=LATER)
    gap = only(check_structure(fresh(tree.hood.place)), "grid_role_vacant")
    assert gap.subject == "景泰 / 第一块区 / 2号网格"
    assert "owner representative" in gap.message
    # Owners living in 2号网格 who are not on the team (赵玉珍 leads its party group).
    assert gap.fix.endswith("candidates: 吴国庆.")


def test_vacant_resident_group_leader_suggests_residents_of_the_grid(tree: Tree) -> None:
    end_team_term(term=_term(tree, "第一块区/1", GridRole.RESIDENT_GROUP_LEADER), ends_on=LATER)
    gap = only(check_structure(fresh(tree.hood.place)), "grid_role_vacant")
    assert "resident group leader" in gap.message
    assert gap.fix.endswith("candidates: 李秀英, 陈志强, 张晓明.")


def test_team_member_living_outside_the_grid(tree: Tree) -> None:
    outsider = tree.grid("第一块区/2").resident_leader  # 周美玲 lives in 6号楼
    appoint_team_member(
        grid=tree.grid("第一块区/1").grid,
        role=GridRole.RESIDENT_GROUP_LEADER,
        resident=outsider,
        starts_on=LATER,
    )
    gap = only(check_structure(fresh(tree.hood.place)), "grid_team_member_lives_outside")
    assert gap.subject == "景泰 / 第一块区 / 1号网格 · 周美玲"
    assert "(景泰 / 第一块区 / 6号楼 / 1单元)" in gap.message
    assert "景泰 / 第一块区 / 1号网格" in gap.fix
    assert "李秀英" in gap.fix and "周美玲" not in gap.fix


def test_party_group_leader_who_is_no_party_member(tree: Tree) -> None:
    appoint_team_member(
        grid=tree.grid("第一块区/1").grid,
        role=GridRole.PARTY_GROUP_LEADER,
        resident=tree.grid("第一块区/1").non_member,  # 杨丽华
        starts_on=LATER,
    )
    gap = only(check_structure(fresh(tree.hood.place)), "party_group_leader_not_member")
    assert gap.subject == "景泰 / 第一块区 / 1号网格 · 杨丽华"
    assert gap.fix.endswith("party members living in this grid: 王建国, 李秀英, 陈志强.")


def test_grid_team_gaps_are_seen_from_below_the_block(tree: Tree) -> None:
    end_team_term(term=_term(tree, "第一块区/1", GridRole.OWNER_REPRESENTATIVE), ends_on=LATER)
    grid1 = tree.grid("第一块区/1")
    for node in (
        tree.hood.buildings["第一块区/5号楼"],
        tree.bg("第一块区/5号楼/1单元"),
        grid1.households[0],
    ):
        gap = only(check_structure(fresh(node)), "grid_role_vacant")
        assert gap.subject == "景泰 / 第一块区 / 1号网格", node.name
        # 刘桂兰 lives in 5号楼 2单元, outside the first two nodes: still a candidate.
        assert gap.fix.endswith("candidates: 刘桂兰.")
    assert check_structure(fresh(tree.hood.buildings["第一块区/6号楼"])) == []


# --- party members ----------------------------------------------------------------------


def test_member_in_another_grids_group_is_told_the_right_one(tree: Tree) -> None:
    member = PartyMember.objects.get(name="李秀英")
    assign_member_to_group(member=member, group=tree.grid("第一块区/2").group)
    gap = only(check_structure(fresh(tree.hood.place)), "member_in_wrong_group")
    assert gap.member_id == member.pk
    assert gap.subject == "李秀英 · 景泰 / 第一块区 / 5号楼 / 1单元"
    assert "belongs to 第一块区2号网格党小组" in gap.message
    assert gap.fix == (
        "Add 李秀英 to 第一块区1号网格党小组, the party group of 景泰 / 第一块区 / 1号网格."
    )


def test_member_without_group(tree: Tree) -> None:
    home = tree.grid("第一块区/1").households[1]
    resident = create_resident(
        household=home, name="高志明", gender="male", relation=Relation.FAMILY
    )
    register_party_member(name="", category=MemberCategory.RETIRED, resident=resident)
    gap = only(check_structure(fresh(tree.hood.place)), "member_without_group")
    assert "高志明" in gap.message and "no party group" in gap.message
    assert "第一块区1号网格党小组" in gap.fix


def test_registered_member_without_serving_grid(tree: Tree) -> None:
    PartyMember.objects.filter(pk=tree.registered.pk).update(serving_grid=None)
    gap = only(check_structure(fresh(tree.hood.place)), "registered_member_without_grid")
    assert gap.member_id == tree.registered.pk
    assert "赵国庆" in gap.message
    # The grid of the party group they already attend.
    assert "景泰 / 第一块区 / 1号网格" in gap.fix


def test_registered_member_in_another_group(tree: Tree) -> None:
    assign_member_to_group(member=tree.registered, group=tree.grid("第二块区/1").group)
    gap = only(check_structure(fresh(tree.hood.place)), "member_in_wrong_group")
    assert "registered to serve in 景泰 / 第一块区 / 1号网格" in gap.message
    assert "Add 赵国庆 to 第一块区1号网格党小组" in gap.fix


def test_registered_member_is_checked_from_below_the_block(tree: Tree) -> None:
    assign_member_to_group(member=tree.registered, group=tree.grid("第二块区/1").group)
    gaps = check_structure(fresh(tree.bg("第一块区/5号楼/2单元")))
    assert codes(gaps) == ["member_in_wrong_group"]


# --- grouping, query budget -------------------------------------------------------------


def test_gaps_are_grouped_by_code_in_check_order(tree: Tree) -> None:
    create_place(parent=tree.hood.place, kind=PlaceKind.BLOCK, name="第三块区")
    create_grid(block=tree.hood.blocks["第一块区"], number=3, name="3号网格")
    create_grid(block=tree.hood.blocks["第二块区"], number=2, name="2号网格")
    groups = group_gaps(check_structure(fresh(tree.sub)))
    assert [(g.code, len(g.gaps)) for g in groups] == [
        ("block_without_branch", 1),
        ("empty_grid", 2),
    ]
    assert groups[1].severity == "warning"
    assert groups[1].title == "Grid without building groups"


def _queries(node: Place) -> int:
    node = fresh(node)
    with CaptureQueriesContext(connection) as ctx:
        check_structure(node)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("vacancy", [False, True])
def test_query_count_does_not_grow_with_the_tree(
    tree: Tree, grow: Callable[[Tree, int], None], vacancy: bool
) -> None:
    if vacancy:  # adds the candidates query, in both sizes
        end_team_term(term=_term(tree, "第一块区/1", GridRole.OWNER_REPRESENTATIVE), ends_on=LATER)
    nodes = {
        "sub-district": tree.sub,
        "neighborhood": tree.hood.place,
        "block": tree.hood.blocks["第一块区"],
        "building": tree.hood.buildings["第一块区/5号楼"],
        "building group": tree.bg("第一块区/5号楼/1单元"),
        "household": tree.grid("第一块区/1").households[0],
    }
    small = {name: _queries(node) for name, node in nodes.items()}
    before = Place.objects.count()
    grow(tree, 3)
    assert Place.objects.count() > 2 * before
    big = {name: _queries(node) for name, node in nodes.items()}
    assert big == small
    assert max(small.values()) <= 8
    assert len(check_structure(fresh(tree.sub))) == (1 if vacancy else 0)


# --- access and page --------------------------------------------------------------------


def _user(username: str, role: str, place: Place) -> User:
    user = create_user(username=username, password=PASSWORD)
    assign_role(user=user, role=role, place=place, starts_on=START)
    return user


def test_structure_node_selector_is_for_staff_within_scope(tree: Tree) -> None:
    secretary = _user("secretary", Role.NEIGHBORHOOD_SECRETARY, tree.hood.place)
    assert get_structure_node_for_user(secretary, tree.hood.place.pk).pk == tree.hood.place.pk
    block = tree.hood.blocks["第一块区"]
    assert get_structure_node_for_user(secretary, block.pk).pk == block.pk
    with pytest.raises(Http404):
        get_structure_node_for_user(secretary, tree.sub.pk)  # above the scope
    with pytest.raises(Http404):
        get_structure_node_for_user(secretary, 999_999)
    home = tree.grid("第一块区/1").households[0]
    for username, role in (("resident", Role.RESIDENT), ("member", Role.PARTY_MEMBER)):
        user = _user(username, role, home)
        with pytest.raises(Http404):
            get_structure_node_for_user(user, home.pk)


def test_structure_page_lists_gaps_with_fixes(tree: Tree, client: Client) -> None:
    _user("secretary", Role.NEIGHBORHOOD_SECRETARY, tree.hood.place)
    client.login(username="secretary", password=PASSWORD)
    url = reverse("party:structure", args=[tree.hood.place.pk])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the user chose English
    ok = client.get(url)
    assert ok.status_code == 200
    assert "No gaps" in ok.content.decode()

    building = tree.hood.buildings["第一块区/5号楼"]
    bg = create_place(parent=building, kind=PlaceKind.BUILDING_GROUP, name="3单元")
    create_grid(block=tree.hood.blocks["第一块区"], number=3, name="3号网格")
    page = client.get(url).content.decode()
    assert 'class="gap gap-error"' in page and 'class="gap gap-warning"' in page
    assert "景泰 / 第一块区 / 5号楼 / 3单元" in page
    assert 'class="fix"' in page
    assert "2 gaps" in page
    assert bg.name in page
