"""The demo sub-district: 斜土街道, 徐汇区 — the article's real structure, invented people.

``load_demo()`` builds the territory tree (6 neighborhoods: 江南新村 with its 8 management
blocks and 30 party-building grids, 肇清 with 嘉乐公寓 and its 178 households, 景泰, and three
small ones), the isomorphic party tree, about 3 000 residents, their party members, the
three-person grid teams and the demo sign-ins. Every random choice comes from one
``random.Random(DEMO_SEED)``, consumed in a fixed order, so the data is the same on every
run. ``delete_demo()`` removes all of it again.

Two structure gaps are planted on purpose in 景泰 (see ``PLANTED_GAPS``): a building group in
no grid whose 4 party members have no party group, and a grid without an owner
representative.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import Count, ProtectedError, RestrictedError

from sanxian.accounts.models import Role, RoleAssignment, User
from sanxian.accounts.services import assign_role, create_user
from sanxian.demo.activities import delete_activities, load_activities
from sanxian.demo.cases import load_cases
from sanxian.demo.cycle import load_cycle
from sanxian.demo.personal import load_personal_numbers
from sanxian.demo.volunteers import delete_volunteers, load_volunteers
from sanxian.grids.models import Grid, GridRole, GridTeamTerm
from sanxian.grids.services import appoint_team_member, attach_building_group, create_grid
from sanxian.party.models import MemberCategory, PartyMember, PartyOrg, PartyOrgKind
from sanxian.party.services import create_party_org, create_working_committee, member_path
from sanxian.places.models import OwnersCommittee, Place, PlaceKind, Relation, Resident
from sanxian.places.paths import subtree_q
from sanxian.places.services import (
    create_owners_committee,
    create_place,
    create_subdistrict,
    resident_fields,
)

DEMO_SEED = 20261128
DEMO_PASSWORD = "sanxian-demo"  # noqa: S105 - the published password of the demo sign-ins

SUBDISTRICT_NAME = "斜土街道"
DISTRICT_NAME = "徐汇区"
WORKING_COMMITTEE_NAME = "斜土街道党工委"

JIANGNAN = "江南新村居民区"
JINGTAI = "景泰居民区"
ZHAOQING = "肇清居民区"
DAMUQIAO = "大木桥居民区"
DONGAN = "东安居民区"
LINGLING = "零陵居民区"
NEIGHBORHOODS = (JIANGNAN, JINGTAI, ZHAOQING, DAMUQIAO, DONGAN, LINGLING)

JIANGNAN_GRIDS_PER_BLOCK = (4, 4, 4, 4, 4, 4, 3, 3)  # 8 management blocks, 30 grids
JIALE = "嘉乐公寓"
JIALE_OWNERS_COMMITTEE = "嘉乐公寓业主委员会"
WELL_KNOWN_RESIDENT = "张晓明"  # lives in 江南新村第1网格, room 101; pinyin initials zxm

# Role assignments start here; current grid-team terms began with the 2021 election, the
# earlier terms of the grids with a history with the 2016 one.
ROLES_START = date(2024, 1, 1)
TERM_START = date(2021, 5, 1)
EARLIER_TERM_START = date(2016, 5, 1)
COMMITTEE_TERM_START = date(2022, 6, 1)
LATEST = date(2025, 10, 31)  # no generated date later than this, so the data never drifts

# (username, role, where). Every demo sign-in uses DEMO_PASSWORD.
DEMO_USERS: list[tuple[str, str, str]] = [
    ("admin", Role.SUBDISTRICT_ADMIN.value, SUBDISTRICT_NAME),
    ("jiangnan_secretary", Role.NEIGHBORHOOD_SECRETARY.value, JIANGNAN),
    ("jingtai_secretary", Role.NEIGHBORHOOD_SECRETARY.value, JINGTAI),
    ("zhaoqing_secretary", Role.NEIGHBORHOOD_SECRETARY.value, ZHAOQING),
    ("social_worker", Role.SOCIAL_WORKER.value, JIANGNAN),
    ("branch_secretary", Role.BRANCH_SECRETARY.value, f"{JIANGNAN} 第一块区"),
    ("group_leader", Role.PARTY_GROUP_LEADER.value, "江南新村第1网格"),
    ("resident_leader", Role.RESIDENT_GROUP_LEADER.value, "江南新村第1网格"),
    ("owner_rep", Role.OWNER_REPRESENTATIVE.value, "江南新村第1网格"),
    ("party_member", Role.PARTY_MEMBER.value, "own household in 江南新村第1网格"),
    ("resident", Role.RESIDENT.value, f"own household in {JIALE}"),
    ("volunteer_leader", Role.VOLUNTEER_TEAM_LEADER.value, JIANGNAN),
    ("auditor", Role.SECURITY_AUDITOR.value, SUBDISTRICT_NAME),
]
# Display names of the sign-ins that are not residents (residents show their own name).
STAFF_DISPLAY_NAMES = {
    "admin": "周立新",
    "jiangnan_secretary": "沈慧芳",
    "jingtai_secretary": "陆卫红",
    "zhaoqing_secretary": "顾建平",
    "social_worker": "金佳怡",
    "branch_secretary": "钱国平",
    "volunteer_leader": "施永康",
    "auditor": "许文静",
}

# The planted structure gaps (``manage.py check_structure`` lists exactly these two):
# the building holding the stairwell in no grid and the grid next door, and the grid
# without an owner representative. The tests check these names against the data.
PLANTED_GAPS: dict[str, tuple[str, ...]] = {
    # 景泰 第二块区: 景泰小区6号's last stairwell, 4 party members, next door to grid 6.
    "ungrouped_building_group": ("景泰小区6号", "景泰第6网格"),
    "missing_owner_representative": ("景泰第8网格",),
}

CN_NUMERALS = "一二三四五六七八九十"


class Writer(Protocol):
    """Where progress goes: a text stream or a management command's ``self.stdout``."""

    def write(self, msg: str, /) -> Any: ...


