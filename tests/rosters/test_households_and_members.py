"""Buildings-and-households and party-member rosters: new places get proper tree paths
under an existing block, known ones are left as they are; party members are matched to
residents and join the party group of their grid."""

from __future__ import annotations

from datetime import date

from sanxian.party.models import MemberCategory, PartyMember, PartyOrg
from sanxian.places.models import Gender, Place, PlaceKind, Relation
from sanxian.places.services import create_place, create_resident, set_personal_numbers
from sanxian.rosters import services
from sanxian.rosters.models import BatchState, ImportBatch
from tests.rosters.helpers import id_number, roster
from tests.world import World


def run(
    world: World, kind: str, rows: list[list[object]], *, user: str = "secretary"
) -> ImportBatch:
    batch = services.start_import(
        kind=kind,
        place=world.north,
        user=world.users[user],
        chunks=[roster(kind, rows)],
        file_name=f"{kind}.xlsx",
    )
    if batch.state == BatchState.CHECKED:
        batch = services.commit_batch(batch=batch, actor=world.users[user])
    return batch


def problems(batch: ImportBatch) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for issue in batch.issues.all():
        found.setdefault(issue.row, set()).add(issue.code)
    return found


HOUSEHOLDS = [
    ["北苑", "第一块区", "1号楼", "1单元", 1, "101", "", "", ""],  # exists
    ["北苑", "第一块区", "1号楼", "1单元", 3, "301", "", "", ""],  # new room, known group
    ["北苑", "第一块区", "1号楼", "3单元", 2, "201", "", "", ""],  # new group
    ["北苑", "第一块区", "5号楼", "1单元", 1, "101", "斜土路1号", 1990, 6],  # new building
    ["北苑", "第一块区", "5号楼", "1单元", 4, "402", "", "", ""],
    ["北苑", "第一块区", "5号楼", "2单元", 2, "201室", "", "", ""],
]


def test_households_create_buildings_groups_and_rooms_with_tree_paths(world: World) -> None:
    before = Place.objects.count()
    batch = run(world, "households", HOUSEHOLDS)
    assert batch.state == BatchState.IMPORTED
    assert (batch.created, batch.unchanged, batch.error_rows) == (5, 1, 0)
    assert batch.detail == {"building": 1, "building_group": 3, "household": 5}
    assert Place.objects.count() == before + 9
    # The tree is sound: paths, depths and child counts as treebeard keeps them.
    assert all(not problem for problem in Place.objects.find_problems())
    block = Place.objects.get(pk=world.block.pk)
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="5号楼")
    assert building.path.startswith(block.path) and building.depth == 4
    assert (building.address, building.year_built, building.floors) == ("斜土路1号", 1990, 6)
    assert [c.name for c in Place.objects.get_children(building)] == ["1单元", "2单元"]
    unit = Place.objects.get_children(building).get(name="1单元")
    assert (unit.floor_from, unit.floor_to) == (1, 4)
    assert sorted(h.room for h in Place.objects.get_children(unit)) == ["101", "402"]
    assert Place.objects.get_children(unit).get(room="402").name == "402室"
    assert block.numchild == Place.objects.filter(path__startswith=block.path, depth=4).count()
    # The services go on adding children after the import's.
    create_place(parent=building, kind=PlaceKind.BUILDING_GROUP, name="3单元")
    assert all(not problem for problem in Place.objects.find_problems())


def test_households_reimport_changes_nothing(world: World) -> None:
    run(world, "households", HOUSEHOLDS)
    count = Place.objects.count()
    again = run(world, "households", HOUSEHOLDS)
    assert (again.created, again.unchanged) == (0, 6)
    assert Place.objects.count() == count


def test_household_problems(world: World) -> None:
    create_place(parent=world.north, kind=PlaceKind.BLOCK, name="第二块区")
    rows = [
        ["北苑", "第九块区", "1号楼", "1单元", 1, "101", "", "", ""],  # 2: unknown block
        ["西苑", "第一块区", "1号楼", "1单元", 1, "101", "", "", ""],  # 3: unknown hood
        ["南苑", "南一块区", "8号楼", "1单元", 1, "101", "", "", ""],  # 4: outside the area
        ["北苑", "第二块区", "1号楼", "1单元", 1, "101", "", "", ""],  # 5: name taken
        ["北苑", "第一块区", "6号楼", "1单元", "一楼", "101", "", "", ""],  # 6: floor
        ["北苑", "第一块区", "6号楼", "1单元", 1, "101", "", 1700, 0],  # 7: year, floors
        ["北苑", "第一块区", "6号楼", "1单元", 1, "102", "", "", ""],  # 8
        ["北苑", "第一块区", "6号楼", "1单元", 1, "102室", "", "", ""],  # 9: duplicate of 8
        ["北苑", "第一块区", "6号楼", "", 1, "103", "", "", ""],  # 10: required
    ]
    before = Place.objects.count()
    batch = run(world, "households", rows)
    assert batch.state == BatchState.HAS_ERRORS
    assert problems(batch) == {
        2: {"unknown_block"},
        3: {"unknown_neighborhood"},
        4: {"outside_area"},
        5: {"building_in_other_block"},
        6: {"not_integer"},
        7: {"out_of_range"},
        8: {"duplicate"},
        9: {"duplicate"},
        10: {"required"},
    }
    assert Place.objects.count() == before


