"""On paper: a meeting's minutes, the monthly report (and the 12345 rates) and a volunteer's
service record print on A4 without the page's controls. The Print button shows where the
browser can print, and not in WeChat's in-app browser or without scripts."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override
from playwright.sync_api import expect
from pypdf import PdfReader

from e2e.conftest import ARTIFACTS, PHONE, new_page, screenshot, sign_in
from sanxian.dashboards.services import refresh_all
from sanxian.meetings.models import Invitation, MeetingKind
from sanxian.meetings.services import (
    create_meeting,
    invite,
    mark_attendance,
    record_decision,
    record_minutes,
)
from sanxian.volunteers import services as volunteer_services
from tests.dashboards.helpers import add_hours, get_volunteer
from tests.volunteers.conftest import aware, build_crew
from tests.world import build_world

WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; V2055A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 "
    "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
A4_POINTS = (595.3, 841.9)
# The printable part of an A4 sheet at 96 dpi: 210 mm less two 15–16 mm margins (~178 mm).
PAPER = {"width": 672, "height": 1009}

MEETING_TITLE = "北苑六月楼组议事会"
MINUTES = "一、通报一单元楼道堆物情况。\n二、讨论北门电动车充电桩选址。"
DECISION = "同意在北门增设电动车充电桩"
REPORT_HOURS = "7.5"


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    w = build_world()
    now = timezone.now()
    # A residents' meeting held three days ago: attendance, minutes and a decision recorded.
    meeting = create_meeting(
        place=w.north,
        kind=MeetingKind.COLLECTION,
        starts_at=now - timedelta(days=3),
        title=MEETING_TITLE,
        venue="亲邻驿家",
    )
    invite(meeting=meeting)
    invited = list(Invitation.objects.filter(meeting=meeting).order_by("name", "id"))
    mark_attendance(meeting=meeting, attended_ids=[i.pk for i in invited[:2]])
    record_minutes(meeting=meeting, minutes=MINUTES, chair="王建国", recorder="李秀英")
    record_decision(meeting=meeting, text=DECISION, actor=None)
    w.meeting = meeting  # type: ignore[attr-defined]
    w.attended = invited[0].name  # type: ignore[attr-defined]
    # Volunteer hours for the monthly report, in the month of their start.
    started = now - timedelta(days=2)
    add_hours(get_volunteer(w.north, "王师傅"), w.building_group, started=started, hours="7.5")
    w.month = timezone.localtime(started).strftime("%Y-%m")  # type: ignore[attr-defined]
    refresh_all()
    # A volunteer's approved night patrol (20:00–00:30: 4.50 hours) for the service record.
    crew = build_crew(w)
    entry = volunteer_services.credit_hours(
        volunteer=crew.resident,
        service="夜间安全巡逻",
        started_at=aware(date(2025, 6, 6), 20),
        ended_at=aware(date(2025, 6, 7), 0, 30),
        path=crew.roster.path,
        source="manual",
        team=crew.patrol,
    )
    volunteer_services.approve_hours(entry=entry, actor=crew.leader_user)
    w.crew = crew  # type: ignore[attr-defined]
    return w


def stub_print(page) -> None:  # type: ignore[no-untyped-def]
    """Count window.print() calls instead of opening the print dialog."""
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")


def press_print(page) -> None:  # type: ignore[no-untyped-def]
    button = page.get_by_test_id("print-button")
    expect(button).to_be_visible()
    button.click()
    assert page.evaluate("window.printed") == 1


def on_paper(page) -> None:  # type: ignore[no-untyped-def]
    """Switch to print media at the width of an A4 sheet's printable part; no control shows."""
    page.set_viewport_size(PAPER)
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.get_by_test_id("print-button")).to_be_hidden()
    controls = (
        "nav, button, .button, form:not(.print-keep), input:not([type=checkbox]), select, "
        "textarea, [data-chart]"
    )
    shown = page.evaluate(
        """(controls) => [...document.querySelectorAll(controls)]
            .filter(e => e.getClientRects().length > 0)
            .map(e => e.outerHTML.slice(0, 100))""",
        controls,
    )
    assert shown == [], shown
    # Nothing is wider than the sheet (tables wrap instead of scrolling).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PAPER["width"], f"{page.url} is {width}px wide on paper"


