"""Residents roster: a dry run writes nothing; an import adds and updates residents by the
keyed digest of their identity card number, in one transaction; re-importing changes
nothing; every bad row is reported with its reason and nothing is imported."""

from __future__ import annotations

from datetime import date

import pytest

from sanxian import personal_data
from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.party.models import PartyOrg
from sanxian.places.errors import DomainError
from sanxian.places.models import Gender, Place, PlaceKind, Relation, Resident
from sanxian.places.services import create_place, create_resident, set_personal_numbers
from sanxian.rosters import engine, services, upload
from sanxian.rosters.kinds import KINDS
from sanxian.rosters.models import BatchState, ImportBatch
from sanxian.rosters.reasons import describe
from tests.rosters.helpers import bad_checksum, id_number, roster, xlsx_bytes
from tests.world import World


def start(world: World, content: bytes, *, user: str = "secretary", place=None) -> ImportBatch:  # type: ignore[no-untyped-def]
    return services.start_import(
        kind="residents",
        place=place or world.north,
        user=world.users[user],
        chunks=[content],
        file_name="居民.xlsx",
    )


def commit(world: World, batch: ImportBatch, user: str = "secretary") -> ImportBatch:
    return services.commit_batch(batch=batch, actor=world.users[user])


def problems(batch: ImportBatch) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for issue in batch.issues.all():
        found.setdefault(issue.row, set()).add(issue.code)
    return found


HYPERLINK = '=HYPERLINK("http://x.cn","点")'
ZHANG = id_number(date(1958, 3, 15), male=True)
LI = id_number(date(1990, 7, 1), male=False)


def two_residents() -> list[list[object]]:
    return [
        ["北苑", "1号楼", "", "101", "张建华", "男", ZHANG, "13812345678", "户主", "2020-01-01"],
        ["北苑", "1号楼", "1单元", "102室", "李晓红", "女", LI, "", "租户", date(2021, 3, 5)],
    ]


def test_dry_run_then_import(world: World) -> None:
    before = Resident.objects.count()
    batch = start(world, roster("residents", two_residents()))
    assert batch.state == BatchState.CHECKED
    assert (batch.rows, batch.created, batch.updated, batch.unchanged, batch.error_rows) == (
        2,
        2,
        0,
        0,
        0,
    )
    assert Resident.objects.count() == before  # the dry run wrote nothing
    assert upload.stored_path(batch.stored_name).is_file()

    batch = commit(world, batch)
    assert batch.state == BatchState.IMPORTED
    assert batch.created == 2
    assert Resident.objects.count() == before + 2
    zhang = Resident.objects.get(id_number_digest=personal_data.digest(ZHANG))
    assert zhang.household_id == world.household.pk
    assert zhang.path == world.household.path
    assert (zhang.name, zhang.gender, zhang.birth_year, zhang.relation) == (
        "张建华",
        Gender.MALE,
        1958,
        Relation.OWNER,
    )
    assert (zhang.name_pinyin, zhang.name_initials) == ("zhangjianhua", "zjh")
    assert personal_data.unseal(zhang.id_number_sealed) == ZHANG
    assert personal_data.unseal(zhang.phone_sealed) == "13812345678"
    assert zhang.id_number_last4 == ZHANG[-4:] and zhang.phone_last4 == "5678"
    assert zhang.moved_in == date(2020, 1, 1)
    li = Resident.objects.get(id_number_digest=personal_data.digest(LI))
    assert li.household.room == "102" and li.relation == Relation.TENANT
    assert li.phone_sealed == "" and li.moved_in == date(2021, 3, 5)
    # The upload is deleted once imported; the dry run and the import are in the audit log.
    assert batch.stored_name == ""
    entries = AuditEvent.objects.filter(action=AuditAction.IMPORT).order_by("id")
    assert [e.detail["dry_run"] for e in entries] == [True, False]
    assert entries.last().detail["created"] == 2
    assert entries.last().detail["kind"] == "residents"
    assert entries.last().path == world.north.path


