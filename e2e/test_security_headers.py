"""The Content Security Policy holds in a real browser: the main pages open as the people
who use them, htmx updates a page and ECharts draws (and shows its tooltip), and the
browser reports no violation of the policy on any of them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import new_page, sign_in
from sanxian.appeals.services import file_appeal, seed_default_categories
from sanxian.dashboards.services import refresh_all
from sanxian.meetings.models import MeetingKind
from sanxian.meetings.services import create_meeting
from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays
from tests.appeals.conftest import category
from tests.world import build_world

# Records every violation the page reports, whatever the console says.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


# Whether a chart shows a tooltip: a visible element with text inside the chart.
TOOLTIP_SHOWN = """el => Array.from(el.querySelectorAll("div")).some(
  d => d.innerText.trim() && getComputedStyle(d).display !== "none"
)"""


@pytest.fixture
def world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    # Transactional tests flush what the data migrations wrote: seed calendar and categories.
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_cache()
    year = timezone.localdate().year
    seed_holidays([year, year + 1])
    seed_default_categories()
    w = build_world()
    kind = category()
    for text in ("楼道堆物", "路灯不亮", "电梯异响"):
        file_appeal(
            category=kind,
            text=text,
            place=w.building_group,
            resident=w.resident,
            filed_by=w.users["resident"],
            now=timezone.now() - timedelta(days=3),
        )
    w.meeting = create_meeting(  # type: ignore[attr-defined]
        place=w.north,
        kind=MeetingKind.COLLECTION,
        starts_at=timezone.now() + timedelta(days=2),
        title="北苑民情收集会",
    )
    refresh_all()
    return w


@pytest.fixture
def watched(browser, live_server):  # type: ignore[no-untyped-def]
    """A page that collects CSP violations from the console and from the page's events."""
    page = new_page(browser, live_server.url, viewport={"width": 1100, "height": 900})
    page.add_init_script(WATCH)
    console: list[str] = []
    page.on(
        "console",
        lambda m: (
            console.append(m.text)
            if m.type in ("error", "warning") and "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: console.append(f"page error: {e}"))
    yield page, console
    page.context.close()


def violations(page, console: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    return console + page.evaluate("window.__cspViolations || []")


def test_main_pages_keep_the_policy(watched, world) -> None:  # type: ignore[no-untyped-def]
    page, console = watched
    seen: dict[str, list[str]] = {}

    def visit(url: str) -> None:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        page.wait_for_load_state("networkidle")
        seen[url] = violations(page, console)

    # A resident: home, the appeal form, activities and volunteer teams.
    sign_in(page, "resident")
    for url in ("/", "/appeals/new/", "/activities/", "/volunteers/"):
        visit(url)
    page.goto("/appeals/new/")
    page.get_by_test_id("category-choices").locator("input").first.check()
    page.locator("textarea[name=text]").fill("三楼楼道灯不亮")
    page.get_by_test_id("place-choices").locator("input").first.check()
    page.get_by_test_id("submit-appeal").click()
    page.wait_for_url(re.compile(r"/appeals/\d+/$"))
    seen["file an appeal"] = violations(page, console)
    page.locator("form[action*=logout] button").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)

    # The neighborhood secretary: a meeting, the dashboard with its charts, the search.
    sign_in(page, "secretary")
    visit(f"/meetings/{world.meeting.pk}/")
    expect(page.get_by_test_id("meeting-title")).to_have_text("北苑民情收集会")
    visit("/dashboards/")
    charts = page.locator('[data-chart][data-drawn="1"]')
    expect(charts.first.locator("canvas")).to_have_count(1)
    assert page.evaluate("typeof window.echarts") == "object"
    tooltips = 0
    for i in range(charts.count()):  # hovering each chart shows ECharts' tooltip
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None
        for dx in (0.3, 0.5, 0.7):
            for dy in (0.4, 0.6):
                page.mouse.move(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
                page.wait_for_timeout(60)
        tooltips += chart.evaluate(TOOLTIP_SHOWN)
    assert tooltips > 0
    seen["dashboard tooltips"] = violations(page, console)

    visit("/search/")
    assert page.evaluate("typeof window.htmx") == "object"
    page.locator("#q").fill(world.resident.name[:1])
    expect(page).to_have_url(re.compile(r"q="))  # htmx swapped the results in
    page.wait_for_load_state("networkidle")
    seen["htmx search"] = violations(page, console)

    reported = {where: found for where, found in seen.items() if found}
    assert not reported, reported
