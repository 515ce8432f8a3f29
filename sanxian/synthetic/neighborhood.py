"""One synthetic neighborhood, built in memory and written through the bulk inserter.

Every random choice of a neighborhood comes from its own ``random.Random`` seeded with
(seed, sub-district number, neighborhood number), so a neighborhood is the same whichever
tier builds it and whatever was built before it. The neighborhood holds its territory
(blocks → buildings → building groups → households), residents, party organisations and
members, grids and their three-person teams, owners' committees, sign-ins, and — built by
``cycle``, ``workflow`` and ``community`` — a year of meetings, issues, appeals,
volunteering and activities up to ``today``.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from stdnum.cn import ric

from sanxian import personal_data
from sanxian.accounts.models import Role, RoleAssignment, User
from sanxian.demo.xietu import GIVEN_NAMES, SURNAMES
from sanxian.grids.models import Grid, GridRole, GridTeamTerm
from sanxian.party.models import MemberCategory, PartyMember, PartyOrg, PartyOrgKind
from sanxian.places.models import Gender, OwnersCommittee, Place, PlaceKind, Relation, Resident
from sanxian.places.paths import STEP_LENGTH
from sanxian.places.services import name_pinyin
from sanxian.synthetic import texts
from sanxian.synthetic.bulk import Rows, table_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's MP_Node alphabet


def step(n: int) -> str:
    """The ``n``-th child's path step (1-based), as treebeard writes it: base 36, padded."""
    digits = ""
    while n:
        n, r = divmod(n, len(_ALPHABET))
        digits = _ALPHABET[r] + digits
    return digits.rjust(STEP_LENGTH, _ALPHABET[0])


def step_number(path: str) -> int:
    """The number of the last step of ``path`` (the inverse of ``step``)."""
    return int(path[-STEP_LENGTH:], len(_ALPHABET))