def test_reimporting_the_same_file_changes_nothing(world: World) -> None:
    content = roster("residents", two_residents())
    commit(world, start(world, content))
    sealed = dict(Resident.objects.values_list("pk", "phone_sealed"))
    again = start(world, content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    again = commit(world, again)
    assert again.state == BatchState.IMPORTED
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # Numbers were not sealed again (a new seal would differ: Fernet tokens are random).
    assert dict(Resident.objects.values_list("pk", "phone_sealed")) == sealed


def test_a_known_number_updates_only_what_changed(world: World) -> None:
    commit(world, start(world, roster("residents", two_residents())))
    bg2 = Place.objects.get(
        kind=PlaceKind.BUILDING_GROUP, name="2单元", path__startswith=world.building.path
    )
    rows = two_residents()
    rows[0][3] = "201"  # moved to 2单元
    rows[0][4] = "张建国"  # name corrected
    rows[0][7] = "13900001111"
    batch = start(world, roster("residents", rows))
    assert (batch.created, batch.updated, batch.unchanged) == (0, 1, 1)
    commit(world, batch)
    zhang = Resident.objects.get(id_number_digest=personal_data.digest(ZHANG))
    assert zhang.household.path.startswith(bg2.path)
    assert zhang.path == zhang.household.path
    assert (zhang.name, zhang.name_pinyin, zhang.name_initials) == ("张建国", "zhangjianguo", "zjg")
    assert personal_data.unseal(zhang.phone_sealed) == "13900001111"
    assert zhang.moved_in == date(2020, 1, 1)


def test_an_empty_optional_cell_leaves_the_recorded_value(world: World) -> None:
    commit(world, start(world, roster("residents", two_residents())))
    rows = two_residents()
    rows[0][7] = ""  # phone left out
    rows[0][9] = ""  # moved-in left out
    batch = start(world, roster("residents", rows))
    assert (batch.updated, batch.unchanged) == (0, 2)


def test_a_moving_party_member_follows_to_the_new_grid(world: World) -> None:
    member = world.member_resident  # lives in 1单元 (grid 1), a party member there
    set_personal_numbers(resident=member, id_number=ZHANG)
    rows = [["北苑", "1号楼", "", "201", member.name, "男", ZHANG, "", "家庭成员", ""]]
    batch = commit(world, start(world, roster("residents", rows)))
    assert batch.updated == 1
    member.refresh_from_db()
    party = member.party_member
    assert party.path == member.path
    grid2_group = PartyOrg.objects.get(grid__building_groups__path=member.path[:20])
    assert party.group_id == grid2_group.pk


def test_gender_must_agree_with_the_number(world: World) -> None:
    rows = two_residents()
    rows[1][5] = "男"  # 李晓红's number says woman
    batch = start(world, roster("residents", rows))
    assert problems(batch) == {3: {"gender_mismatch"}}
    issue = batch.issues.get()
    assert issue.column == "性别" and issue.params == {"gender": "女"}


def test_a_malformed_roster_imports_nothing_and_names_every_bad_row(world: World) -> None:
    # 101 exists in both 1单元 and (now) 2单元 of 1号楼: a room number alone is ambiguous.
    bg2 = Place.objects.get(
        kind=PlaceKind.BUILDING_GROUP, name="2单元", path__startswith=world.building.path
    )
    create_place(parent=bg2, kind=PlaceKind.HOUSEHOLD, name="101室", room="101", floor=1)
    elsewhere = id_number()
    south = create_resident(
        household=world.south_household, name="赵六", gender=Gender.MALE, relation=Relation.OWNER
    )
    set_personal_numbers(resident=south, id_number=elsewhere)
    dup = id_number()
    ok = ["北苑", "1号楼", "1单元", "102", "好人", "男", id_number(), "", "户主", ""]
    rows = [
        ok,  # row 2: fine
        ["北苑", "1号楼", "1单元", "101", "王五", "男", bad_checksum(id_number()), "", "户主", ""],
        ["北苑", "1号楼", "1单元", "101", "重复甲", "男", dup, "", "户主", ""],  # row 4
        ["北苑", "1号楼", "1单元", "101", "重复乙", "男", dup, "", "家庭成员", ""],  # row 5
        ["北苑", "1号楼", "1单元", "101", "赵六", "男", elsewhere, "", "户主", ""],  # row 6
        ["北苑", "1号楼", "1单元", "909", "钱七", "男", id_number(), "", "户主", ""],  # row 7
        ["北苑", "9号楼", "", "101", "孙八", "男", id_number(), "", "户主", ""],  # row 8
        ["东苑", "1号楼", "", "101", "周九", "男", id_number(), "", "户主", ""],  # row 9
        ["南苑", "8号楼", "", "301", "吴十", "男", id_number(), "", "户主", ""],  # row 10
        ["北苑", "1号楼", "1单元", "101", "公式", "男", id_number(), "", "户主", ""],  # row 11
        ["北苑", "1号楼", "1单元", "101", HYPERLINK, "男", id_number(), "", "户主", ""],
        ["北苑", "1号楼", "1单元", "101", "郑一", "男", id_number(), "12345", "朋友", "2020/13/1"],
        ["北苑", "1号楼", "1单元", "101", "", "男", id_number(), "", "户主", ""],  # row 14
        ["北苑", "1号楼", "", "101", "冯二", "男", id_number(), "", "户主", ""],  # row 15
        ["北苑", "1号楼", "3单元", "101", "陈三", "男", id_number(), "", "户主", ""],  # row 16
        ["北苑", "1号楼", "1单元", "101", "褚四", "男", 310104195803151000, "", "户主", ""],
        ["北苑", "1号楼", "1单元", "101", "卫五", "女", id_number(male=True), "", "户主", ""],
    ]
    content = roster("residents", rows, formulas={(9, 4): '=CONCATENATE("张","三")'})
    before = Resident.objects.count()
    batch = start(world, content)
    assert batch.state == BatchState.HAS_ERRORS
    assert not batch.can_commit
    assert batch.stored_name == ""  # a file that can never be imported is not kept
    assert problems(batch) == {
        3: {"id_checksum"},
        4: {"duplicate"},
        5: {"duplicate"},
        6: {"resident_outside_area"},
        7: {"unknown_room"},
        8: {"unknown_building"},
        9: {"unknown_neighborhood"},
        10: {"outside_area"},
        11: {"formula"},
        12: {"formula_text"},
        13: {"phone", "not_a_choice", "not_a_date"},
        14: {"required"},
        15: {"ambiguous_room"},
        16: {"unknown_group"},
        17: {"id_as_number"},
        18: {"gender_mismatch"},
    }
    assert (batch.rows, batch.created, batch.error_rows) == (17, 1, 16)
    duplicates = {i.row: i.params["row"] for i in batch.issues.filter(code="duplicate")}
    assert duplicates == {4: 5, 5: 4}
    # Every reason is worded, in Chinese by default, with its parameters filled in.
    for issue in batch.issues.all():
        text = describe(issue.code, issue.params)
        assert text and "%(" not in text
    assert Resident.objects.count() == before
    with pytest.raises(DomainError):
        commit(world, batch)
    assert Resident.objects.count() == before


def test_wrong_headers_are_named(world: World) -> None:
    from tests.rosters.helpers import xlsx_bytes

    content = xlsx_bytes(
        ["居民区", "楼栋", "室号", "名字", "性别", "身份证", "与户主关系", "性别"],
        [["北苑", "1号楼", "101", "张三", "男", id_number(), "户主", "男"]],
    )
    batch = start(world, content)
    assert batch.state == BatchState.HAS_ERRORS
    assert batch.file_error == "headers"
    message = describe(batch.file_error, batch.file_error_params)
    assert "居民区、楼栋、楼组、室号、姓名、性别、身份证号、手机号、与户的关系、入住日期" in message
    assert "姓名、身份证号" in message  # missing
    assert "名字、身份证" in message  # not recognised
    assert [list(p) for p in batch.file_error_params["problems"]] == [
        ["missing_headers", {"names": "姓名、身份证号"}],
        ["unknown_headers", {"names": "名字、身份证"}],
        ["repeated_headers", {"names": "性别"}],
    ]


def test_an_empty_sheet_and_too_many_rows(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    batch = start(world, roster("residents", []))
    assert batch.file_error == "no_rows"
    settings.SANXIAN_IMPORT_MAX_ROWS = 1
    batch = start(world, roster("residents", two_residents()))
    assert batch.file_error == "too_many_rows"
    assert batch.file_error_params == {"limit": 1}


def test_the_import_is_all_or_nothing_when_the_records_change_after_the_check(
    world: World,
) -> None:
    batch = start(world, roster("residents", two_residents()))
    assert batch.state == BatchState.CHECKED
    # Meanwhile somebody registers 李晓红's number for a resident of another neighborhood.
    south = create_resident(
        household=world.south_household,
        name="李晓红",
        gender=Gender.FEMALE,
        relation=Relation.OWNER,
    )
    set_personal_numbers(resident=south, id_number=LI)
    before = Resident.objects.count()
    batch = commit(world, batch)
    assert batch.state == BatchState.FAILED
    assert problems(batch) == {3: {"resident_outside_area"}}
    assert Resident.objects.count() == before  # 张建华 (row 2, valid) was not written either
    assert not Resident.objects.filter(id_number_digest=personal_data.digest(ZHANG)).exists()
    failed = AuditEvent.objects.filter(action=AuditAction.IMPORT).latest("id")
    assert failed.detail["failed"] is True


def test_a_problem_in_a_late_chunk_undoes_the_chunks_already_written(
    world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(engine, "CHUNK", 2)
    last = id_number()
    rows = [
        ["北苑", "1号楼", "1单元", "101", f"居民{i}", "男", id_number(), "", "家庭成员", ""]
        for i in range(4)
    ] + [["北苑", "1号楼", "1单元", "101", "末行", "男", last, "", "家庭成员", ""]]
    batch = start(world, roster("residents", rows))
    assert batch.state == BatchState.CHECKED
    south = create_resident(
        household=world.south_household, name="末行", gender=Gender.MALE, relation=Relation.OWNER
    )
    set_personal_numbers(resident=south, id_number=last)
    before = Resident.objects.count()
    batch = commit(world, batch)
    assert batch.state == BatchState.FAILED
    assert Resident.objects.count() == before


def test_an_imported_batch_cannot_be_imported_twice(world: World) -> None:
    batch = commit(world, start(world, roster("residents", two_residents())))
    with pytest.raises(DomainError):
        commit(world, batch)


def test_a_checked_upload_older_than_the_keeping_period_must_be_uploaded_again(
    world: World,
) -> None:
    batch = start(world, roster("residents", two_residents()))
    upload.delete_stored(batch.stored_name)
    with pytest.raises(DomainError):
        commit(world, batch)
    batch.refresh_from_db()
    assert batch.state == BatchState.CHECKED


def test_an_administrator_imports_for_the_whole_subdistrict(world: World) -> None:
    rows = [
        *two_residents(),
        ["南苑", "8号楼", "", "301", "吴十", "男", id_number(), "", "户主", ""],
    ]
    batch = start(world, roster("residents", rows), user="admin", place=world.subdistrict)
    assert (batch.created, batch.error_rows) == (3, 0)


def test_the_helper_process_seals_and_spells_as_in_place(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sanxian.rosters import sealing

    monkeypatch.setattr(sealing, "HELPER_FROM", 1)
    helped: list[bool] = []
    close = sealing.Sealer.close

    def record(self: sealing.Sealer) -> None:
        helped.append(self.in_helper)
        close(self)

    monkeypatch.setattr(sealing.Sealer, "close", record)
    batch = commit(world, start(world, roster("residents", two_residents())))
    assert batch.created == 2
    assert helped[-1] is True  # the import's seals came from the helper process
    zhang = Resident.objects.get(id_number_digest=personal_data.digest(ZHANG))
    assert personal_data.unseal(zhang.id_number_sealed) == ZHANG
    assert personal_data.unseal(zhang.phone_sealed) == "13812345678"
    assert zhang.phone_digest == personal_data.digest("13812345678")
    assert (zhang.name_pinyin, zhang.name_initials) == ("zhangjianhua", "zjh")


def test_a_write_conflict_imports_nothing_and_says_so(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from django.db import IntegrityError

    batch = start(world, roster("residents", two_residents()))
    real_run = engine.run

    def clashing(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_run(*args, **kwargs)  # writes the residents …
        raise IntegrityError("resident_one_per_id_number")  # … then someone else's commit

    monkeypatch.setattr(engine, "run", clashing)
    before = Resident.objects.count()
    batch = commit(world, batch)
    assert batch.state == BatchState.FAILED
    assert batch.file_error == "write_conflict"
    assert Resident.objects.count() == before


def test_a_number_written_by_someone_else_during_the_import_is_a_write_conflict(
    world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The new residents go in through the bulk inserter (COPY on PostgreSQL): a unique
    number someone else wrote after the rows were checked fails the whole import as a
    write conflict, as it did through bulk_create."""
    batch = start(world, roster("residents", two_residents()))
    real = engine.ResidentImporter._create_pending

    def someone_else_first(self: engine.ResidentImporter) -> None:
        if self.pending is not None:
            other = create_resident(
                household=world.south_household,
                name="李晓红",
                gender=Gender.FEMALE,
                relation=Relation.OWNER,
            )
            set_personal_numbers(resident=other, id_number=LI)
        real(self)

    monkeypatch.setattr(engine.ResidentImporter, "_create_pending", someone_else_first)
    before = Resident.objects.count()
    batch = commit(world, batch)
    assert (batch.state, batch.file_error) == (BatchState.FAILED, "write_conflict")
    assert Resident.objects.count() == before
    assert not Resident.objects.filter(id_number_digest=personal_data.digest(ZHANG)).exists()


def test_new_residents_are_written_as_the_services_write_them(world: World) -> None:
    """The bulk-inserted rows carry what ``create_resident`` and ``set_personal_numbers``
    would give them: the household's path, pinyin, sealed numbers, digests, last four."""
    batch = commit(world, start(world, roster("residents", two_residents())))
    assert batch.created == 2
    li = Resident.objects.get(id_number_digest=personal_data.digest(LI))
    assert li.household.room == "102" and li.path == li.household.path
    assert (li.gender, li.relation, li.birth_year) == (Gender.FEMALE, Relation.TENANT, 1990)
    assert li.moved_in == date(2021, 3, 5)
    assert (li.name_pinyin, li.name_initials) == ("lixiaohong", "lxh")
    assert personal_data.unseal(li.id_number_sealed) == LI
    assert li.id_number_last4 == LI[-4:]
    assert (li.phone_sealed, li.phone_digest, li.phone_last4) == ("", "", "")
    assert (li.moved_out, li.erased_at) == (None, None)
    zhang = Resident.objects.get(id_number_digest=personal_data.digest(ZHANG))
    assert zhang.pk != li.pk and zhang.moved_in == date(2020, 1, 1)
    assert zhang.phone_last4 == "5678"


def test_every_reason_is_worded() -> None:
    from sanxian.rosters.reasons import FILE_REASONS, REASONS

    params = {
        "value": "#N/A",
        "limit": 5,
        "low": 1,
        "high": 2,
        "choices": "甲、乙",
        "gender": "女",
        "name": "甲",
        "place": "北苑",
        "neighborhood": "北苑",
        "building": "1号楼",
        "room": "101",
        "groups": "1单元、2单元",
        "column": "身份证号",
        "row": 3,
        "mb": 20,
        "expected": "居民区",
        "problems": [("missing_headers", {"names": "姓名"})],
        "names": "姓名",
    }
    for code in [*REASONS, *FILE_REASONS]:
        text = describe(code, params)
        assert text and text != code and "%(" not in text, code


def test_a_departed_resident_on_the_roster_again_lives_here_again(world: World) -> None:
    """Someone recorded as moved away who appears on a new roster has come back: the
    import clears the departure (an update), and re-importing then changes nothing."""
    commit(world, start(world, roster("residents", two_residents())))
    zhang = Resident.objects.get(id_number_digest=personal_data.digest(ZHANG))
    Resident.objects.filter(pk=zhang.pk).update(moved_out=date(2024, 6, 30))
    assert not Resident.objects.current().filter(pk=zhang.pk).exists()

    batch = start(world, roster("residents", two_residents()))
    assert (batch.created, batch.updated, batch.unchanged) == (0, 1, 1)
    zhang.refresh_from_db()
    assert zhang.moved_out == date(2024, 6, 30)  # the dry run wrote nothing
    batch = commit(world, batch)
    assert (batch.state, batch.updated) == (BatchState.IMPORTED, 1)
    zhang.refresh_from_db()
    assert zhang.moved_out is None
    assert Resident.objects.current().filter(pk=zhang.pk).exists()
    batch = start(world, roster("residents", two_residents()))
    assert (batch.created, batch.updated, batch.unchanged) == (0, 0, 2)


def test_a_roster_on_the_earlier_template_is_still_read(world: World) -> None:
    """Files made from the earlier template — header 与户主关系, 户主 for an owner — import as
    they did; the current template says 与户的关系 and 业主, like the residents list."""
    headers = KINDS["residents"].headers
    assert "与户的关系" in headers
    old_headers = ["与户主关系" if h == "与户的关系" else h for h in headers]
    rows = two_residents()
    content = xlsx_bytes(old_headers, rows, text_columns=[6, 7])
    batch = commit(world, start(world, content))
    assert (batch.state, batch.created) == (BatchState.IMPORTED, 2)
    zhang = Resident.objects.get(id_number_digest=personal_data.digest(ZHANG))
    assert zhang.relation == Relation.OWNER
    rows[0][8] = "业主"
    batch = start(world, roster("residents", rows))
    assert (batch.error_rows, batch.unchanged) == (0, 2)
