"""On the demo sub-district: the administrator opens 斜土街道's dashboard for the last six
months, every part of the neighbourliness index has a value from the demo data, and the
drill-down reaches one 江南新村 grid; 景泰's monthly report downloads."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from e2e.conftest import new_page, screenshot, sign_in
from sanxian.dashboards.services import refresh_all
from sanxian.demo.xietu import DEMO_PASSWORD, load_demo
from sanxian.places.models import Place, PlaceKind


@pytest.fixture
def demo(transactional_db):  # type: ignore[no-untyped-def]
    load_demo()
    refresh_all()


def test_demo_dashboard_drills_down_to_a_jiangnan_grid(browser, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    page = new_page(browser, live_server.url, timeout=20_000)
    try:
        sign_in(page, "admin", DEMO_PASSWORD)
        root = Place.objects.get(kind=PlaceKind.SUBDISTRICT, name="斜土街道")
        page.goto(f"/dashboards/{root.pk}/?period=last_6")
        expect(page.get_by_test_id("dashboard-title")).to_contain_text("斜土街道")
        for part in ("yi", "xing", "lin", "qin"):
            value = page.get_by_test_id(part)
            expect(value).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
            assert value.inner_text() != "0%", part
        for key in ("index", "trend-lin", "volunteers", "activities", "rates"):
            expect(page.get_by_test_id(f"chart-{key}")).to_have_attribute("data-drawn", "1")
        screenshot(page, "demo-dashboard-subdistrict")
        page.get_by_test_id("children").get_by_role("link", name="江南新村居民区").click()
        expect(page.get_by_test_id("dashboard-title")).to_contain_text("江南新村")
        page.get_by_test_id("children").get_by_role("link", name="第一块区").click()
        expect(page.get_by_test_id("dashboard-title")).to_contain_text("第一块区")
        page.get_by_test_id("children").get_by_role("link", name="江南新村第1网格").click()
        expect(page.get_by_test_id("dashboard-title")).to_contain_text("江南新村第1网格")
        expect(page.get_by_test_id("chart-states")).to_have_attribute("data-drawn", "1")
        screenshot(page, "demo-dashboard-grid")

        jingtai = Place.objects.get(kind=PlaceKind.NEIGHBORHOOD, name__startswith="景泰")
        month = timezone.localdate().strftime("%Y-%m")
        workbook = page.request.get(f"/dashboards/{jingtai.pk}/report/{month}.xlsx")
        assert workbook.status == 200
        sheets = load_workbook(io.BytesIO(workbook.body())).sheetnames
        assert {"概况", "志愿者", "活动", "邻里指数"} <= set(sheets), sheets
        page.goto(f"/dashboards/{jingtai.pk}/report/{month}/")
        expect(page.get_by_test_id("report-title")).to_contain_text("景泰")
    finally:
        page.context.close()
