"""A small, complete sub-district for tests, built through the services, and its cast.

Two neighborhoods (北苑 with one block, two buildings, two grids; 南苑 with one block and
one grid). ``grow(world)`` adds more of everything under 北苑, so a test can check that a
page's query count does not change with the data.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from sanxian.accounts.models import Role, User
from sanxian.accounts.services import assign_role, create_user
from sanxian.grids.models import Grid, GridRole
from sanxian.grids.services import appoint_team_member, attach_building_group, create_grid
from sanxian.party.models import MemberCategory, PartyOrg, PartyOrgKind
from sanxian.party.services import (
    create_party_org,
    create_working_committee,
    register_party_member,
)
from sanxian.places.models import Gender, Place, PlaceKind, Relation, Resident
from sanxian.places.services import create_place, create_resident, create_subdistrict

PASSWORD = "test-pass-1234"
START = date(2024, 1, 1)
_names = itertools.count(1)

SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["建国", "秀英", "晓明", "桂兰", "志强", "丽华", "国庆", "玉珍", "海涛", "美玲"]


def _name() -> str:
    n = next(_names)
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


@dataclass
class World:
    subdistrict: Place
    north: Place
    south: Place
    block: Place
    south_block: Place
    building: Place
    building_group: Place
    household: Place
    south_household: Place
    grid: Grid
    south_grid: Grid
    branch: PartyOrg
    resident: Resident
    leader: Resident
    member_resident: Resident
    users: dict[str, User] = field(default_factory=dict)


def _household(
    bg: Place, room: str, floor: int, people: int, party: int = 0, group: PartyOrg | None = None
) -> tuple[Place, list[Resident]]:
    home = create_place(
        parent=bg, kind=PlaceKind.HOUSEHOLD, name=f"{room}室", room=room, floor=floor
    )
    residents = []
    for i in range(people):
        r = create_resident(
            household=home,
            name=_name(),
            gender=Gender.FEMALE if i % 2 else Gender.MALE,
            relation=Relation.OWNER if i == 0 else Relation.FAMILY,
            birth_year=1950 + i,
        )
        if i < party:
            register_party_member(
                name=r.name, category=MemberCategory.RETIRED, resident=r, group=group
            )
        residents.append(r)
    return home, residents


def _grid_with_team(
    block: Place,
    branch: PartyOrg,
    number: int,
    bgs: list[Place],
    leader: Resident,
    others: list[Resident],
) -> tuple[Grid, PartyOrg]:
    grid = create_grid(block=block, number=number)
    for bg in bgs:
        attach_building_group(grid=grid, building_group=bg)
    group = create_party_org(
        parent=branch, kind=PartyOrgKind.GROUP, name=f"{grid.name}党小组", grid=grid
    )
    appoint_team_member(
        grid=grid, role=GridRole.PARTY_GROUP_LEADER, resident=leader, starts_on=START
    )
    appoint_team_member(
        grid=grid, role=GridRole.RESIDENT_GROUP_LEADER, resident=others[0], starts_on=START
    )
    appoint_team_member(
        grid=grid, role=GridRole.OWNER_REPRESENTATIVE, resident=others[1], starts_on=START
    )
    return grid, group


def build_world() -> World:
    sub = create_subdistrict(name="测试街道", district="测试区")
    committee = create_working_committee(subdistrict=sub, name="测试街道党工委")
    north = create_place(parent=sub, kind=PlaceKind.NEIGHBORHOOD, name="北苑")
    south = create_place(parent=sub, kind=PlaceKind.NEIGHBORHOOD, name="南苑")
    gb_n = create_party_org(
        parent=committee, kind=PartyOrgKind.GENERAL_BRANCH, name="北苑党总支", place=north
    )
    gb_s = create_party_org(
        parent=committee, kind=PartyOrgKind.GENERAL_BRANCH, name="南苑党总支", place=south
    )
    block = create_place(parent=north, kind=PlaceKind.BLOCK, name="第一块区")
    branch = create_party_org(
        parent=gb_n, kind=PartyOrgKind.BRANCH, name="北苑第一党支部", place=block
    )
    building = create_place(
        parent=block, kind=PlaceKind.BUILDING, name="1号楼", year_built=1980, floors=6
    )
    bg1 = create_place(
        parent=building, kind=PlaceKind.BUILDING_GROUP, name="1单元", floor_from=1, floor_to=6
    )
    bg2 = create_place(
        parent=building, kind=PlaceKind.BUILDING_GROUP, name="2单元", floor_from=1, floor_to=6
    )
    home, people = _household(bg1, "101", 1, 3, party=1)
    home2, more = _household(bg1, "102", 1, 2, party=1)
    _, bg2_people = _household(bg2, "201", 2, 3, party=1)
    grid, group = _grid_with_team(block, branch, 1, [bg1], people[0], [more[0], more[1]])
    _grid2, group2 = _grid_with_team(block, branch, 2, [bg2], bg2_people[0], bg2_people[1:])
    for member_resident, g in ((people[0], group), (more[0], group), (bg2_people[0], group2)):
        member = member_resident.party_member
        member.group = g
        member.save(update_fields=["group"])

    s_block = create_place(parent=south, kind=PlaceKind.BLOCK, name="南一块区")
    s_branch = create_party_org(
        parent=gb_s, kind=PartyOrgKind.BRANCH, name="南苑党支部", place=s_block
    )
    s_building = create_place(parent=s_block, kind=PlaceKind.BUILDING, name="8号楼", floors=5)
    s_bg = create_place(parent=s_building, kind=PlaceKind.BUILDING_GROUP, name="1单元")
    s_home, s_people = _household(s_bg, "301", 3, 3, party=1)
    s_grid, s_group = _grid_with_team(s_block, s_branch, 1, [s_bg], s_people[0], s_people[1:])
    s_member = s_people[0].party_member
    s_member.group = s_group
    s_member.save(update_fields=["group"])

    world = World(
        subdistrict=sub,
        north=north,
        south=south,
        block=block,
        south_block=s_block,
        building=building,
        building_group=bg1,
        household=home,
        south_household=s_home,
        grid=grid,
        south_grid=s_grid,
        branch=branch,
        resident=people[2],
        leader=people[0],
        member_resident=more[0],
    )
    cast = [
        ("admin", Role.SUBDISTRICT_ADMIN, {"place": sub}, None),
        ("secretary", Role.NEIGHBORHOOD_SECRETARY, {"place": north}, None),
        ("social_worker", Role.SOCIAL_WORKER, {"place": north}, None),
        ("group_leader", Role.PARTY_GROUP_LEADER, {"grid": grid}, people[0]),
        ("party_member", Role.PARTY_MEMBER, {"place": home2}, more[0]),
        ("resident", Role.RESIDENT, {"place": home}, people[2]),
        ("outsider", Role.NEIGHBORHOOD_SECRETARY, {"place": south}, None),
        ("auditor", Role.SECURITY_AUDITOR, {"place": sub}, None),
    ]
    for username, role, at, resident in cast:
        user = create_user(
            username=username, password=PASSWORD, display_name=username, resident=resident
        )
        assign_role(user=user, role=role, starts_on=START, **at)
        world.users[username] = user
    nobody = create_user(username="nobody", password=PASSWORD)
    world.users["nobody"] = nobody
    return world


def grow(world: World, *, buildings: int = 3) -> None:
    """Add buildings, building groups, households, residents, party members and a grid
    under 北苑, so per-page query counts can be compared before and after."""
    group = PartyOrg.objects.get(grid=world.grid)
    for b in range(buildings):
        building = create_place(
            parent=world.block, kind=PlaceKind.BUILDING, name=f"{10 + b}号楼", floors=6
        )
        bg = create_place(parent=building, kind=PlaceKind.BUILDING_GROUP, name="1单元")
        attach_building_group(grid=world.grid, building_group=bg)
        for floor in range(1, 4):
            _household(bg, f"{floor}0{b}", floor, 3, party=1, group=group)
    # More in the household and building the tests look at.
    for i in range(3):
        _household(world.building_group, f"5{i}1", 5, 2, party=1, group=group)
    for _ in range(2):
        create_resident(
            household=world.household, name=_name(), gender=Gender.MALE, relation=Relation.TENANT
        )
    extra_block = create_place(parent=world.north, kind=PlaceKind.BLOCK, name="第二块区")
    gb = PartyOrg.objects.get(kind=PartyOrgKind.GENERAL_BRANCH, place=world.north)
    create_party_org(parent=gb, kind=PartyOrgKind.BRANCH, name="北苑第二党支部", place=extra_block)
    create_grid(block=extra_block, number=1)
