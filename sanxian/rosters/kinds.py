"""The three rosters and their columns: the Chinese headers are the file's vocabulary (the
template writes them, the import reads them), the same in every interface language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from sanxian.party.models import MemberCategory
from sanxian.places.models import Gender, Relation
from sanxian.rosters.models import ImportKind

GENDERS = {"男": Gender.MALE.value, "女": Gender.FEMALE.value}
GENDER_LABELS = {v: k for k, v in GENDERS.items()}
RELATIONS = {
    "业主": Relation.OWNER.value,
    "家庭成员": Relation.FAMILY.value,
    "租户": Relation.TENANT.value,
}
# What earlier templates called them: still read, no longer offered.
RELATION_ALIASES = {"户主": Relation.OWNER.value}
CATEGORIES = {
    "退休": MemberCategory.RETIRED.value,
    "在职双报到": MemberCategory.EMPLOYED_REGISTERED.value,
    "其他": MemberCategory.OTHER.value,
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    note: Any  # what to write, for the instructions sheet (translated)
    example: object = ""
    width: float = 12
    # Identity card and phone numbers: text cells, so Excel keeps every digit.
    as_text: bool = False
    choices: tuple[str, ...] = ()
    dates: bool = False
    # Earlier names of the header, still read.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    kind: str
    sheet: str  # the data sheet's name in the template
    columns: tuple[Column, ...]
    note: Any
    keys: dict[str, Column] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", {c.key: c for c in self.columns})

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def label(self) -> str:
        return str(ImportKind(self.kind).label)


NEIGHBORHOOD = Column(
    "neighborhood",
    "居民区",
    True,
    _("The neighborhood's name as in the system, e.g. 北苑."),
    "北苑",
)
BUILDING = Column(
    "building", "楼栋", True, _("The building's name as in the system, e.g. 1号楼."), "1号楼"
)
ROOM = Column("room", "室号", True, _("Room number, e.g. 101 (室 may be left out)."), "101")
ID_NUMBER = Column(
    "id_number",
    "身份证号",
    True,
    _("18 characters, the last may be X. The column is formatted as text: keep it so."),
    "310104195803151213",
    width=22,
    as_text=True,
)

HOUSEHOLDS = Kind(
    ImportKind.HOUSEHOLDS,
    "楼栋与房屋",
    (
        NEIGHBORHOOD,
        Column(
            "block",
            "块区",
            True,
            _("An existing management block of the neighborhood."),
            "第一块区",
        ),
        Column(
            "building",
            "楼栋",
            True,
            _("A building of that block; a new name creates the building."),
            "1号楼",
        ),
        Column(
            "group",
            "楼组",
            True,
            _("A building group (stairwell) of that building; a new name creates it."),
            "1单元",
        ),
        Column("floor", "楼层", True, _("Floor of the room, a whole number."), 1, width=8),
        Column(
            "room",
            "室号",
            True,
            _("Room number; a new room creates the household, a known one is left as it is."),
            "101",
            width=8,
        ),
        Column(
            "address",
            "地址",
            False,
            _("Optional: the building's address, used when the building is created."),
            "",
            width=24,
        ),
        Column(
            "year_built",
            "建成年份",
            False,
            _("Optional: the year the building was built, used when it is created."),
            1985,
            width=10,
        ),
        Column(
            "floors",
            "总层数",
            False,
            _("Optional: the building's number of floors, used when it is created."),
            6,
            width=8,
        ),
    ),
    _(
        "One row per room. Buildings, building groups and rooms that do not exist yet are "
        "created under an existing management block; existing ones are matched by name and "
        "left unchanged."
    ),
)

RESIDENTS = Kind(
    ImportKind.RESIDENTS,
    "居民",
    (
        NEIGHBORHOOD,
        BUILDING,
        Column(
            "group",
            "楼组",
            False,
            _(
                "Optional: needed only when the building has the same room number in several "
                "building groups."
            ),
            "1单元",
        ),
        ROOM,
        Column("name", "姓名", True, _("Full name."), "张晓明"),
        Column(
            "gender",
            "性别",
            True,
            _("男 or 女; must agree with the identity card number."),
            "男",
            width=8,
            choices=tuple(GENDERS),
        ),
        ID_NUMBER,
        Column(
            "phone",
            "手机号",
            False,
            _(
                "Optional: 11-digit mobile number or landline with area code. Empty leaves a "
                "recorded number unchanged."
            ),
            "13812345678",
            width=16,
            as_text=True,
        ),
        Column(
            "relation",
            "与户的关系",
            True,
            _("业主, 家庭成员 or 租户."),
            "业主",
            choices=tuple(RELATIONS),
            aliases=("与户主关系",),
        ),
        Column(
            "moved_in",
            "入住日期",
            False,
            _("Optional: 2024-03-05, 2024/3/5 or 2024年3月5日. Empty leaves it unchanged."),
            "2020-05-01",
            dates=True,
        ),
    ),
    _(
        "One row per resident, in a household that already exists. A resident is recognised "
        "by the identity card number: a new number adds the resident, a known one updates "
        "what changed (household, name, phone, relation, moved-in date)."
    ),
)

PARTY_MEMBERS = Kind(
    ImportKind.PARTY_MEMBERS,
    "党员",
    (
        ID_NUMBER,
        Column(
            "name",
            "姓名",
            True,
            _("Must agree with the resident registered with this identity card number."),
            "张晓明",
        ),
        Column(
            "category",
            "类别",
            True,
            _("退休, 在职双报到 or 其他."),
            "退休",
            choices=tuple(CATEGORIES),
        ),
        Column(
            "joined_on",
            "入党日期",
            False,
            _("Optional: the day the member joined the party."),
            "1978-07-01",
            dates=True,
        ),
        Column(
            "group",
            "党小组",
            False,
            _(
                "Optional: a party group of the area; empty puts a new member in the party group "
                "of the grid they live in."
            ),
            "",
            width=20,
        ),
    ),
    _(
        "One row per party member who lives here and is already imported as a resident. A "
        "member is recognised by the identity card number: a known member is updated."
    ),
)

KINDS: dict[str, Kind] = {k.kind: k for k in (HOUSEHOLDS, RESIDENTS, PARTY_MEMBERS)}
