"""With the keyboard alone (Tab, Shift+Tab, Enter, Space and the arrow keys; no pointer):
the skip link comes first and leads into the page's main part, a resident files an appeal
from the home page to the confirmation, and the secretary filters the issues list and opens
an issue. Every element that takes focus on the way shows where the focus is."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, new_page, screenshot, sign_in
from sanxian.appeals.models import Appeal, AppealState
from sanxian.appeals.services import seed_default_categories
from sanxian.issues.models import Issue, IssueSource, IssueState
from sanxian.issues.services import create_issue
from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays
from tests.world import build_world

# How many Tab presses a walk to one control may take before it counts as unreachable.
MAX_TABS = 80

# What the focused element is and how it shows its focus.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name") || "",
    type: el.getAttribute("type") || "",
    href: el.getAttribute("href") || "",
    testid: el.getAttribute("data-testid") || "",
    text: (el.innerText || el.value || "").trim().slice(0, 40),
    inMain: !!el.closest("main"),
    outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2
      ? s.outlineStyle + " " + s.outlineWidth + " " + s.outlineColor : "",
    shadow: s.boxShadow !== "none" ? s.boxShadow : "",
    width: box.width,
    height: box.height,
  };
}"""


@pytest.fixture
def world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_cache()
    year = timezone.localdate().year
    seed_holidays([year, year + 1])
    seed_default_categories()
    w = build_world()
    create_issue(place=w.building_group, title="楼道堆物", source=IssueSource.STAFF, actor=None)
    create_issue(place=w.building, title="电动车充电", source=IssueSource.STAFF, actor=None)
    return w


@pytest.fixture(params=["phone", "desktop"])
def keyboard_page(request, browser, live_server):  # type: ignore[no-untyped-def]
    """A page on a phone with a keyboard attached, or on an office PC."""
    screen = {"phone": PHONE, "desktop": DESKTOP}[request.param]
    page = new_page(browser, live_server.url, viewport=screen)
    page.screen = request.param  # type: ignore[attr-defined]
    yield page
    page.context.close()


class Keys:
    """Drives a page with the keyboard and checks the focus indicator of every tab stop."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.stops: list[dict] = []

    def focused(self) -> dict | None:
        return self.page.evaluate(FOCUSED)

    def press(self, key: str) -> dict | None:
        self.page.keyboard.press(key)
        now = self.focused()
        if key in ("Tab", "Shift+Tab") and now is not None:
            self.stops.append(now)
            assert now["outline"] or now["shadow"], f"no visible focus indicator on {now}"
            assert now["width"] > 0 and now["height"] > 0, f"focus on an invisible element: {now}"
        return now

    def follow(self) -> None:
        """Press Enter on the focused link or button and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.page.wait_for_load_state("networkidle")

    def tab_to(self, what: str, **want: object) -> dict:
        """Tab forward until the focused element has the wanted attributes."""
        for _ in range(MAX_TABS):
            now = self.press("Tab")
            if now is not None and all(now[k] == v for k, v in want.items()):
                return now
        raise AssertionError(f"{what} cannot be reached with Tab: stops were {self.stops[-10:]}")


def test_skip_link_is_the_first_stop_and_leads_into_main(world, keyboard_page) -> None:  # type: ignore[no-untyped-def]
    page = keyboard_page
    sign_in(page, "secretary")
    page.goto(reverse("issues:list"))
    keys = Keys(page)
    first = keys.press("Tab")
    assert first is not None and "skip-link" in page.evaluate("document.activeElement.className"), (
        first
    )
    assert first["href"] == "#main"
    # Shown while it has the focus: inside the window, not off-screen.
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= page.viewport_size["width"]
    # Shift+Tab from the second stop comes back to it.
    keys.press("Tab")
    back = keys.press("Shift+Tab")
    assert back is not None and back["href"] == "#main"
    keys.press("Enter")
    page.wait_for_function("location.hash === '#main'")
    assert page.evaluate("document.activeElement.id") == "main"
    # The focus is in the main part now: the next Tab skips the whole top bar.
    after = keys.press("Tab")
    assert after is not None and after["inMain"], after
    assert after["href"] == reverse("issues:new"), after


def test_resident_files_an_appeal_with_the_keyboard_alone(world, keyboard_page) -> None:  # type: ignore[no-untyped-def]
    page = keyboard_page
    sign_in(page, "resident")
    page.goto("/")
    keys = Keys(page)
    keys.tab_to("the link to the appeal form", href=reverse("appeals:new"))
    keys.follow()
    expect(page.get_by_test_id("appeal-form")).to_be_visible()

    # The category: Tab into the group, the arrow key picks the next one (楼道堆物).
    keys.tab_to("the categories", name="category")
    keys.press("ArrowDown")
    assert page.locator("#id_category_1").is_checked()
    keys.tab_to("the description", name="text")
    page.keyboard.type("3楼楼道堆满了旧家具和纸箱，老人上下楼很不方便。")
    # The place: Tab into the group, Space picks the focused first one, the arrow the next.
    keys.tab_to("the places", name="place")
    keys.press("Space")
    assert page.locator("#id_place_0").is_checked()
    keys.press("ArrowDown")
    assert page.locator("#id_place_1").is_checked()
    keys.tab_to("the phone number", name="contact_phone")
    page.keyboard.type("13812345678")
    # Back with Shift+Tab past the photos to the place group, and forward again.
    keys.press("Shift+Tab")
    back = keys.press("Shift+Tab")
    assert back is not None and back["name"] == "place", back
    keys.tab_to("the phone number again", name="contact_phone")
    keys.tab_to("the Send button", testid="submit-appeal")
    screenshot(page, f"keyboard-appeal-{page.screen}")
    keys.follow()

    expect(page.get_by_test_id("appeal-state")).to_have_attribute(
        "data-state", AppealState.SUBMITTED
    )
    appeal = Appeal.objects.get()
    assert appeal.place_id == world.building_group.pk
    assert appeal.category.name == "楼道堆物"
    assert appeal.text.startswith("3楼楼道")
    assert [s for s in keys.stops if s["inMain"]], "no stop in the main part was checked"


def test_secretary_filters_issues_and_opens_one_with_the_keyboard(world, keyboard_page) -> None:  # type: ignore[no-untyped-def]
    page = keyboard_page
    sign_in(page, "secretary")
    page.goto("/")
    keys = Keys(page)
    keys.tab_to("the issues list in the top bar", href=reverse("issues:list"))
    keys.follow()
    assert page.url.endswith(reverse("issues:list"))
    filters = page.get_by_test_id("state-filter")
    state = IssueState.COLLECTED.value
    keys.tab_to("the filter by state", href=f"{reverse('issues:list')}?state={state}")
    keys.follow()
    assert page.url.endswith(f"?state={state}")
    expect(filters.locator(f'a[data-state="{state}"]')).to_have_attribute("aria-current", "page")
    rows = page.get_by_test_id("issues").locator("a[data-issue]")
    expect(rows).to_have_count(2)
    href = rows.first.get_attribute("href")
    pk = rows.first.get_attribute("data-issue")
    assert href is not None and pk is not None
    keys.tab_to("the first issue", href=href)
    keys.follow()
    assert page.url.endswith(href)
    expect(page.locator("main h1")).to_contain_text(Issue.objects.get(pk=pk).title)
    screenshot(page, f"keyboard-issue-{page.screen}")
    assert len(keys.stops) >= 5
