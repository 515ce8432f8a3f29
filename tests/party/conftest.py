"""A small, complete pair of trees for the structure check, built through the services.

斜土街道 (working committee 斜土街道党工委)
└ 景泰 (general branch 景泰党总支)
  ├ 第一块区 (branch 第一支部)
  │ ├ 5号楼: 1单元, 2单元   → grid 1号网格 (party group 1号网格党小组)
  │ └ 6号楼: 1单元          → grid 2号网格
  └ 第二块区 (branch 第二支部)
    └ 8号楼: 1单元          → grid 1号网格

Every grid has a household in each building group, a three-person team living in it, a
party member leading it and two spare party members; 赵国庆 is registered from elsewhere
to serve in 第一块区's 1号网格. ``add_neighborhood`` adds more of the same, so a test can
compare query counts on a bigger tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.utils import translation

from sanxian.grids.models import Grid, GridRole
from sanxian.grids.services import appoint_team_member, attach_building_group, create_grid
from sanxian.party.models import MemberCategory, PartyMember, PartyOrg, PartyOrgKind
from sanxian.party.services import (
    create_party_org,
    create_working_committee,
    register_party_member,
)
from sanxian.places.models import Gender, Place, PlaceKind, Relation, Resident
from sanxian.places.services import create_place, create_resident, create_subdistrict

START = date(2024, 1, 1)

# Six people per grid: leader (party member, owner), spare member, resident group leader,
# owner representative, spare member, a resident who is no party member.
GRID_PEOPLE = {
    ("第一块区", 1): ["王建国", "李秀英", "张晓明", "刘桂兰", "陈志强", "杨丽华"],
    ("第一块区", 2): ["赵玉珍", "黄海涛", "周美玲", "吴国庆", "郑建华", "孙丽娟"],
    ("第二块区", 1): ["钱永明", "冯淑芬", "褚家豪", "卫红梅", "蒋德胜", "沈小燕"],
}
# block name → building name → building group names, grouped into grids by number.
LAYOUT: dict[str, list[tuple[int, list[tuple[str, str]]]]] = {
    "第一块区": [(1, [("5号楼", "1单元"), ("5号楼", "2单元")]), (2, [("6号楼", "1单元")])],
    "第二块区": [(1, [("8号楼", "1单元")])],
}
BRANCH_NAMES = {"第一块区": "第一支部", "第二块区": "第二支部"}


@dataclass
class GridSet:
    grid: Grid
    group: PartyOrg
    building_groups: list[Place]
    households: list[Place]
    leader: Resident
    resident_leader: Resident
    owner_rep: Resident
    spare_members: list[Resident]
    non_member: Resident


@dataclass
class Hood:
    place: Place
    general_branch: PartyOrg
    blocks: dict[str, Place] = field(default_factory=dict)
    branches: dict[str, PartyOrg] = field(default_factory=dict)
    buildings: dict[str, Place] = field(default_factory=dict)  # "第一块区/5号楼"
    building_groups: dict[str, Place] = field(default_factory=dict)  # "第一块区/5号楼/1单元"
    grids: dict[str, GridSet] = field(default_factory=dict)  # "第一块区/1"


@dataclass
class Tree:
    sub: Place
    committee: PartyOrg
    hood: Hood
    registered: PartyMember

    def bg(self, key: str) -> Place:
        return self.hood.building_groups[key]

    def grid(self, key: str) -> GridSet:
        return self.hood.grids[key]


def _person(household: Place, name: str, relation: str) -> Resident:
    return create_resident(household=household, name=name, gender=Gender.FEMALE, relation=relation)


def _member(resident: Resident, group: PartyOrg) -> PartyMember:
    return register_party_member(
        name=resident.name, category=MemberCategory.RETIRED, resident=resident, group=group
    )


def build_grid(
    *,
    block: Place,
    branch: PartyOrg,
    number: int,
    building_groups: list[Place],
    names: list[str],
) -> GridSet:
    grid = create_grid(block=block, number=number, name=f"{number}号网格")
    for bg in building_groups:
        attach_building_group(grid=grid, building_group=bg)
    group = create_party_org(
        parent=branch, kind=PartyOrgKind.GROUP, name=f"{block.name}{grid.name}党小组", grid=grid
    )
    first = create_place(
        parent=building_groups[0], kind=PlaceKind.HOUSEHOLD, name="101室", room="101", floor=1
    )
    last = create_place(
        parent=building_groups[-1], kind=PlaceKind.HOUSEHOLD, name="201室", room="201", floor=2
    )
    leader = _person(first, names[0], Relation.OWNER)
    spare1 = _person(first, names[1], Relation.FAMILY)
    resident_leader = _person(first, names[2], Relation.FAMILY)
    owner_rep = _person(last, names[3], Relation.OWNER)
    spare2 = _person(last, names[4], Relation.FAMILY)
    non_member = _person(last, names[5], Relation.TENANT)
    for r in (leader, spare1, spare2):
        _member(r, group)
    for role, r in (
        (GridRole.PARTY_GROUP_LEADER, leader),
        (GridRole.RESIDENT_GROUP_LEADER, resident_leader),
        (GridRole.OWNER_REPRESENTATIVE, owner_rep),
    ):
        appoint_team_member(grid=grid, role=role, resident=r, starts_on=START)
    return GridSet(
        grid=grid,
        group=group,
        building_groups=building_groups,
        households=[first, last],
        leader=leader,
        resident_leader=resident_leader,
        owner_rep=owner_rep,
        spare_members=[spare1, spare2],
        non_member=non_member,
    )


def add_neighborhood(sub: Place, committee: PartyOrg, name: str) -> Hood:
    """A complete neighborhood laid out as ``LAYOUT``, with its party organisations."""
    place = create_place(parent=sub, kind=PlaceKind.NEIGHBORHOOD, name=name)
    general = create_party_org(
        parent=committee, kind=PartyOrgKind.GENERAL_BRANCH, name=f"{name}党总支", place=place
    )
    hood = Hood(place=place, general_branch=general)
    for block_name, grids in LAYOUT.items():
        block = create_place(parent=place, kind=PlaceKind.BLOCK, name=block_name)
        branch = create_party_org(
            parent=general, kind=PartyOrgKind.BRANCH, name=BRANCH_NAMES[block_name], place=block
        )
        hood.blocks[block_name] = block
        hood.branches[block_name] = branch
        for number, bg_names in grids:
            bgs = []
            for building_name, bg_name in bg_names:
                key = f"{block_name}/{building_name}"
                if key not in hood.buildings:
                    hood.buildings[key] = create_place(
                        parent=block, kind=PlaceKind.BUILDING, name=building_name, floors=6
                    )
                bg = create_place(
                    parent=hood.buildings[key], kind=PlaceKind.BUILDING_GROUP, name=bg_name
                )
                hood.building_groups[f"{key}/{bg_name}"] = bg
                bgs.append(bg)
            hood.grids[f"{block_name}/{number}"] = build_grid(
                block=block,
                branch=branch,
                number=number,
                building_groups=bgs,
                names=GRID_PEOPLE[(block_name, number)],
            )
    return hood


def build_tree() -> Tree:
    sub = create_subdistrict(name="斜土街道", district="徐汇区")
    committee = create_working_committee(subdistrict=sub, name="斜土街道党工委")
    hood = add_neighborhood(sub, committee, "景泰")
    grid1 = hood.grids["第一块区/1"]
    registered = register_party_member(
        name="赵国庆",
        category=MemberCategory.EMPLOYED_REGISTERED,
        serving_grid=grid1.grid,
        group=grid1.group,
    )
    return Tree(sub=sub, committee=committee, hood=hood, registered=registered)


def add_building(
    hood: Hood, *, block: str, building: str, groups: list[str], grid: Grid | None = None
) -> list[Place]:
    """Extra building groups in ``block``, attached to ``grid`` when given."""
    parent = create_place(
        parent=hood.blocks[block], kind=PlaceKind.BUILDING, name=building, floors=6
    )
    hood.buildings[f"{block}/{building}"] = parent
    bgs = []
    for name in groups:
        bg = create_place(parent=parent, kind=PlaceKind.BUILDING_GROUP, name=name)
        if grid is not None:
            attach_building_group(grid=grid, building_group=bg)
        hood.building_groups[f"{block}/{building}/{name}"] = bg
        bgs.append(bg)
    return bgs


def add_members(bg: Place, names: list[str], group: PartyOrg | None = None) -> list[Resident]:
    """A household in ``bg`` whose residents are all party members (of ``group``)."""
    home = create_place(parent=bg, kind=PlaceKind.HOUSEHOLD, name="301室", room="301", floor=3)
    people = []
    for i, name in enumerate(names):
        r = _person(home, name, Relation.OWNER if i == 0 else Relation.FAMILY)
        register_party_member(name=name, category=MemberCategory.RETIRED, resident=r, group=group)
        people.append(r)
    return people


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Assert on the English message ids, whatever translations exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def tree(db: None) -> Tree:
    return build_tree()


@pytest.fixture
def grow() -> Callable[[Tree, int], None]:
    """Make the tree bigger: more neighborhoods, and more under 景泰 第一块区."""

    def _grow(tree: Tree, neighborhoods: int = 2) -> None:
        for i in range(neighborhoods):
            add_neighborhood(tree.sub, tree.committee, f"新村{i + 1}")
        grid1 = tree.grid("第一块区/1")
        for i in range(3):
            bgs = add_building(
                tree.hood,
                block="第一块区",
                building=f"{20 + i}号楼",
                groups=["1单元", "2单元"],
                grid=grid1.grid,
            )
            for bg in bgs:
                add_members(bg, [f"党员{i}{bg.name}甲", f"党员{i}{bg.name}乙"], grid1.group)

    return _grow
