"""A neighborhood secretary loads residents from Excel: downloads the template, uploads it
filled with mistakes, sees each one named, uploads the corrected file, imports it, and finds
the residents on the household page — on a phone and on an office PC."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from tests.rosters.helpers import bad_checksum, id_number
from tests.world import build_world


@pytest.fixture
def world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.SANXIAN_PRIVATE_ROOT = tmp_path / "private"
    return build_world()


def fill(template: Path, rows: list[list[object]], target: Path) -> Path:
    wb = load_workbook(template)
    ws = wb.worksheets[0]
    for row in rows:
        ws.append(row)
    wb.save(target)
    return target


def walk_through(page, world, tmp_path: Path, name: str, *, width: int | None = None) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "secretary")
    page.locator("a[href='/rosters/']").first.click()
    expect(page.get_by_test_id("upload-form")).to_be_visible()
    screenshot(page, f"roster-{name}-start")

    with page.expect_download() as download:
        page.get_by_test_id("template-residents").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    first, second = id_number(male=True), id_number(male=False)
    wrong = [
        [
            "北苑",
            "1号楼",
            "",
            "101",
            "陈志明",
            "男",
            bad_checksum(first),
            "13812345678",
            "业主",
            "",
        ],
        ["北苑", "1号楼", "", "909", "林美华", "女", second, "", "家庭成员", "2024/3/5"],
        ["北苑", "1号楼", "", "101", '=HYPERLINK("http://x")', "女", second, "", "朋友", ""],
    ]
    page.get_by_label("Excel", exact=False).set_input_files(
        str(fill(template, wrong, tmp_path / "居民-有错.xlsx"))
    )
    page.get_by_test_id("check-file").click()
    problems = page.get_by_test_id("problems")
    expect(problems).to_be_visible()
    for text in ("身份证号", "室号", "姓名", "与户的关系"):
        expect(problems).to_contain_text(text)
    expect(page.get_by_test_id("commit")).to_have_count(0)
    screenshot(page, f"roster-{name}-errors")
    if width is not None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width

    right = [
        ["北苑", "1号楼", "", "101", "陈志明", "男", first, "13812345678", "业主", ""],
        ["北苑", "1号楼", "", "102", "林美华", "女", second, "", "家庭成员", "2024/3/5"],
    ]
    page.goto("/rosters/")
    page.get_by_label("Excel", exact=False).set_input_files(
        str(fill(template, right, tmp_path / "居民.xlsx"))
    )
    page.get_by_test_id("check-file").click()
    expect(page.get_by_test_id("batch-counts")).to_contain_text("2")
    screenshot(page, f"roster-{name}-checked")
    page.get_by_test_id("commit").click()
    expect(page.get_by_test_id("imported")).to_be_visible()
    screenshot(page, f"roster-{name}-imported")

    page.goto(f"/places/{world.household.pk}/")
    expect(page.get_by_test_id("household-members")).to_contain_text("陈志明")
    screenshot(page, f"roster-{name}-household")
    if width is not None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_secretary_imports_residents_on_a_phone(phone, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    walk_through(phone, world, tmp_path, "phone", width=360)


def test_secretary_imports_residents_on_a_desktop(desktop, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    walk_through(desktop, world, tmp_path, "desktop")
