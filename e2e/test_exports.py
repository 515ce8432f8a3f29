"""On an office PC: the neighborhood secretary filters the appeals list, clicks 导出 Excel,
and the downloaded workbook holds exactly the filtered appeals (screenshot of the list)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from sanxian.appeals.models import AppealCategory
from sanxian.appeals.services import acknowledge_appeal, file_appeal, seed_default_categories
from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.places.models import Resident
from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays
from tests.world import build_world


@pytest.fixture
def world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_cache()
    year = timezone.localdate().year
    seed_holidays([year, year + 1])
    seed_default_categories()
    return build_world()


def test_secretary_exports_the_filtered_appeals(desktop, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secretary = world.users["secretary"]
    categories = list(AppealCategory.objects.filter(active=True).order_by("position", "id")[:2])
    texts = ["=1+1 楼道灯坏了", "垃圾房漏水", "电梯异响", "楼下违章搭建"]
    appeals = [
        file_appeal(
            category=categories[i % 2],
            text=text,
            place=world.household,
            resident=world.resident,
            filed_by=secretary,
            on_behalf=True,
            contact_phone="13812345678",
        )
        for i, text in enumerate(texts)
    ]
    for appeal in appeals[:2]:
        acknowledge_appeal(appeal=appeal, actor=secretary)
    south = Resident.objects.filter(household=world.south_household).first()
    file_appeal(
        category=categories[0],
        text="南苑的诉求",
        place=world.south_household,
        resident=south,
        filed_by=world.users["outsider"],
        on_behalf=True,
    )

    page = desktop
    sign_in(page, "secretary")
    page.goto(reverse("appeals:list"))
    page.locator("#id_state").select_option("acknowledged")
    page.get_by_test_id("filters").locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "state=acknowledged" in url)
    expect(page.get_by_test_id("appeal-list").locator("li > a")).to_have_count(2)
    link = page.get_by_test_id("export-xlsx")
    expect(link).to_have_text("导出 Excel")
    screenshot(page, "appeals-export-filtered")

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("诉求 ")
    assert download.suggested_filename.endswith(".xlsx")
    saved = Path(tmp_path) / "appeals.xlsx"
    download.save_as(saved)

    ws = load_workbook(saved).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["编号", "类别", "状态"]
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [appeals[1].pk, appeals[0].pk]
    assert {row[2] for row in rows[1:]} == {"已受理"}
    text_column = header.index("诉求内容")
    assert rows[1 + numbers.index(appeals[0].pk)][text_column] == "'=1+1 楼道灯坏了"
    assert "13812345678" not in {str(v) for row in rows for v in row}
    entry = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert entry.detail["export"] == "appeals" and entry.detail["rows"] == 2
    assert entry.detail["filters"] == {"state": "acknowledged"}
