"""Memory does not grow with the file (streaming read, chunked writes); the management
command prints counts and rows per second; stored uploads are swept."""

from __future__ import annotations

import gc
import io
import json
import os
import time
import tracemalloc
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sanxian.periodic.jobs import JOBS
from sanxian.places.models import Resident
from sanxian.rosters import engine, services, upload
from sanxian.rosters.models import BatchState, ImportBatch
from tests.rosters.helpers import id_number, roster
from tests.world import World


def residents_file(rows: int) -> bytes:
    born = date(1940, 1, 1)
    return roster(
        "residents",
        (
            [
                "北苑",
                "1号楼",
                "1单元",
                "101" if i % 2 else "102",
                "居民" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉"[i // 10 % 10],
                "男" if i % 2 else "女",
                id_number(born + timedelta(days=i // 500), male=bool(i % 2)),
                f"139{i:08d}",
                "家庭成员",
                "2020-01-01",
            ]
            for i in range(rows)
        ),
    )


def peak_of_import(world: World, tmp_path, rows: int) -> int:  # type: ignore[no-untyped-def]
    path = tmp_path / f"{rows}.xlsx"
    path.write_bytes(residents_file(rows))
    gc.collect()
    tracemalloc.start()
    try:
        outcome = engine.run(
            str(path),
            kind="residents",
            area=world.north,
            commit=True,
            max_rows=upload.max_rows(),
            today=timezone.localdate(),
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.ok and outcome.created == rows
    Resident.objects.filter(name__startswith="居民").delete()
    return peak


def test_peak_memory_does_not_grow_with_the_file(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small = peak_of_import(world, tmp_path, 2_000)
    large = peak_of_import(world, tmp_path, 20_000)
    # Ten times the rows. What grows is one small key per row for finding duplicates
    # (~100 bytes) and eight bytes per shared string; and from the second chunk on, the
    # new residents of the chunk before wait for their seals (a constant, ~2.5 MB). The
    # file itself would be ~20 MB as Python objects.
    assert large - small < 6 * 1024 * 1024, (small, large)


def test_the_command_checks_and_imports(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "residents.xlsx"
    path.write_bytes(residents_file(30))
    out = io.StringIO()
    call_command(
        "import_roster",
        "residents",
        str(path),
        "--place",
        str(world.north.pk),
        "--user",
        "secretary",
        stdout=out,
    )
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (result["state"], result["rows"], result["created"]) == ("checked", 30, 30)
    assert result["rows_per_second"] > 0
    assert not Resident.objects.filter(name__startswith="居民").exists()
    out = io.StringIO()
    call_command(
        "import_roster",
        "residents",
        str(path),
        "--place",
        str(world.north.pk),
        "--user",
        "secretary",
        "--commit",
        stdout=out,
    )
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (result["state"], result["created"]) == ("imported", 30)
    assert Resident.objects.filter(name__startswith="居民").count() == 30
    assert "rows/s" in out.getvalue()


def test_the_command_refuses_users_outside_the_area(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "residents.xlsx"
    path.write_bytes(residents_file(1))
    for user in ("outsider", "resident", "nobody-such"):
        with pytest.raises(CommandError):
            call_command(
                "import_roster",
                "residents",
                str(path),
                "--place",
                str(world.north.pk),
                "--user",
                user,
            )
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError):
        call_command(
            "import_roster",
            "residents",
            str(bad),
            "--place",
            str(world.north.pk),
            "--user",
            "secretary",
        )


def test_stored_uploads_are_swept(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    assert any(j.task_path == "sanxian.rosters.tasks.sweep_import_files_task" for j in JOBS)
    content = residents_file(1)
    fresh = services.start_import(
        kind="residents",
        place=world.north,
        user=world.users["secretary"],
        chunks=[content],
        file_name="a.xlsx",
    )
    old = services.start_import(
        kind="residents",
        place=world.north,
        user=world.users["secretary"],
        chunks=[content],
        file_name="b.xlsx",
    )
    ImportBatch.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now() - timedelta(days=services.KEEP_DAYS + 1)
    )
    orphan = upload.storage_dir() / "0123abcd.xlsx"
    orphan.write_bytes(content)
    an_hour_ago = time.time() - 2 * 3600
    os.utime(orphan, (an_hour_ago, an_hour_ago))
    young_orphan = upload.storage_dir() / "4567cdef.xlsx"
    young_orphan.write_bytes(content)
    os.utime(young_orphan, (time.time(), time.time()))  # just now, on the product's clock
    assert services.sweep_import_files() == 2
    assert upload.stored_path(fresh.stored_name).is_file()
    assert young_orphan.is_file() and not orphan.is_file()
    old.refresh_from_db()
    assert old.stored_name == "" and old.state == BatchState.CHECKED
    assert services.sweep_import_files() == 0