# --- Names ----------------------------------------------------------------------------
# Common surnames, weighted towards Shanghai; common given names by generation and gender.
_SURNAME_WEIGHTS = {
    9: "陈",
    8: "王张",
    7: "李",
    5: "朱徐周",
    4: "沈顾陆吴黄杨",
    3: "金钱施蒋孙胡刘",
    2: "潘姚曹许俞蔡汪郑马唐何高林",
    1: "龚严范邵宋袁谢丁毛倪季戴奚瞿卢薛杜夏方叶任",
}
SURNAMES = "".join(chars * weight for weight, chars in _SURNAME_WEIGHTS.items())


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("old", "male"): _names(
        "国强 建国 福根 根宝 金生 志良 德明 荣生 伟民 建华 国华 永康 家明 云龙 保国 "
        "和平 庆华 文斌 洪生 银根 宝林 祖德 树清 惠民 永福 长根 金龙 培华 兴发 耀祖"
    ),
    ("old", "female"): _names(
        "秀英 桂英 凤英 美华 玉珍 金娣 根娣 彩英 月英 雅芳 丽华 惠珍 秀珍 美娟 素珍 "
        "兰芳 佩华 宝娣 菊英 杏芳 巧云 梅英 瑞英 爱华 秀兰 凤珍 阿妹 小妹 金凤 彩凤"
    ),
    ("mid", "male"): _names(
        "伟 军 勇 斌 强 刚 建平 卫东 志刚 晓东 国平 建军 雪峰 立新 永刚 卫国 振华 "
        "晓峰 文杰 浩 俊 海峰 建伟 忠良 明华 国庆 红兵 卫民 跃进 解放"
    ),
    ("mid", "female"): _names(
        "敏 丽 静 燕 红 芳 萍 海燕 晓红 丽萍 红梅 玲 慧 建英 卫红 雪梅 春燕 丽娟 "
        "美玲 秀芬 晓燕 琴 英 凤娟 雅琴 惠芬 明珠 莉 蓉 亚萍"
    ),
    ("young", "male"): _names(
        "磊 鹏 超 浩 俊杰 昊 宇 文博 家豪 一鸣 子豪 天宇 嘉伟 思远 逸飞 佳俊 晓辉 "
        "志远 骏 诚 毅 劼 旻 颢"
    ),
    ("young", "female"): _names(
        "婷 佳 怡 雯 琳 倩 佳怡 诗雨 晓雯 梦瑶 雪 颖 嘉欣 佳琪 思佳 文静 晓婷 燕妮 "
        "蕾 菁 璐 玥 瑾 琦"
    ),
    ("kid", "male"): _names(
        "子轩 浩然 宇航 俊熙 一诺 梓豪 沐阳 皓轩 睿 子墨 天佑 铭轩 嘉懿 博文 思源 宸 "
        "奕辰 煜 承泽 景行"
    ),
    ("kid", "female"): _names(
        "梓涵 欣怡 思涵 雨桐 子涵 诗琪 若汐 可馨 语桐 一涵 芷若 梓萱 悦 安琪 依诺 "
        "沐晴 心怡 欣然 思彤 语嫣"
    ),
}


def _generation(birth_year: int) -> str:
    if birth_year <= 1955:
        return "old"
    if birth_year <= 1979:
        return "mid"
    if birth_year <= 1999:
        return "young"
    return "kid"


# --- In-memory records of what is being built -------------------------------------------


@dataclass
class _Person:
    gender: str
    birth_year: int
    surname: str
    relation: str = Relation.FAMILY
    name: str = ""


@dataclass
class _Group:
    place: Place
    households: list[Place] = field(default_factory=list)
    grid: _Grid | None = None
    big: bool = False  # a floor range of a tower, not one stairwell
    planted_members: int | None = None  # exact party member count (the planted gap)
    residents: list[Resident] = field(default_factory=list)