def pdf_text(page, name: str) -> str:  # type: ignore[no-untyped-def]
    """Print the page to PDF (A4 from the page's own @page rule), keep it beside the
    screenshots and read its text back."""
    content = page.pdf(prefer_css_page_size=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(content)
    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    # A4 is 595.3 × 841.9 pt (Chromium rounds the width); the default would be US Letter.
    assert abs(float(box.width) - A4_POINTS[0]) < 1 and abs(float(box.height) - A4_POINTS[1]) < 1
    return "\n".join(p.extract_text() for p in reader.pages)


def no_controls_in(text: str) -> None:
    with override("zh-hans"):
        controls = [gettext("Sign out"), gettext("Print"), "退出", "关怀模式", "English"]
    for control in controls:
        assert control not in text, control


def test_minutes_print(desktop, world) -> None:  # type: ignore[no-untyped-def]
    page = desktop
    stub_print(page)
    sign_in(page, "secretary")
    page.goto(f"/meetings/{world.meeting.pk}/")
    expect(page.get_by_test_id("meeting-title")).to_have_text(MEETING_TITLE)
    expect(page.get_by_test_id("meeting-place")).to_have_text("北苑")
    press_print(page)

    on_paper(page)
    expect(page.get_by_test_id("meeting-title")).to_be_visible()
    expect(page.get_by_test_id("minutes")).to_be_visible()
    expect(page.get_by_test_id("decisions")).to_contain_text(DECISION)
    # The attendance list is a form for the secretary: its names and ticks stay on paper.
    attendance = page.locator("#attendance form.print-keep")
    expect(attendance).to_be_visible()
    expect(attendance).to_contain_text(world.attended)
    expect(page.get_by_test_id("save-attendance")).to_be_hidden()
    expect(page.get_by_test_id("minutes-docx")).to_be_hidden()
    screenshot(page, "print-minutes")

    text = pdf_text(page, "print-minutes")
    for expected in (MEETING_TITLE, "北苑", "亲邻驿家", DECISION, "北门电动车充电桩选址", "王建国"):
        assert expected in text, expected
    with override("zh-hans"):
        assert gettext("Save attendance") not in text
        assert gettext("Download the minutes (Word)") not in text
    no_controls_in(text)


def test_report_and_rates_print(desktop, world) -> None:  # type: ignore[no-untyped-def]
    page = desktop
    stub_print(page)
    sign_in(page, "secretary")
    page.goto(f"/dashboards/{world.north.pk}/report/{world.month}/")
    title = page.get_by_test_id("report-title")
    expect(title).to_contain_text("北苑")
    report_title = title.inner_text()
    press_print(page)

    on_paper(page)
    expect(page.get_by_test_id("report-volunteers")).to_be_visible()
    expect(page.get_by_test_id("report-volunteers")).to_contain_text(REPORT_HOURS)
    expect(page.get_by_test_id("report-xlsx")).to_be_hidden()
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('table')]
            .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map(t => t.dataset.testid || t.outerHTML.slice(0, 60))"""
    )
    assert overflowing == [], overflowing
    screenshot(page, "print-report")
    text = pdf_text(page, "print-report")
    assert report_title.replace(" ", "") in text.replace(" ", "").replace("\n", "")
    assert REPORT_HOURS in text
    no_controls_in(text)

    # The dashboard's charts give way to the tables that hold the same numbers.
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/dashboards/{world.north.pk}/")
    expect(page.get_by_test_id("chart-volunteers")).to_have_attribute("data-drawn", "1")
    on_paper(page)
    expect(page.get_by_test_id("chart-volunteers")).to_be_hidden()
    expect(page.get_by_test_id("table-volunteers")).to_be_visible()
    expect(page.get_by_test_id("table-volunteers")).to_contain_text(REPORT_HOURS)
    screenshot(page, "print-dashboard")

    # The 12345 rates of the neighbourhood: the period form goes, the rates and period stay.
    page.emulate_media(media="screen")
    page.goto(f"/appeals/rates/{world.north.pk}/")
    expect(page.get_by_test_id("period-form")).to_be_visible()
    press_print(page)
    on_paper(page)
    expect(page.get_by_test_id("period-form")).to_be_hidden()
    expect(page.get_by_test_id("period")).to_be_visible()
    expect(page.get_by_test_id("rate-response")).to_be_visible()
    screenshot(page, "print-rates")
    text = pdf_text(page, "print-rates")
    assert "北苑" in text
    no_controls_in(text)


def test_service_record_print(desktop, world) -> None:  # type: ignore[no-untyped-def]
    page = desktop
    crew = world.crew
    stub_print(page)
    sign_in(page, "resident")
    page.goto(f"/volunteers/people/{crew.resident.pk}/record/")
    expect(page.get_by_test_id("record-total")).to_have_text("4.50")
    press_print(page)

    on_paper(page)
    expect(page.get_by_test_id("record-name")).to_have_text(crew.resident.name)
    expect(page.get_by_test_id("record-lines")).to_contain_text("夜间安全巡逻")
    expect(page.get_by_test_id("record-total")).to_be_visible()
    expect(page.get_by_test_id("record-xlsx")).to_be_hidden()
    screenshot(page, "print-service-record")
    text = pdf_text(page, "print-service-record")
    for expected in (crew.resident.name, "夜间安全巡逻", "4.50", "2025"):
        assert expected in text, expected
    no_controls_in(text)

    # The ledger prints its table the same way.
    page.emulate_media(media="screen")
    page.goto(f"/volunteers/people/{crew.resident.pk}/")
    expect(page.get_by_test_id("print-button")).to_be_visible()
    on_paper(page)
    expect(page.get_by_test_id("ledger")).to_be_visible()
    expect(page.get_by_test_id("ledger-name")).to_contain_text(crew.resident.name)


@pytest.mark.parametrize("where", ["wechat", "no-script"])
def test_no_print_button_where_it_cannot_print(browser, live_server, world, where) -> None:  # type: ignore[no-untyped-def]
    options = {"user_agent": WECHAT} if where == "wechat" else {"java_script_enabled": False}
    page = new_page(browser, live_server.url, "desktop", viewport=PHONE, **options)
    try:
        sign_in(page, "resident")
        page.goto(f"/volunteers/people/{world.crew.resident.pk}/record/")
        expect(page.get_by_test_id("record-total")).to_have_text("4.50")
        expect(page.get_by_test_id("print-button")).to_be_hidden()
        if where == "wechat":
            # The script ran (it is not a missing script that keeps the button hidden).
            page.wait_for_function("window.sanxianPrintReady === true")
        sign_in(page, "secretary")
        page.goto(f"/meetings/{world.meeting.pk}/")
        expect(page.get_by_test_id("meeting-title")).to_have_text(MEETING_TITLE)
        expect(page.get_by_test_id("print-button")).to_be_hidden()
    finally:
        page.context.close()