def aware(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@lru_cache(maxsize=100_000)
def pinyin(name: str) -> tuple[str, str]:
    return name_pinyin(name)


# --- What the sub-district gives each neighborhood -------------------------------------


@dataclass(frozen=True)
class Category:
    id: int
    name: str
    response_hours: int
    working_days: int
    weight: int


@dataclass(frozen=True)
class Rule:
    """The sub-district's cycle rule, as plain values."""

    days: dict[str, int]
    times: dict[str, time]
    duration: timedelta
    venue: str
    quorum: int
    policy: str
    invitees: dict[str, list[str]]


@dataclass(frozen=True)
class Context:
    """What a neighborhood needs from outside; plain values (it is sent to worker
    processes). ``root_ref`` is the sub-district's key negated: a reference to a row that
    exists already (see ``bulk``)."""

    seed: int
    today: date
    now: datetime
    sd: int
    root_ref: int
    root_path: str
    password: str
    categories: tuple[Category, ...]
    skills: dict[str, int]
    rule: Rule

    @property
    def year(self) -> int:
        return self.today.year


# --- The neighborhood in memory -----------------------------------------------------------


@dataclass(slots=True, eq=False)
class Person:
    id: int
    name: str
    gender: str
    birth_year: int
    relation: str
    home: Home
    member_id: int | None = None
    member_category: str = ""


@dataclass(slots=True, eq=False)
class Home:
    id: int
    path: str
    room: str
    group: Group
    people: list[Person] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Group:
    id: int
    path: str
    name: str
    building: Building
    floors: tuple[int, int]
    homes: list[Home] = field(default_factory=list)
    grid: GridInfo | None = None

    @property
    def residents(self) -> list[Person]:
        return [p for h in self.homes for p in h.people]


@dataclass(slots=True, eq=False)
class Building:
    id: int
    path: str
    name: str
    block: Block
    floors: int
    year_built: int
    groups: list[Group] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Block:
    id: int
    path: str
    name: str
    estate: str
    branch_id: int
    branch_path: str
    buildings: list[Building] = field(default_factory=list)
    grids: list[GridInfo] = field(default_factory=list)

    @property
    def groups(self) -> list[Group]:
        return [g for b in self.buildings for g in b.groups]


@dataclass(slots=True, eq=False)
class GridInfo:
    id: int
    number: int
    name: str
    block: Block
    party_group_id: int
    groups: list[Group] = field(default_factory=list)
    team: dict[str, Person] = field(default_factory=dict)

    @property
    def residents(self) -> list[Person]:
        return [p for g in self.groups for p in g.residents]


@dataclass(slots=True, eq=False)
class Member:
    id: int
    name: str
    path: str
    person: Person | None


@dataclass(slots=True, eq=False)
class MeetingInfo:
    id: int
    kind: str
    starts: datetime
    ends: datetime
    held: bool
    attended: int = 0
    issue_items: int = 0
    on_agenda: set[int] = field(default_factory=set)

    @property
    def decided_at(self) -> datetime:
        return self.ends - timedelta(minutes=15)


@dataclass
class Users:
    secretary: int = 0
    social_workers: list[int] = field(default_factory=list)
    volunteer_leader: int = 0
    party_member: int = 0
    names: dict[int, str] = field(default_factory=dict)


# --- Household composition (ages relative to ``today``) ----------------------------------


def _generation(age: int) -> str:
    if age >= 70:
        return "old"
    if age >= 46:
        return "mid"
    if age >= 26:
        return "young"
    return "kid"


@dataclass(slots=True, eq=False)
class _Draft:
    gender: str
    birth_year: int
    surname: str
    relation: str = Relation.FAMILY
    name: str = ""


# Household sizes and their weights: about 2.75 people a household.
SIZES = (1, 2, 3, 4, 5, 6)
SIZE_WEIGHTS = (17, 32, 25, 15, 8, 3)
MEMBER_SHARE = 0.08  # party members among residents
ID_NUMBER_SHARE = 0.35  # residents with a sealed identity card number on record
PHONE_SHARE = 0.35  # residents with a sealed mobile number on record
GRIDS = 10


class Neighborhood:
    """Builds one neighborhood; ``build()`` adds every row to the inserter."""

    def __init__(self, ctx: Context, number: int, path: str, branch_path: str) -> None:
        self.ctx = ctx
        self.ins = Rows(stamp=ctx.now)
        self.number = number
        self.path = path
        self.branch_path = branch_path
        # Made-up data, not secrets: a seeded generator is the point.
        self.rng = random.Random(f"sanxian-synthetic:{ctx.seed}:{ctx.sd}:{number}")  # noqa: S311
        self.short = texts.neighborhood_short(ctx.sd, number)
        self.name = texts.neighborhood_name(ctx.sd, number)
        self.id = 0
        self.general_branch_id = 0
        self.blocks: list[Block] = []
        self.groups: list[Group] = []
        self.grids: list[GridInfo] = []
        self.people: list[Person] = []
        self.members: list[Member] = []
        self.member_of: dict[int, Member] = {}  # person id → member
        self.users = Users()
        self.meetings: list[MeetingInfo] = []
        self._meeting_starts: dict[str, list[datetime]] = {}
        self.meetings_by_kind: dict[str, list[MeetingInfo]] = {}
        self.taken: set[int] = set()  # people holding a post or a sign-in
        self._members_by_path: dict[str, list[Member]] | None = None
        self._people_by_path: dict[str, list[Person]] | None = None
        # year offset: the household patterns are written for 2025
        self.shift = ctx.today.year - 2025

    # --- helpers ----------------------------------------------------------------------

    def when(self, start: datetime, days_from: float, days_to: float) -> datetime:
        """A moment between ``days_from`` and ``days_to`` days after ``start``."""
        return start + timedelta(days=self.rng.uniform(days_from, days_to))

    def daytime(self, moment: datetime, first: int = 8, last: int = 20) -> datetime:
        """``moment``'s day at a random time of working hours."""
        local = moment.astimezone(SHANGHAI)
        return aware(local.date(), self.rng.randint(first, last), self.rng.randrange(60))

    def date_in(self, year: int) -> date:
        return min(date(year, self.rng.randint(1, 12), self.rng.randint(1, 28)), self.ctx.today)

    def next_meeting(
        self, kinds: tuple[str, ...], after: datetime, skip: float = 0.0
    ) -> MeetingInfo | None:
        """The first held meeting of ``kinds`` starting after ``after``; with probability
        ``skip`` each, a meeting is passed over for the next one."""
        found: list[MeetingInfo] = []
        for kind in kinds:
            starts = self._meeting_starts.get(kind, [])
            meetings = self.meetings_by_kind.get(kind, [])
            i = bisect_left(starts, after)
            while i < len(meetings) and not meetings[i].held:
                i += 1
            if i < len(meetings):
                found.append(meetings[i])
        if not found:
            return None
        meeting = min(found, key=lambda m: m.starts)
        if skip and self.rng.random() < skip:
            return self.next_meeting(kinds, meeting.starts + timedelta(hours=1), skip)
        return meeting

    def index_meetings(self) -> None:
        self.meetings.sort(key=lambda m: (m.starts, m.kind))
        for m in self.meetings:
            self.meetings_by_kind.setdefault(m.kind, []).append(m)
            self._meeting_starts.setdefault(m.kind, []).append(m.starts)

    def members_under(self, path: str) -> list[Member]:
        """The party members living (or, registered, serving) at or under ``path``."""
        if self._members_by_path is None:
            self._members_by_path = {}
            for m in self.members:
                for end in range(2 * STEP_LENGTH, len(m.path) + 1, STEP_LENGTH):
                    self._members_by_path.setdefault(m.path[:end], []).append(m)
        return self._members_by_path.get(path, [])

    def residents_under(self, path: str) -> list[Person]:
        if self._people_by_path is None:
            self._people_by_path = {}
            for p in self.people:
                home = p.home.path
                for end in range(2 * STEP_LENGTH, len(home) + 1, STEP_LENGTH):
                    self._people_by_path.setdefault(home[:end], []).append(p)
        return self._people_by_path.get(path, [])

    # --- the whole neighborhood -------------------------------------------------------

    def build(self) -> None:
        from sanxian.synthetic import community, cycle, workflow

        self.territory()
        self.residents()
        self.party_members()
        self.grid_teams()
        self.owners_committees()
        self.sign_ins()
        cycle.build(self)
        workflow.build(self)
        community.build(self)

    # --- territory and the party tree -------------------------------------------------

    def _building_plans(self) -> list[tuple[int, int, int]]:
        """(floors, stairwells, households per floor and stairwell) of each building, until
        the neighborhood has about 1 500 households."""
        rng = self.rng
        # The last building overshoots by half a building (~35 households) on average.
        target = rng.randint(1390, 1540)
        plans: list[tuple[int, int, int]] = []
        households = 0
        while households < target:
            floors = rng.choice((6, 6, 6, 7, 7, 8, 11, 12, 14, 16, 18, 20))
            if floors <= 8:
                units, per_floor = rng.choice((2, 3)), 2
            else:
                units, per_floor = rng.choice((1, 1, 2)), rng.choice((4, 4, 6))
            plans.append((floors, units, per_floor))
            households += floors * units * per_floor
        return plans

    def territory(self) -> None:
        ins, rng = self.ins, self.rng
        plans = self._building_plans()
        n_blocks = min(rng.choice((2, 3, 3, 4)), len(plans))
        self.id = ins.new_id(Place)
        self.general_branch_id = ins.new_id(PartyOrg)
        # Buildings in order, cut into blocks of about equal size.
        per_block = [
            plans[len(plans) * b // n_blocks : len(plans) * (b + 1) // n_blocks]
            for b in range(n_blocks)
        ]
        for b, block_plans in enumerate(per_block):
            path = self.path + step(b + 1)
            estate = self.short + texts.ESTATE_SUFFIXES[b % len(texts.ESTATE_SUFFIXES)]
            block = Block(
                id=ins.new_id(Place),
                path=path,
                name=f"第{texts.CN_NUMERALS[b]}块区",
                estate=estate,
                branch_id=ins.new_id(PartyOrg),
                branch_path=self.branch_path + step(b + 1),
            )
            self.blocks.append(block)
            for k, (floors, units, per_floor) in enumerate(block_plans, start=1):
                building = Building(
                    id=ins.new_id(Place),
                    path=path + step(k),
                    name=f"{estate}{k}号",
                    block=block,
                    floors=floors,
                    year_built=(
                        rng.randint(1978, 1998) if floors <= 8 else rng.randint(1990, 2012)
                    ),
                )
                block.buildings.append(building)
                self._groups_of(building, units, per_floor)
        self._cut_grids()
        self._write_territory()

    def _groups_of(self, building: Building, units: int, per_floor: int) -> None:
        """Low-rise: one building group per stairwell; towers: floor spans of 5–7 floors."""
        spans: list[tuple[int, int]] = []
        if building.floors <= 8:
            spans = [(1, building.floors)]
        else:
            low = 1
            while low <= building.floors:
                high = min(low + self.rng.randint(4, 6), building.floors)
                if building.floors - high < 3:
                    high = building.floors
                spans.append((low, high))
                low = high + 1
        n = 0
        for unit in range(1, units + 1):
            for low, high in spans:
                n += 1
                if len(spans) == 1:
                    name = f"{unit}单元"
                elif units == 1:
                    name = f"{low}-{high}层"
                else:
                    name = f"{unit}单元{low}-{high}层"
                group = Group(
                    id=self.ins.new_id(Place),
                    path=building.path + step(n),
                    name=name,
                    building=building,
                    floors=(low, high),
                )
                building.groups.append(group)
                self.groups.append(group)
                h = 0
                for floor in range(low, high + 1):
                    for j in range(per_floor):
                        h += 1
                        room = f"{floor}{(unit - 1) * per_floor + j + 1:02d}"
                        group.homes.append(
                            Home(
                                id=self.ins.new_id(Place),
                                path=group.path + step(h),
                                room=room,
                                group=group,
                            )
                        )

    def _cut_grids(self) -> None:
        """Ten grids, shared among the blocks by their building groups (at least one
        each), each a run of adjacent building groups of one block."""
        sizes = [len(b.groups) for b in self.blocks]
        total = sum(sizes)
        grids = min(GRIDS, total)
        shares = [max(1, min(s, grids * s // total)) for s in sizes]
        while sum(shares) < grids:
            i = max(range(len(sizes)), key=lambda k: (sizes[k] / shares[k], -k))
            if shares[i] >= sizes[i]:
                break
            shares[i] += 1
        while sum(shares) > grids:
            i = max(range(len(sizes)), key=lambda k: (shares[k] > 1, shares[k] / sizes[k]))
            shares[i] -= 1
        number = 0
        for block, count in zip(self.blocks, shares, strict=True):
            groups = block.groups
            base, extra = divmod(len(groups), count)
            bigger = set(self.rng.sample(range(count), extra))
            start = 0
            for i in range(count):
                size = base + (1 if i in bigger else 0)
                number += 1
                name = f"{self.short}第{number}网格"
                grid = GridInfo(
                    id=self.ins.new_id(Grid),
                    number=number,
                    name=name,
                    block=block,
                    party_group_id=self.ins.new_id(PartyOrg),
                    groups=groups[start : start + size],
                )
                for group in grid.groups:
                    group.grid = grid
                block.grids.append(grid)
                self.grids.append(grid)
                start += size

    def _write_territory(self) -> None:
        ins, ctx = self.ins, self.ctx
        road = texts.ROADS[(ctx.sd + self.number) % len(texts.ROADS)]
        place: dict[str, Any] = {"district": "", "address": ""}
        ins.add(
            Place,
            {
                **place,
                "id": self.id,
                "path": self.path,
                "depth": 2,
                "numchild": len(self.blocks),
                "kind": PlaceKind.NEIGHBORHOOD,
                "name": self.name,
                "address": f"{road}{'东西南北'[self.number % 4]}路{100 + self.number * 7}号",
            },
        )
        ins.add(
            PartyOrg,
            {
                "id": self.general_branch_id,
                "path": self.branch_path,
                "depth": 2,
                "numchild": len(self.blocks),
                "kind": PartyOrgKind.GENERAL_BRANCH,
                "name": f"{self.name}党总支",
                "place_id": self.id,
                "grid_id": None,
                "scope_path": self.path,
            },
        )
        for b, block in enumerate(self.blocks):
            ins.add(
                Place,
                {
                    **place,
                    "id": block.id,
                    "path": block.path,
                    "depth": 3,
                    "numchild": len(block.buildings),
                    "kind": PlaceKind.BLOCK,
                    "name": block.name,
                },
            )
            ins.add(
                PartyOrg,
                {
                    "id": block.branch_id,
                    "path": block.branch_path,
                    "depth": 3,
                    "numchild": len(block.grids),
                    "kind": PartyOrgKind.BRANCH,
                    "name": f"{self.short}第{texts.CN_NUMERALS[b]}党支部",
                    "place_id": block.id,
                    "grid_id": None,
                    "scope_path": block.path,
                },
            )
            for g, grid in enumerate(block.grids, start=1):
                ins.add(
                    Grid,
                    {
                        "id": grid.id,
                        "block_id": block.id,
                        "path": block.path,
                        "number": grid.number,
                        "name": grid.name,
                    },
                )
                ins.add(
                    PartyOrg,
                    {
                        "id": grid.party_group_id,
                        "path": block.branch_path + step(g),
                        "depth": 4,
                        "numchild": 0,
                        "kind": PartyOrgKind.GROUP,
                        "name": f"{grid.name}党小组",
                        "place_id": None,
                        "grid_id": grid.id,
                        "scope_path": block.path,
                    },
                )
            for building in block.buildings:
                ins.add(
                    Place,
                    {
                        **place,
                        "id": building.id,
                        "path": building.path,
                        "depth": 4,
                        "numchild": len(building.groups),
                        "kind": PlaceKind.BUILDING,
                        "name": building.name,
                        "year_built": building.year_built,
                        "floors": building.floors,
                    },
                )
                for group in building.groups:
                    assert group.grid is not None
                    ins.add(
                        Place,
                        {
                            **place,
                            "id": group.id,
                            "path": group.path,
                            "depth": 5,
                            "numchild": len(group.homes),
                            "kind": PlaceKind.BUILDING_GROUP,
                            "name": group.name,
                            "floor_from": group.floors[0],
                            "floor_to": group.floors[1],
                            "grid_id": group.grid.id,
                        },
                    )
                    for home in group.homes:
                        ins.add(
                            Place,
                            {
                                **place,
                                "id": home.id,
                                "path": home.path,
                                "depth": 6,
                                "numchild": 0,
                                "kind": PlaceKind.HOUSEHOLD,
                                "name": f"{home.room}室",
                                "floor": int(home.room[:-2]),
                                "room": home.room,
                            },
                        )

    # --- residents --------------------------------------------------------------------

    def surname(self) -> str:
        return self.rng.choice(SURNAMES)

    def given(self, gender: str, birth_year: int) -> str:
        return self.rng.choice(GIVEN_NAMES[(_generation(self.ctx.year - birth_year), gender)])

    def person_name(self, gender: str | None = None, birth_year: int | None = None) -> str:
        gender = gender or self.rng.choice((Gender.MALE, Gender.FEMALE))
        birth_year = birth_year or self.rng.randint(self.ctx.year - 60, self.ctx.year - 30)
        return self.surname() + self.given(gender, birth_year)

    def _couple(self, lo: int, hi: int, surname: str) -> list[_Draft]:
        husband = self.rng.randint(lo + self.shift, hi + self.shift)
        wife = min(husband + self.rng.randint(0, 5), self.ctx.year - 22)
        return [_Draft(Gender.MALE, husband, surname), _Draft(Gender.FEMALE, wife, self.surname())]

    def _child(self, mother: int, surname: str, lo: int = 24, hi: int = 34) -> _Draft:
        born = mother + self.rng.randint(lo, hi)
        if born > self.ctx.year - 5:  # nobody younger than five: redraw among recent years
            born = self.rng.randint(min(mother + 20, self.ctx.year - 15), self.ctx.year - 5)
        return _Draft(self.rng.choice((Gender.MALE, Gender.FEMALE)), born, surname)

    def _household(self) -> list[_Draft]:
        """A household's people (the demo's patterns, shifted to ``today``)."""
        rng, s = self.rng, self.shift
        size = rng.choices(SIZES, weights=SIZE_WEIGHTS)[0]
        surname = self.surname()
        r = rng.random()
        people: list[_Draft]
        if size == 1:
            if r < 0.72:
                gender = Gender.FEMALE if rng.random() < 0.65 else Gender.MALE
                people = [_Draft(gender, rng.randint(1935 + s, 1958 + s), surname)]
            else:
                gender = rng.choice((Gender.MALE, Gender.FEMALE))
                people = [_Draft(gender, rng.randint(1968 + s, 2000 + s), surname)]
        elif size == 2:
            if r < 0.55:
                people = self._couple(1935, 1962, surname)
            elif r < 0.8:
                people = self._couple(1963, 1995, surname)
            else:
                parent = _Draft(
                    Gender.FEMALE if rng.random() < 0.7 else Gender.MALE,
                    rng.randint(1935 + s, 1955 + s),
                    surname,
                )
                people = [parent, self._child(parent.birth_year, surname)]
        elif size == 3:
            people = (
                self._couple(1968, 1990, surname) if r < 0.6 else self._couple(1938, 1958, surname)
            )
            people.append(self._child(people[1].birth_year, surname))
        elif size == 4:
            if r < 0.5:
                people = self._couple(1940, 1958, surname)
                child = self._child(people[1].birth_year, surname, 24, 30)
                people += [child, self._child(child.birth_year, surname, 25, 33)]
            else:
                people = self._couple(1975, 1990, surname)
                people += [
                    self._child(people[1].birth_year, surname, 24, 29),
                    self._child(people[1].birth_year, surname, 30, 36),
                ]
        else:
            people = self._couple(1940, 1956, surname)
            son_born = min(people[1].birth_year + rng.randint(24, 30), self.ctx.year - 25)
            son = _Draft(Gender.MALE, son_born, surname)
            wife = _Draft(
                Gender.FEMALE,
                min(son.birth_year + rng.randint(0, 4), self.ctx.year - 22),
                self.surname(),
            )
            people += [son, wife, self._child(wife.birth_year, surname)]
            if size == 6:
                people.append(self._child(wife.birth_year, surname, 28, 36))
        head = people[0] if size == 1 or rng.random() < 0.6 else people[1]
        if head.birth_year >= 1965 + s and rng.random() < 0.35:
            for p in people:
                p.relation = Relation.TENANT
        else:
            head.relation = Relation.OWNER
            people.remove(head)
            people.insert(0, head)
        for p in people:
            p.name = p.surname + self.given(p.gender, p.birth_year)
        return people

    def residents(self) -> None:
        ctx, ins, rng = self.ctx, self.ins, self.rng
        region = texts.REGIONS[(ctx.sd - 1) % len(texts.REGIONS)]
        # The sequence part of the identity card numbers: a range of its own for each
        # neighborhood of the sub-district, so numbers never repeat across neighborhoods.
        seq_base = ((self.number - 1) % texts.NEIGHBORHOODS_PER_SUBDISTRICT) * 50
        taken: set[str] = set()
        for group in self.groups:
            year_built = group.building.year_built
            for home in group.homes:
                drafts = self._household()
                head = drafts[0]
                lo = max(year_built, head.birth_year + 22)
                if head.relation == Relation.TENANT:
                    base = rng.randint(max(lo, ctx.year - 10), max(lo, ctx.year))
                else:
                    base = rng.randint(lo, max(lo, min(ctx.year - 1, lo + 35)))
                for d in drafts:
                    person = Person(
                        id=ins.new_id(Resident),
                        name=d.name,
                        gender=d.gender,
                        birth_year=d.birth_year,
                        relation=d.relation,
                        home=home,
                    )
                    home.people.append(person)
                    self.people.append(person)
                    full, initials = pinyin(d.name)
                    row: dict[str, Any] = {
                        "id": person.id,
                        "household_id": home.id,
                        "path": home.path,
                        "name": d.name,
                        "name_pinyin": full,
                        "name_initials": initials,
                        "gender": d.gender,
                        "birth_year": d.birth_year,
                        "relation": d.relation,
                        "moved_in": self.date_in(min(max(base, d.birth_year), ctx.year)),
                    }
                    adult = ctx.year - d.birth_year >= 16
                    if adult and rng.random() < ID_NUMBER_SHARE:
                        number = self._id_number(region, seq_base, d, taken)
                        sealed = personal_data.seal(number)
                        row["id_number_sealed"] = sealed.sealed
                        row["id_number_digest"] = sealed.digest
                        row["id_number_last4"] = sealed.last4
                    if adult and rng.random() < PHONE_SHARE:
                        phone = rng.choice(texts.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                        sealed = personal_data.seal(phone)
                        row["phone_sealed"] = sealed.sealed
                        row["phone_digest"] = sealed.digest
                        row["phone_last4"] = sealed.last4
                    ins.add(Resident, row)

    def _id_number(self, region: str, seq_base: int, d: _Draft, taken: set[str]) -> str:
        rng = self.rng
        while True:
            born = date(d.birth_year, 1, 1) + timedelta(days=rng.randrange(365))
            seq = seq_base + rng.randrange(25) * 2 + (1 if d.gender == Gender.MALE else 0)
            body = f"{region}{born:%Y%m%d}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in taken:
                taken.add(number)
                return number

    # --- party members ----------------------------------------------------------------

    def _weighted_sample(self, people: list[Person], k: int) -> list[Person]:
        """``k`` distinct people, the elderly more likely (Efraimidis–Spirakis keys)."""
        year = self.ctx.year

        def weight(p: Person) -> float:
            age = year - p.birth_year
            return 5.0 if age >= 65 else 2.0 if age >= 50 else 1.0

        keyed = sorted(
            ((self.rng.random() ** (1.0 / weight(p)), i) for i, p in enumerate(people)),
            reverse=True,
        )
        return [people[i] for _key, i in keyed[:k]]

    def _category(self, birth_year: int) -> str:
        if self.ctx.year - birth_year >= 60:
            return MemberCategory.RETIRED if self.rng.random() < 0.93 else MemberCategory.OTHER
        if self.rng.random() < 0.75:
            return MemberCategory.EMPLOYED_REGISTERED
        return MemberCategory.OTHER

    def _joined(self, birth_year: int) -> date:
        return self.date_in(min(birth_year + self.rng.randint(20, 38), self.ctx.year - 1))

    def party_members(self) -> None:
        """About 8 % of the residents, spread over the building groups (the elderly more
        often), each in the party group of their grid; and two members employed elsewhere
        who registered to serve in a grid (在职党员双报到)."""
        ins, rng = self.ins, self.rng
        for group in self.groups:
            residents = group.residents
            adults = [p for p in residents if self.ctx.year - p.birth_year >= 20]
            expected = len(residents) * MEMBER_SHARE
            k = min(len(adults), max(0, round(expected + rng.uniform(-1.2, 1.2))))
            assert group.grid is not None
            for person in sorted(self._weighted_sample(adults, k), key=lambda p: p.id):
                category = self._category(person.birth_year)
                member = Member(
                    id=ins.new_id(PartyMember),
                    name=person.name,
                    path=person.home.path,
                    person=person,
                )
                person.member_id = member.id
                person.member_category = category
                self.members.append(member)
                self.member_of[person.id] = member
                ins.add(
                    PartyMember,
                    {
                        "id": member.id,
                        "resident_id": person.id,
                        "name": person.name,
                        "category": category,
                        "joined_on": self._joined(person.birth_year),
                        "group_id": group.grid.party_group_id,
                        "serving_grid_id": None,
                        "path": member.path,
                    },
                )
        for grid in rng.sample(self.grids, min(2, len(self.grids))):
            born = rng.randint(self.ctx.year - 50, self.ctx.year - 28)
            gender = rng.choice((Gender.MALE, Gender.FEMALE))
            name = self.surname() + self.given(gender, born)
            member = Member(
                id=ins.new_id(PartyMember), name=name, path=grid.block.path, person=None
            )
            self.members.append(member)
            ins.add(
                PartyMember,
                {
                    "id": member.id,
                    "resident_id": None,
                    "name": name,
                    "category": MemberCategory.EMPLOYED_REGISTERED,
                    "joined_on": self._joined(born),
                    "group_id": grid.party_group_id,
                    "serving_grid_id": grid.id,
                    "path": member.path,
                },
            )

    # --- grid teams, owners' committees -------------------------------------------------

    def _pick(self, pool: list[Person], prefer: Any = None) -> Person | None:
        candidates = [p for p in pool if p.id not in self.taken]
        preferred = [p for p in candidates if prefer(p)] if prefer is not None else []
        if not (preferred or candidates):
            return None
        choice = self.rng.choice(preferred or candidates)
        self.taken.add(choice.id)
        return choice

    def grid_teams(self) -> None:
        """Each grid's three-person team, from the people living in the grid: a party
        member (retired, 60–80, preferred) leads, a resident group leader, an owner
        representative; terms since the last election."""
        year = self.ctx.year
        term_start = date(year - 5, 5, 1)
        earlier_start = date(year - 10, 5, 1)
        for n, grid in enumerate(self.grids):
            residents = grid.residents
            members = [p for p in residents if p.member_id is not None]
            pools: list[tuple[str, list[Person], Any]] = [
                (
                    GridRole.PARTY_GROUP_LEADER,
                    members,
                    lambda p: (
                        p.member_category == MemberCategory.RETIRED
                        and 60 <= year - p.birth_year <= 80
                    ),
                ),
                (
                    GridRole.RESIDENT_GROUP_LEADER,
                    [p for p in residents if year - p.birth_year >= 40],
                    lambda p: 50 <= year - p.birth_year <= 75,
                ),
                (
                    GridRole.OWNER_REPRESENTATIVE,
                    [p for p in residents if p.relation == Relation.OWNER],
                    lambda p: 45 <= year - p.birth_year <= 75,
                ),
            ]
            for role, pool, prefer in pools:
                if n == 0 and role == GridRole.RESIDENT_GROUP_LEADER:
                    # The first grid keeps the history of an earlier term.
                    earlier = self._pick(pool, prefer)
                    if earlier is not None:
                        self.ins.add(
                            GridTeamTerm,
                            {
                                "grid_id": grid.id,
                                "role": role,
                                "resident_id": earlier.id,
                                "starts_on": earlier_start,
                                "ends_on": term_start,
                            },
                        )
                holder = self._pick(pool, prefer)
                if holder is None:
                    continue
                grid.team[role] = holder
                self.ins.add(
                    GridTeamTerm,
                    {
                        "grid_id": grid.id,
                        "role": role,
                        "resident_id": holder.id,
                        "starts_on": term_start,
                        "ends_on": None,
                    },
                )

    def owners_committees(self) -> None:
        """An owners' committee for the estates that are not old low-rise 新村."""
        self.committee_chairs: list[Person] = []
        for block in self.blocks:
            if block.estate.endswith("新村"):
                continue
            owners = [
                p
                for g in block.groups
                for p in g.residents
                if p.relation == Relation.OWNER and 45 <= self.ctx.year - p.birth_year <= 75
            ]
            chair = self._pick(owners)
            if chair is not None:
                self.committee_chairs.append(chair)
            self.ins.add(
                OwnersCommittee,
                {
                    "place_id": block.id,
                    "path": block.path,
                    "name": f"{block.estate}业主委员会",
                    "chair_id": chair.id if chair is not None else None,
                    "term_start": date(self.ctx.year - 2, 6, 1),
                    "term_end": None,
                },
            )

    # --- sign-ins ---------------------------------------------------------------------

    def _user(self, role: str, name: str, person: Person | None = None) -> int:
        ctx = self.ctx
        user_id = self.ins.add(
            User,
            {
                "password": ctx.password,
                "last_login": None,
                "is_superuser": False,
                "username": texts.username(ctx.sd, self.number, role),
                "first_name": "",
                "last_name": "",
                "email": "",
                "is_staff": False,
                "is_active": True,
                "date_joined": aware(date(ctx.year - 3, 1, 1), 9),
                "display_name": name,
                "resident_id": person.id if person is not None else None,
            },
        )
        self.users.names[user_id] = name
        if person is not None:
            self.taken.add(person.id)
        return user_id

    def _role(
        self, user_id: int, role: str, place_id: int | None = None, grid_id: int | None = None
    ) -> None:
        self.ins.add(
            RoleAssignment,
            {
                "user_id": user_id,
                "role": role,
                "place_id": place_id,
                "grid_id": grid_id,
                "starts_on": date(self.ctx.year - 3, 1, 1),
                "ends_on": None,
            },
        )

    def sign_ins(self) -> None:
        """A handful of sign-ins: the secretary, two social workers, the first block's
        branch secretary, the volunteer team leader, the party group leaders of the first
        three grids, the first grid's resident group leader and owner representative, a
        party member and a resident of the first grid. They share one password hash."""
        u = self.users
        u.secretary = self._user("secretary", self.person_name())
        self._role(u.secretary, Role.NEIGHBORHOOD_SECRETARY, place_id=self.id)
        for k in (1, 2):
            worker = self._user(f"social_worker{k}", self.person_name())
            u.social_workers.append(worker)
            self._role(worker, Role.SOCIAL_WORKER, place_id=self.id)
        branch = self._user("branch_secretary", self.person_name())
        self._role(branch, Role.BRANCH_SECRETARY, place_id=self.blocks[0].id)
        u.volunteer_leader = self._user("volunteer_leader", self.person_name())
        self._role(u.volunteer_leader, Role.VOLUNTEER_TEAM_LEADER, place_id=self.id)
        for grid in self.grids[:3]:
            leader = grid.team.get(GridRole.PARTY_GROUP_LEADER)
            if leader is not None:
                user = self._user(f"group_leader{grid.number}", leader.name, leader)
                self._role(user, Role.PARTY_GROUP_LEADER, grid_id=grid.id)
        first = self.grids[0]
        for role, key in (
            (GridRole.RESIDENT_GROUP_LEADER, "resident_leader"),
            (GridRole.OWNER_REPRESENTATIVE, "owner_rep"),
        ):
            holder = first.team.get(role)
            if holder is not None:
                self._role(self._user(key, holder.name, holder), role, grid_id=first.id)
        residents = first.residents
        member = next(
            (p for p in residents if p.member_id is not None and p.id not in self.taken), None
        )
        if member is not None:
            u.party_member = self._user("party_member", member.name, member)
            self._role(u.party_member, Role.PARTY_MEMBER, place_id=member.home.id)
        resident = next(
            (
                p
                for p in residents
                if p.member_id is None
                and p.id not in self.taken
                and self.ctx.year - p.birth_year >= 25
            ),
            None,
        )
        if resident is not None:
            self._role(
                self._user("resident", resident.name, resident),
                Role.RESIDENT,
                place_id=resident.home.id,
            )

    @property
    def staff(self) -> list[int]:
        return [self.users.secretary, *self.users.social_workers]


def drop_known_id_numbers(rows: Rows) -> int:
    """An identity card number belongs to one resident: a made-up number that happens to
    be on record already (another data set) is left out. Runs where the rows are written
    (it reads the database); returns how many were left out."""
    table = table_of(Resident, rows.using)
    residents = rows.tuples.get(table.label, [])
    columns = [
        table.column_index(c) for c in ("id_number_sealed", "id_number_digest", "id_number_last4")
    ]
    digest = columns[1]
    digests = [r[digest] for r in residents if r[digest]]
    known: set[str] = set()
    for i in range(0, len(digests), 5000):
        known.update(
            # (the exclusion lets the database use the partial unique index)
            Resident.objects.filter(id_number_digest__in=digests[i : i + 5000])
            .exclude(id_number_digest="")
            .order_by()
            .values_list("id_number_digest", flat=True)
        )
    if not known:
        return 0
    for n, values in enumerate(residents):
        if values[digest] in known:
            blanked = list(values)
            for c in columns:
                blanked[c] = ""
            residents[n] = tuple(blanked)
    return len(known)