def add_resident(world: World, name: str, household: Place, *, male: bool = True) -> str:
    number = id_number(date(1950, 1, 1), male=male)
    resident = create_resident(
        household=household,
        name=name,
        gender=Gender.MALE if male else Gender.FEMALE,
        relation=Relation.OWNER,
    )
    set_personal_numbers(resident=resident, id_number=number)
    return number


def test_party_members_join_the_party_group_of_their_grid(world: World) -> None:
    first = add_resident(world, "党员甲", world.household)
    second = add_resident(world, "党员乙", world.household)
    grid2_group = PartyOrg.objects.get(grid__number=2, grid__block=world.block)
    rows = [
        [first, "党员甲", "退休", "1978-07-01", ""],
        [second, "党员乙", "在职双报到", "", grid2_group.name],
    ]
    batch = run(world, "party_members", rows)
    assert (batch.state, batch.created) == (BatchState.IMPORTED, 2)
    one = PartyMember.objects.get(name="党员甲")
    assert one.category == MemberCategory.RETIRED and one.joined_on == date(1978, 7, 1)
    assert one.group == PartyOrg.objects.get(grid=world.grid)  # 属地化
    assert one.path == one.resident.path
    two = PartyMember.objects.get(name="党员乙")
    assert two.group == grid2_group and two.category == MemberCategory.EMPLOYED_REGISTERED

    again = run(world, "party_members", rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[0][2] = "其他"
    changed = run(world, "party_members", rows)
    assert (changed.updated, changed.unchanged) == (1, 1)
    one.refresh_from_db()
    assert one.category == MemberCategory.OTHER


def test_party_member_problems(world: World) -> None:
    known = add_resident(world, "党员丙", world.household)
    southern = add_resident(world, "南苑人", world.south_household)
    rows = [
        [id_number(), "无此人", "退休", "", ""],  # 2: no such resident
        [southern, "南苑人", "退休", "", ""],  # 3: lives outside the area
        [known, "别人", "退休", "", ""],  # 4: name differs
        [known, "党员丙", "预备", "", ""],  # 5: category; and a duplicate of 6
        [known, "党员丙", "退休", "", "不存在的党小组"],  # 6: group; duplicate of 5
        [known[:-1], "党员丙", "退休", "2999-01-01", ""],  # 7: number and future date
    ]
    batch = run(world, "party_members", rows)
    assert batch.state == BatchState.HAS_ERRORS
    assert problems(batch) == {
        2: {"unknown_resident"},
        3: {"unknown_resident"},
        4: {"name_mismatch", "duplicate"},
        5: {"not_a_choice", "duplicate"},
        6: {"unknown_party_group", "duplicate"},
        7: {"id_format", "date_in_future"},
    }
    assert not PartyMember.objects.filter(name="党员丙").exists()


def test_ambiguous_names_are_named(world: World) -> None:
    from sanxian.grids.services import create_grid
    from sanxian.party.models import PartyOrgKind
    from sanxian.party.services import create_party_org

    # A second block of 北苑 with a building of the same name as the first block's.
    other = create_place(parent=world.north, kind=PlaceKind.BLOCK, name="第二块区")
    create_place(parent=other, kind=PlaceKind.BUILDING, name="1号楼")
    rows = [["北苑", "1号楼", "", "101", "某人", "男", id_number(), "", "户主", ""]]
    batch = services.start_import(
        kind="residents",
        place=world.north,
        user=world.users["secretary"],
        chunks=[roster("residents", rows)],
        file_name="r.xlsx",
    )
    assert problems(batch) == {2: {"ambiguous_building"}}
    # Two party groups of the area with one name.
    branch = PartyOrg.objects.get(kind=PartyOrgKind.BRANCH, place=world.block)
    name = PartyOrg.objects.get(grid=world.grid).name
    create_party_org(
        parent=branch,
        kind=PartyOrgKind.GROUP,
        name=name,
        grid=create_grid(block=world.block, number=7),
    )
    member = add_resident(world, "党员丁", world.household)
    batch = run(world, "party_members", [[member, "党员丁", "退休", "", name]])
    assert problems(batch) == {2: {"ambiguous_party_group"}}