@dataclass
class _Grid:
    grid: Grid
    party_group: PartyOrg
    groups: list[_Group] = field(default_factory=list)

    @property
    def residents(self) -> list[Resident]:
        return [r for g in self.groups for r in g.residents]


@dataclass
class _Block:
    place: Place
    branch: PartyOrg
    groups: list[_Group] = field(default_factory=list)
    grids: list[_Grid] = field(default_factory=list)


@dataclass
class _Hood:
    place: Place
    general_branch: PartyOrg
    short: str  # prefix of grid names: 江南新村第3网格
    blocks: list[_Block] = field(default_factory=list)
    next_grid: int = 1
    next_building: int = 1

    @property
    def grids(self) -> list[_Grid]:
        return [g for b in self.blocks for g in b.grids]

    def block(self, name: str) -> _Block:
        return next(b for b in self.blocks if b.place.name == name)


class _Builder:
    def __init__(self, out: Writer | None) -> None:
        self.rng = random.Random(DEMO_SEED)
        self.out = out
        self.hoods: dict[str, _Hood] = {}
        self.groups: list[_Group] = []
        self.year_built: dict[int, int] = {}  # building group pk → year its building was built
        self.members: dict[int, PartyMember] = {}  # resident pk → party member
        self.zxm_household: Place | None = None
        self.no_owner_rep: _Grid | None = None
        self.taken: set[int] = set()  # residents already holding a user or a named post

    def say(self, message: str) -> None:
        if self.out is not None:
            self.out.write(message + "\n")

    # --- territory and party tree -----------------------------------------------------

    def build(self) -> None:
        root = create_subdistrict(name=SUBDISTRICT_NAME, district=DISTRICT_NAME)
        self.root = root
        self.committee = create_working_committee(subdistrict=root, name=WORKING_COMMITTEE_NAME)
        self._jiangnan()
        self._jingtai()
        self._zhaoqing()
        self._small_hoods()
        self.say("  territory and party trees built")
        self._residents()
        self.say(f"  {sum(len(g.residents) for g in self.groups)} residents")
        self._party_members()
        self._teams()
        self._owners_committee()
        self._users()

    def _hood(self, name: str, short: str, address: str = "") -> _Hood:
        place = create_place(
            parent=self.root, kind=PlaceKind.NEIGHBORHOOD, name=name, address=address
        )
        branch = create_party_org(
            parent=self.committee,
            kind=PartyOrgKind.GENERAL_BRANCH,
            name=f"{name}党总支",
            place=place,
        )
        hood = _Hood(place=place, general_branch=branch, short=short)
        self.hoods[name] = hood
        return hood

    def _block(self, hood: _Hood, name: str, branch_name: str) -> _Block:
        place = create_place(parent=hood.place, kind=PlaceKind.BLOCK, name=name)
        branch = create_party_org(
            parent=hood.general_branch, kind=PartyOrgKind.BRANCH, name=branch_name, place=place
        )
        block = _Block(place=place, branch=branch)
        hood.blocks.append(block)
        return block

    def _building(self, block: _Block, name: str, year_built: int, floors: int) -> Place:
        return create_place(
            parent=block.place,
            kind=PlaceKind.BUILDING,
            name=name,
            year_built=year_built,
            floors=floors,
        )

    def _group(
        self,
        block: _Block,
        building: Place,
        name: str,
        rooms: Sequence[tuple[int, str]],
        *,
        big: bool = False,
    ) -> _Group:
        floors = [floor for floor, _room in rooms]
        place = create_place(
            parent=building,
            kind=PlaceKind.BUILDING_GROUP,
            name=name,
            floor_from=min(floors),
            floor_to=max(floors),
        )
        group = _Group(place=place, big=big)
        for floor, room in rooms:
            group.households.append(
                create_place(
                    parent=place,
                    kind=PlaceKind.HOUSEHOLD,
                    name=f"{room}室",
                    floor=floor,
                    room=room,
                )
            )
        assert building.year_built is not None
        self.year_built[place.pk] = building.year_built
        block.groups.append(group)
        self.groups.append(group)
        return group

    def _stairwell_buildings(
        self,
        hood: _Hood,
        block: _Block,
        *,
        estate: str,
        count: int | None = None,
        min_groups: int = 0,
        years: tuple[int, int],
        floors: Sequence[int],
    ) -> None:
        """Low-rise buildings of 2–3 stairwells, two households per floor per stairwell."""
        built = 0
        while (count is not None and built < count) or (
            count is None and len(block.groups) < min_groups
        ):
            number = hood.next_building
            hood.next_building += 1
            n_floors = self.rng.choice(floors)
            building = self._building(
                block, f"{estate}{number}号", self.rng.randint(*years), n_floors
            )
            for unit in range(1, self.rng.choice((2, 3)) + 1):
                rooms = [(f, f"{f}{k:02d}") for f in range(1, n_floors + 1) for k in (1, 2)]
                self._group(block, building, f"{unit}单元", rooms)
            built += 1

    def _grids(self, hood: _Hood, block: _Block, groups: list[_Group], count: int) -> None:
        """Cut the block's building groups, in order, into ``count`` grids of adjacent ones."""
        base, extra = divmod(len(groups), count)
        assert base >= 1, "every grid needs at least one building group"
        bigger = set(self.rng.sample(range(count), extra))
        start = 0
        for i in range(count):
            size = base + (1 if i in bigger else 0)
            self._grid(hood, block, groups[start : start + size])
            start += size

    def _grid(self, hood: _Hood, block: _Block, groups: list[_Group]) -> _Grid:
        number = hood.next_grid
        hood.next_grid += 1
        name = f"{hood.short}第{number}网格"
        grid = create_grid(block=block.place, number=number, name=name)
        party_group = create_party_org(
            parent=block.branch, kind=PartyOrgKind.GROUP, name=f"{name}党小组", grid=grid
        )
        g = _Grid(grid=grid, party_group=party_group)
        for group in groups:
            attach_building_group(grid=grid, building_group=group.place)
            group.grid = g
            g.groups.append(group)
        block.grids.append(g)
        return g

    def _jiangnan(self) -> None:
        hood = self._hood(JIANGNAN, "江南新村")
        for i, n_grids in enumerate(JIANGNAN_GRIDS_PER_BLOCK):
            block = self._block(
                hood, f"第{CN_NUMERALS[i]}块区", f"江南新村第{CN_NUMERALS[i]}党支部"
            )
            self._stairwell_buildings(
                hood,
                block,
                estate="江南新村",
                min_groups=round(n_grids * 1.6),
                years=(1953, 1958),
                floors=(5, 6),
            )
            self._grids(hood, block, block.groups, n_grids)
        # 张晓明 lives in room 101 of the first building group of grid 1.
        self.zxm_household = hood.blocks[0].grids[0].groups[0].households[0]

    def _jingtai(self) -> None:
        hood = self._hood(JINGTAI, "景泰")
        for i, (buildings, n_grids) in enumerate(((3, 3), (3, 3), (2, 2))):
            block = self._block(hood, f"第{CN_NUMERALS[i]}块区", f"景泰第{CN_NUMERALS[i]}党支部")
            self._stairwell_buildings(
                hood, block, estate="景泰小区", count=buildings, years=(1986, 1994), floors=(6,)
            )
            groups = block.groups
            if i == 1:
                # Planted gap: the last stairwell of the block's last building is in no grid.
                # Its 4 party members have no party group; the grid next door takes it in.
                *groups, gap = groups
                gap.planted_members = 4
            self._grids(hood, block, groups, n_grids)
        # Planted gap: the last grid of 景泰 has no owner representative.
        self.no_owner_rep = hood.grids[-1]

    def _zhaoqing(self) -> None:
        hood = self._hood(ZHAOQING, "肇清")
        # 嘉乐公寓: built 1984, 15 floors, 178 households (10 on the ground floor, 12 above),
        # three building groups by floors, one grid each.
        block = self._block(hood, JIALE, f"{JIALE}党支部")
        building = self._building(block, JIALE, 1984, 15)
        for low, high in ((1, 5), (6, 10), (11, 15)):
            rooms = [
                (f, f"{f}{k:02d}")
                for f in range(low, high + 1)
                for k in range(1, 13 if f > 1 else 11)
            ]
            group = self._group(block, building, f"{low}-{high}层", rooms, big=True)
            self._grid(hood, block, [group])
        # 卫星大楼: one 14-floor tower of 1990, two floor ranges, one grid.
        block = self._block(hood, "卫星大楼", "卫星大楼党支部")
        building = self._building(block, "卫星大楼", 1990, 14)
        groups = [
            self._group(
                block,
                building,
                f"{low}-{high}层",
                [(f, f"{f}{k:02d}") for f in range(low, high + 1) for k in range(1, 5)],
                big=True,
            )
            for low, high in ((1, 7), (8, 14))
        ]
        self._grid(hood, block, groups)
        block = self._block(hood, "肇清新村", "肇清新村党支部")
        self._stairwell_buildings(
            hood, block, estate="肇清新村", count=2, years=(1982, 1988), floors=(6,)
        )
        self._grids(hood, block, block.groups, 2)

    def _small_hoods(self) -> None:
        plans: list[tuple[str, str, list[tuple[str, int, tuple[int, int], tuple[int, ...]]]]] = [
            (
                DAMUQIAO,
                "大木桥",
                [("大木桥一村", 2, (1978, 1983), (6,)), ("大木桥二村", 2, (1983, 1987), (6,))],
            ),
            (DONGAN, "东安", [("东安新村", 2, (1975, 1982), (5, 6))]),
            (
                LINGLING,
                "零陵",
                [("零陵小区", 2, (1995, 1998), (6, 7)), ("零陵公寓", 2, (1996, 1999), (7,))],
            ),
        ]
        for hood_name, short, blocks in plans:
            hood = self._hood(hood_name, short)
            for block_name, buildings, years, floors in blocks:
                block = self._block(hood, block_name, f"{block_name}党支部")
                hood.next_building = 1
                self._stairwell_buildings(
                    hood, block, estate=block_name, count=buildings, years=years, floors=floors
                )
                self._grids(hood, block, block.groups, buildings)

    # --- people -----------------------------------------------------------------------

    def _date(self, year: int) -> date:
        return min(date(year, self.rng.randint(1, 12), self.rng.randint(1, 28)), LATEST)

    def _surname(self) -> str:
        return self.rng.choice(SURNAMES)

    def _given(self, gender: str, birth_year: int) -> str:
        return self.rng.choice(GIVEN_NAMES[(_generation(birth_year), gender)])

    def _couple(self, husband_from: int, husband_to: int, surname: str) -> list[_Person]:
        husband = self.rng.randint(husband_from, husband_to)
        wife = min(husband + self.rng.randint(0, 5), 2000)
        return [_Person("male", husband, surname), _Person("female", wife, self._surname())]

    def _child(self, mother_birth: int, surname: str, lo: int = 24, hi: int = 34) -> _Person:
        born = mother_birth + self.rng.randint(lo, hi)
        if born > 2020:  # no one younger than five: redraw among the recent years
            born = self.rng.randint(max(mother_birth + 20, 2010), 2020)
        return _Person(self.rng.choice(("male", "female")), born, surname)

    def _household_people(self) -> list[_Person]:
        rng = self.rng
        size = rng.choices((1, 2, 3, 4, 5), weights=(25, 35, 20, 13, 7))[0]
        surname = self._surname()
        r = rng.random()
        people: list[_Person]
        if size == 1:
            if r < 0.72:  # an elderly person living alone, more often a widow
                gender = "female" if rng.random() < 0.65 else "male"
                people = [_Person(gender, rng.randint(1935, 1958), surname)]
            else:
                gender = rng.choice(("male", "female"))
                people = [_Person(gender, rng.randint(1968, 2000), surname)]
        elif size == 2:
            if r < 0.62:
                people = self._couple(1935, 1962, surname)
            elif r < 0.82:
                people = self._couple(1963, 1995, surname)
            else:  # an elderly parent and an unmarried child
                parent = _Person(
                    "female" if rng.random() < 0.7 else "male", rng.randint(1935, 1955), surname
                )
                people = [parent, self._child(parent.birth_year, surname)]
        elif size == 3:
            if r < 0.6:
                people = self._couple(1968, 1990, surname)
            else:
                people = self._couple(1938, 1958, surname)
            people.append(self._child(people[1].birth_year, surname))
        elif size == 4:
            if r < 0.5:  # grandparents, their child and a grandchild
                people = self._couple(1940, 1958, surname)
                child = self._child(people[1].birth_year, surname, 24, 30)
                people += [child, self._child(child.birth_year, surname, 25, 33)]
            else:
                people = self._couple(1975, 1990, surname)
                people += [
                    self._child(people[1].birth_year, surname, 24, 29),
                    self._child(people[1].birth_year, surname, 30, 36),
                ]
        else:  # three generations: grandparents, son and daughter-in-law, grandchild
            people = self._couple(1940, 1956, surname)
            son = _Person("male", min(people[1].birth_year + rng.randint(24, 30), 1998), surname)
            daughter_in_law = _Person(
                "female", min(son.birth_year + rng.randint(0, 4), 2000), self._surname()
            )
            people += [son, daughter_in_law, self._child(daughter_in_law.birth_year, surname)]
        # One owner per household (the elder of the couple, either spouse); some young
        # households rent.
        head = people[0] if size == 1 or rng.random() < 0.6 else people[1]
        if head.birth_year >= 1965 and rng.random() < 0.35:
            for p in people:
                p.relation = Relation.TENANT
        else:
            head.relation = Relation.OWNER
            people.remove(head)
            people.insert(0, head)
        for p in people:
            p.name = p.surname + self._given(p.gender, p.birth_year)
        return people

    def _residents(self) -> None:
        rows: list[Resident] = []
        for group in self.groups:
            year_built = self.year_built[group.place.pk]
            for household in group.households:
                if household == self.zxm_household:
                    people = [
                        _Person("male", 1956, "张", Relation.OWNER, WELL_KNOWN_RESIDENT),
                        _Person("female", 1958, "李", Relation.FAMILY, "李秀珍"),
                    ]
                else:
                    people = self._household_people()
                head = people[0]
                lo = max(year_built, head.birth_year + 22)
                if head.relation == Relation.TENANT:
                    base = self.rng.randint(max(lo, 2015), max(lo, 2025))
                else:
                    base = self.rng.randint(lo, max(lo, min(2024, lo + 35)))
                for p in people:
                    moved_in = self._date(max(base, p.birth_year))
                    resident = resident_fields(
                        household=household,
                        name=p.name,
                        gender=p.gender,
                        birth_year=p.birth_year,
                        relation=p.relation,
                        moved_in=moved_in,
                    )
                    rows.append(resident)
                    group.residents.append(resident)
        Resident.objects.bulk_create(rows, batch_size=500)
        assert all(r.pk is not None for r in rows), "the database must return bulk-insert ids"

    def _weighted_sample(self, people: list[Resident], k: int) -> list[Resident]:
        """``k`` distinct residents, the elderly more likely (Efraimidis–Spirakis keys)."""

        def weight(r: Resident) -> float:
            born = r.birth_year or 1980
            return 5.0 if born <= 1960 else 2.0 if born <= 1975 else 1.0

        keyed = [(self.rng.random() ** (1.0 / weight(r)), i) for i, r in enumerate(people)]
        keyed.sort(reverse=True)
        return [people[i] for _key, i in keyed[:k]]

    def _category(self, birth_year: int) -> str:
        if birth_year <= 1965:
            return MemberCategory.RETIRED if self.rng.random() < 0.93 else MemberCategory.OTHER
        if self.rng.random() < 0.75:
            return MemberCategory.EMPLOYED_REGISTERED
        return MemberCategory.OTHER

    def _joined(self, birth_year: int) -> date:
        return self._date(min(birth_year + self.rng.randint(20, 38), 2024))

    def _party_members(self) -> None:
        rows: list[PartyMember] = []
        for group in self.groups:
            if group.planted_members is not None:
                k = group.planted_members
            elif group.big:
                k = self.rng.randint(7, 10)
            else:
                k = self.rng.randint(3, 7)
            adults = [r for r in group.residents if (r.birth_year or 0) <= 2004]
            party_group = group.grid.party_group if group.grid is not None else None
            for resident in sorted(self._weighted_sample(adults, k), key=lambda r: r.pk):
                assert resident.birth_year is not None
                member = PartyMember(
                    resident=resident,
                    name=resident.name,
                    category=self._category(resident.birth_year),
                    joined_on=self._joined(resident.birth_year),
                    group=party_group,
                    path=member_path(resident=resident, serving_grid=None),
                )
                rows.append(member)
                self.members[resident.pk] = member
        # 在职党员双报到: members employed elsewhere who registered to serve in a grid.
        grids = self.hoods[JIANGNAN].grids
        serving = [
            grids[0],
            grids[6],
            grids[17],
            self.hoods[JINGTAI].grids[1],
            self.hoods[ZHAOQING].grids[0],
            self.hoods[LINGLING].grids[0],
        ]
        for g in serving:
            born = self.rng.randint(1975, 1995)
            gender = self.rng.choice(("male", "female"))
            rows.append(
                PartyMember(
                    resident=None,
                    name=self._surname() + self._given(gender, born),
                    category=MemberCategory.EMPLOYED_REGISTERED,
                    joined_on=self._joined(born),
                    group=g.party_group,
                    serving_grid=g.grid,
                    path=member_path(resident=None, serving_grid=g.grid),
                )
            )
        PartyMember.objects.bulk_create(rows, batch_size=500)
        self.say(f"  {len(rows)} party members")

    # --- grid teams -------------------------------------------------------------------

    def _pick(
        self, pool: Iterable[Resident], prefer: Callable[[Resident], bool] | None = None
    ) -> Resident:
        candidates = [r for r in pool if r.pk not in self.taken]
        preferred = [r for r in candidates if prefer(r)] if prefer is not None else []
        choice = self.rng.choice(preferred or candidates)
        self.taken.add(choice.pk)
        return choice

    def _retired_member(self, r: Resident) -> bool:
        """A retired party member aged 60–80: the usual party group leader."""
        return self.members[r.pk].category == MemberCategory.RETIRED and (
            1945 <= (r.birth_year or 0) <= 1965
        )

    def _member_residents(self, g: _Grid) -> list[Resident]:
        return [r for r in g.residents if r.pk in self.members]

    def _teams(self) -> None:
        history = {
            (self.hoods[JIANGNAN].grids[0].grid.pk, GridRole.RESIDENT_GROUP_LEADER),
            (self.hoods[ZHAOQING].grids[0].grid.pk, GridRole.PARTY_GROUP_LEADER),
        }
        for hood in self.hoods.values():
            for g in hood.grids:
                self.taken = set()
                residents = g.residents
                members = self._member_residents(g)

                pools: list[tuple[str, list[Resident], Callable[[Resident], bool]]] = [
                    (GridRole.PARTY_GROUP_LEADER, members, self._retired_member),
                    (
                        GridRole.RESIDENT_GROUP_LEADER,
                        [r for r in residents if (r.birth_year or 2020) <= 1985],
                        lambda r: 1950 <= (r.birth_year or 0) <= 1975,
                    ),
                    (
                        GridRole.OWNER_REPRESENTATIVE,
                        [r for r in residents if r.relation == Relation.OWNER],
                        lambda r: 1950 <= (r.birth_year or 0) <= 1980,
                    ),
                ]
                for role, pool, prefer in pools:
                    if role == GridRole.OWNER_REPRESENTATIVE and g is self.no_owner_rep:
                        continue  # planted gap
                    if (g.grid.pk, role) in history:
                        earlier = self._pick(pool, prefer)
                        appoint_team_member(
                            grid=g.grid, role=role, resident=earlier, starts_on=EARLIER_TERM_START
                        )
                    holder = self._pick(pool, prefer)
                    appoint_team_member(
                        grid=g.grid, role=role, resident=holder, starts_on=TERM_START
                    )
        self.taken = set(
            GridTeamTerm.objects.filter(subtree_q(self.root.path, "grid__path")).values_list(
                "resident_id", flat=True
            )
        )

    def _owners_committee(self) -> None:
        jiale = self.hoods[ZHAOQING].block(JIALE)
        owners = [r for g in jiale.groups for r in g.residents if r.relation == Relation.OWNER]
        chair = self._pick(
            owners, lambda r: r.pk in self.members and 1950 <= (r.birth_year or 0) <= 1965
        )
        create_owners_committee(
            place=jiale.place,
            name=JIALE_OWNERS_COMMITTEE,
            term_start=COMMITTEE_TERM_START,
            chair=chair,
        )

    # --- sign-ins ---------------------------------------------------------------------

    def _users(self) -> None:
        jiangnan = self.hoods[JIANGNAN]
        grid1 = jiangnan.grids[0]
        current = {
            t.role: t.resident
            for t in GridTeamTerm.objects.filter(
                grid=grid1.grid, ends_on__isnull=True
            ).select_related("resident")
        }
        member = next(r for r in grid1.residents if r.pk in self.members and r.pk not in self.taken)
        self.taken.add(member.pk)
        jiale = self.hoods[ZHAOQING].block(JIALE)
        resident = self._pick(
            [
                r
                for g in jiale.groups
                for r in g.residents
                if r.pk not in self.members and (r.birth_year or 2020) <= 2000
            ],
            lambda r: r.relation == Relation.OWNER,
        )
        places: dict[str, tuple[Place | None, Grid | None, Resident | None]] = {
            "admin": (self.root, None, None),
            "jiangnan_secretary": (jiangnan.place, None, None),
            "jingtai_secretary": (self.hoods[JINGTAI].place, None, None),
            "zhaoqing_secretary": (self.hoods[ZHAOQING].place, None, None),
            "social_worker": (jiangnan.place, None, None),
            "branch_secretary": (jiangnan.blocks[0].place, None, None),
            "group_leader": (None, grid1.grid, current[GridRole.PARTY_GROUP_LEADER]),
            "resident_leader": (None, grid1.grid, current[GridRole.RESIDENT_GROUP_LEADER]),
            "owner_rep": (None, grid1.grid, current[GridRole.OWNER_REPRESENTATIVE]),
            "party_member": (member.household, None, member),
            "resident": (resident.household, None, resident),
            "volunteer_leader": (jiangnan.place, None, None),
            "auditor": (self.root, None, None),
        }
        # One hash serves every demo sign-in: they share the published password.
        password_hash = make_password(DEMO_PASSWORD)
        for username, role, _where in DEMO_USERS:
            place, grid, person = places[username]
            user = create_user(
                username=username,
                password_hash=password_hash,
                display_name=person.name if person is not None else STAFF_DISPLAY_NAMES[username],
                resident=person,
            )
            if username == "admin":
                user.is_superuser = True
                user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
            assign_role(user=user, role=role, starts_on=ROLES_START, place=place, grid=grid)


# --- Public API ---------------------------------------------------------------------------


def demo_root() -> Place | None:
    return Place.objects.filter(kind=PlaceKind.SUBDISTRICT, name=SUBDISTRICT_NAME).first()


def load_demo(*, stdout: Writer | None = None) -> bool:
    """Load the demo sub-district; True if loaded, False if it was already there."""
    if demo_root() is not None:
        if stdout is not None:
            stdout.write(f"The demo sub-district {SUBDISTRICT_NAME} is already loaded.\n")
        return False
    started = time.monotonic()
    if stdout is not None:
        stdout.write(f"Loading the demo sub-district {SUBDISTRICT_NAME} ({DISTRICT_NAME}) …\n")
    with transaction.atomic():
        _Builder(stdout).build()
        root = demo_root()
        assert root is not None
        load_personal_numbers(root.path)
        cases = load_cases()
        cycle = load_cycle()
        volunteers = load_volunteers()
        activities = load_activities()
        if stdout is not None:
            stdout.write(
                f"  the three firsts: {cases['issues']} issues; {cases['appeals']} appeals; "
                + ", ".join(f"{n} {what}" for what, n in cycle.items())
                + "\n"
            )
            stdout.write(
                "  neighbours who help: "
                + ", ".join(f"{n} {what}" for what, n in {**volunteers, **activities}.items())
                + "\n"
            )
    if stdout is not None:
        counts = demo_counts()
        stdout.write(
            f"Loaded in {time.monotonic() - started:.1f} s: "
            + ", ".join(f"{n} {what}" for what, n in counts.items())
            + "\n"
        )
    return True


def demo_counts() -> dict[str, int]:
    """How many of each kind of record the demo sub-district holds (0s when not loaded)."""
    root = demo_root()
    if root is None:
        return {}
    under = subtree_q(root.path)
    by_kind = dict(
        Place.objects.filter(under)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return {
        "neighborhoods": by_kind.get(PlaceKind.NEIGHBORHOOD, 0),
        "blocks": by_kind.get(PlaceKind.BLOCK, 0),
        "buildings": by_kind.get(PlaceKind.BUILDING, 0),
        "building groups": by_kind.get(PlaceKind.BUILDING_GROUP, 0),
        "grids": Grid.objects.filter(under).count(),
        "households": by_kind.get(PlaceKind.HOUSEHOLD, 0),
        "residents": Resident.objects.filter(under).count(),
        "party organisations": PartyOrg.objects.filter(subtree_q(root.path, "scope_path")).count(),
        "party members": PartyMember.objects.filter(under).count(),
        "grid team terms": GridTeamTerm.objects.filter(subtree_q(root.path, "grid__path")).count(),
        "sign-ins": User.objects.filter(username__in=[u for u, _r, _w in DEMO_USERS]).count(),
    }


def _force_delete(queryset: models.QuerySet[Any], depth: int = 0) -> None:
    """Delete ``queryset``; first delete whatever protects its rows (records other apps
    keep about demo places and people), however deep."""
    if depth > 10:
        raise RuntimeError("cannot delete the demo data: protected records nest too deep")
    while True:
        try:
            with transaction.atomic():
                queryset.delete()
            return
        except (ProtectedError, RestrictedError) as exc:
            blockers: Iterable[models.Model] = (
                exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            )
            by_model: dict[type[models.Model], list[Any]] = {}
            for obj in blockers:
                by_model.setdefault(type(obj), []).append(obj.pk)
            for model, pks in by_model.items():
                _force_delete(model._base_manager.filter(pk__in=pks), depth + 1)


def delete_demo(*, stdout: Writer | None = None) -> bool:
    """Delete the demo sub-district, everything in it and the demo sign-ins."""
    with transaction.atomic():
        _force_delete(User.objects.filter(username__in=[u for u, _r, _w in DEMO_USERS]))
        root = demo_root()
        if root is None:
            return False
        path = root.path
        delete_activities(path)
        delete_volunteers(path)
        _force_delete(
            RoleAssignment.objects.filter(
                subtree_q(path, "place__path") | subtree_q(path, "grid__path")
            )
        )
        _force_delete(GridTeamTerm.objects.filter(subtree_q(path, "grid__path")))
        _force_delete(PartyMember.objects.filter(subtree_q(path)))
        _force_delete(PartyOrg.objects.filter(subtree_q(path, "scope_path")))
        _force_delete(OwnersCommittee.objects.filter(subtree_q(path)))
        _force_delete(Resident.objects.filter(subtree_q(path)))
        Place.objects.filter(subtree_q(path), grid__isnull=False).update(grid=None)
        _force_delete(Grid.objects.filter(subtree_q(path)))
        _force_delete(Place.objects.filter(subtree_q(path)))
    if stdout is not None:
        stdout.write(f"Deleted the demo sub-district {SUBDISTRICT_NAME} and its sign-ins.\n")
    return True


def sign_in_rows() -> list[tuple[str, str, str, str, str]]:
    """(username, password, role, where, display name) of each demo sign-in; for a role held
    at a household, ``where`` names the building, building group and room."""
    usernames = [u for u, _r, _w in DEMO_USERS]
    names = dict(
        User.objects.filter(username__in=usernames).values_list("username", "display_name")
    )
    households = {
        a.user.username: a.place
        for a in RoleAssignment.objects.filter(
            user__username__in=usernames, place__kind=PlaceKind.HOUSEHOLD
        ).select_related("user", "place")
    }
    rows = []
    for username, role, where in DEMO_USERS:
        household = households.get(username)
        if household is not None:
            # building, building group and household: the last three steps of the path
            paths = [household.path[:i] for i in (-2 * Place.steplen, -Place.steplen)]
            above = dict(Place.objects.filter(path__in=paths).values_list("path", "name"))
            room = "".join(above.get(p, "") for p in paths) + household.name
            where = f"{where}: {room}"
        rows.append(
            (
                username,
                DEMO_PASSWORD,
                f"{Role(role).label} ({role})",
                where,
                names.get(username, ""),
            )
        )
    return rows
