"""Every page a person can reach passes axe-core's WCAG 2 A and AA checks in a real browser,
on a phone and on an office PC, with no serious or critical violation.

Each persona signs in and follows the links the pages offer it (as tests/test_crawl.py does
with the test client), so a new page is checked as soon as some page links to it. The walk
opens one page of each URL pattern (ids replaced) per persona and screen, and axe checks it
unless another persona's page of that pattern had the same make-up on that screen.

axe-core comes from the npm registry through package.json (``npm ci``) and is read straight
from node_modules by the test browser: the product never serves it, and each page keeps its
Content Security Policy while it is checked.
"""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, new_page, screenshot, sign_in
from sanxian.activities import services as activities
from sanxian.activities.models import OrganiserKind
from sanxian.appeals.services import file_appeal, seed_default_categories
from sanxian.dashboards.services import refresh_all
from sanxian.issues.models import IssueSource
from sanxian.issues.services import create_issue
from sanxian.meetings import services as meetings
from sanxian.meetings.models import MeetingKind
from sanxian.volunteers import services as volunteers
from sanxian.volunteers.models import DutyShift
from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays
from tests.appeals.conftest import category
from tests.volunteers.conftest import build_crew
from tests.world import build_world

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__axe-core__/axe.min.js"  # answered by the test browser, see with_axe()
if not AXE.exists():
    pytest.fail(f"{AXE} is missing: install the front-end packages (`make setup`, npm ci)")
AXE_VERSION = json.loads((AXE.parent / "package.json").read_text(encoding="utf-8"))["version"]

# Everyone who signs in, each on a phone and on an office PC.
PERSONAS = [
    "resident",
    "party_member",
    "group_leader",
    "vleader",
    "social_worker",
    "secretary",
    "admin",
    "auditor",
]
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
FAILING = ("serious", "critical")
# Pages every run must reach, so that a walk that goes wrong cannot pass as clean.
MAIN_PAGES = (
    "/",
    "/places/<n>/",
    "/residents/<n>/",
    "/grids/<n>/",
    "/structure/<n>/",
    "/issues/",
    "/issues/<n>/",
    "/appeals/",
    "/appeals/<n>/",
    "/appeals/new/",
    "/meetings/",
    "/meetings/<n>/",
    "/activities/",
    "/activities/<n>/",
    "/volunteers/",
    "/volunteers/teams/<n>/",
    "/dashboards/<n>/",
    "/rosters/",
    "/inbox/",
    "/audit/",
    "/volunteers/rosters/<n>/",
    "/volunteers/shifts/<n>/",
    "/meetings/check-in/<token>/",
    "/activities/check-in/<token>/",
    "/volunteers/check-in/<token>/",
)
# The walk's bounds: pages of one URL pattern fetched per persona (a second team's page may
# show rosters the first one has not), and pages fetched per persona in all.
PER_PATTERN = 3
LIMIT = 150

SKIP = ("/static/", "/media/", "/accounts/logout/", "/i18n/", "/admin/", "/api/")
# Links to files rather than pages (spreadsheets, documents, calendars, QR codes, photos).
FILE = re.compile(r"\.(xlsx|docx|ics|svg|csv|png|jpe?g|pdf|zip)$|/photos/\d+/$")

# Serious violations known and not yet fixed: (rule id, URL pattern) -> the template that
# causes it, with what is wrong and the fix in the comment above. The test tolerates exactly
# these and fails when one of them no longer occurs, so the list can only shrink: delete an
# entry once its page is fixed.
KNOWN: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Violation:
    persona: str
    screen: str
    url: str
    pattern: str
    rule: str
    impact: str
    targets: tuple[str, ...]
    help: str

    def __str__(self) -> str:
        where = ", ".join(self.targets[:5]) + (" …" if len(self.targets) > 5 else "")
        return (
            f"{self.pattern} ({self.url} as {self.persona} on {self.screen}): "
            f"{self.rule} [{self.impact}] {self.help} — {where}"
        )


def pattern(path: str) -> str:
    """The URL's shape: ids, months, years and tokens replaced, the query left off."""
    path = urlsplit(path).path
    path = re.sub(r"/\d{4}-\d{2}(?=/|$|\.)", "/<month>", path)
    path = re.sub(r"/\d+(?=/|$|\.)", "/<n>", path)
    return re.sub(r"/[A-Za-z0-9_:.-]{16,}(?=/|$)", "/<token>", path)


RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]},
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")),
  }));
}"""

# Links the page offers: same site, in the page as the person sees it.
LINKS = """() => [...document.querySelectorAll("a[href]:not([download])")]
  .map(a => new URL(a.getAttribute("href"), location.href))
  .filter(u => u.origin === location.origin)
  .map(u => u.pathname + u.search)"""

LINK = re.compile(r'<a [^>]*href="(/[^"#?]*(?:\?[^"#]*)?)"')


class _Shape(HTMLParser):
    """Collects each kind of element inside <main>: tag, classes, role and test id."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.parts: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.inside = True
        elif self.inside:
            a = dict(attrs)
            self.parts.add(
                ":".join([tag, *(a.get(k) or "" for k in ("class", "role", "data-testid"))])
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.inside = False


def main_shape(html: str) -> str:
    """What a page's main part is made of, whatever its text or how many rows it has."""
    parser = _Shape()
    parser.feed(html)
    return " ".join(sorted(parser.parts))


# htmx fragments that load with the page (the inbox badge, lists) are in place.
SETTLED = "() => !document.querySelector('.htmx-request')"


def with_axe(page) -> None:  # type: ignore[no-untyped-def]
    """Let the page load axe from AXE_URL: the browser answers that address from
    node_modules, so the script is the page's own under its Content Security Policy
    ('self'), which keeps holding while the page is checked; the product never serves it."""
    page.route(
        f"**{AXE_URL}",
        lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"),
    )


@dataclass
class Walk:
    violations: list[Violation] = field(default_factory=list)
    patterns: set[str] = field(default_factory=set)
    checks: int = 0


@pytest.fixture
def world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    """The test sub-district with something on every list: issues, appeals, a meeting, an
    activity with a sign-up, volunteer teams with a roster, and the dashboards' figures."""
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_cache()
    year = timezone.localdate().year
    seed_holidays([year, year + 1])
    seed_default_categories()
    w = build_world()
    crew = build_crew(w)
    start = timezone.now() + timedelta(hours=2)
    shift = DutyShift.objects.create(
        roster=crew.roster, starts_at=start, ends_at=start + timedelta(hours=3), capacity=2
    )
    create_issue(place=w.building_group, title="楼道堆物", source=IssueSource.STAFF, actor=None)
    kind = category()
    for text in ("楼道灯坏了", "电梯异响"):
        file_appeal(
            category=kind,
            text=text,
            place=w.household,
            resident=w.resident,
            filed_by=w.users["resident"],
            now=timezone.now() - timedelta(days=3),
        )
    meeting = meetings.create_meeting(
        place=w.north,
        kind=MeetingKind.COLLECTION,
        starts_at=timezone.now() + timedelta(days=2),
        title="北苑民情收集会",
    )
    starts = timezone.now() + timedelta(days=20)
    dinner = activities.create_activity(
        place=w.north,
        title="北苑年夜饭",
        description="楼里的老人和邻居们一起吃年夜饭。",
        starts_at=starts.replace(hour=9, minute=30),
        ends_at=starts.replace(hour=12, minute=0),
        capacity=10,
        organiser_kind=OrganiserKind.BRANCH,
        organiser_branch=w.branch,
    )
    activities.sign_up(
        activity=dinner, residents=[w.member_resident], actor=w.users["party_member"]
    )
    # An activity that took place, with a helper: its page has the helpers and summary forms.
    held = activities.create_activity(
        place=w.north,
        title="北苑楼道清扫",
        description="志愿者和居民一起清理楼道。",
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=2),
        capacity=10,
        organiser_kind=OrganiserKind.BRANCH,
        organiser_branch=w.branch,
    )
    activities.mark_held(activity=held)
    w.held = held  # type: ignore[attr-defined]
    w.dinner = dinner  # type: ignore[attr-defined]
    refresh_all()
    # Reached by scanning a QR code on a poster or a phone, not by a link; and the page
    # for an address that leads nowhere.
    w.scanned = [  # type: ignore[attr-defined]
        "/places/999999/",
        reverse("meetings:checkin", args=[meetings.checkin_token(meeting)]),
        reverse("activities:checkin", args=[activities.checkin_token(dinner)]),
        reverse("volunteers:checkin", args=[volunteers.checkin_token(shift)]),
    ]
    return w


def open_screen(browser, base_url: str, screen: str):  # type: ignore[no-untyped-def]
    """A browser context the size of the screen, whose pages can load axe."""
    page = new_page(browser, base_url, screen)
    with_axe(page)
    return page.context, page


def axe_violations(page, persona: str, screen: str, url: str) -> list[Violation]:  # type: ignore[no-untyped-def]
    """The serious and critical violations axe finds on the page as it is now."""
    page.add_script_tag(url=AXE_URL)
    return [
        Violation(
            persona,
            screen,
            url,
            pattern(url),
            v["id"],
            v["impact"],
            tuple(v["targets"]),
            v["help"],
        )
        for v in page.evaluate(RUN_AXE)
        if v["impact"] in FAILING
    ]


def walk(
    browser, base_url: str, persona: str, start: list[str], shapes: dict[str, set[str]]
) -> Walk:  # type: ignore[no-untyped-def]
    """Follow the persona's links and check each new page with axe on each screen.

    The walk fetches up to PER_PATTERN pages of each URL pattern with the persona's session,
    starting from the home page and the given pages. Each screen's browser opens and checks
    a page unless one of the same pattern and the same make-up (main_shape) was already
    checked on that screen, by this or another persona: the resident's and the secretary's
    inbox settings are the same page, their household pages are not. Each persona's first
    page is always checked, for the header its roles give it.
    """
    screens = {screen: open_screen(browser, base_url, screen) for screen in SCREENS}
    result = Walk()
    try:
        first = screens["phone"][0]
        sign_in(screens["phone"][1], persona)
        for context, _page in screens.values():
            if context is not first:
                context.add_cookies(first.cookies())
        queue = deque(["/", *start])
        seen: set[str] = set()
        fetched: Counter[str] = Counter()
        while queue and fetched.total() < LIMIT:
            url = queue.popleft()
            if url in seen or url.startswith(SKIP) or FILE.search(urlsplit(url).path):
                continue
            seen.add(url)
            if fetched[pattern(url)] >= PER_PATTERN:
                continue
            response = first.request.get(url)  # redirects followed
            here = urlsplit(response.url)
            landed = here.path + (f"?{here.query}" if here.query else "")
            if (
                response.status not in (200, 400, 404)  # a refused scan, a missing page
                or "text/html" not in response.headers.get("content-type", "")
                or "/accounts/login/" in landed
                or fetched[pattern(landed)] >= PER_PATTERN
            ):
                continue
            fetched[pattern(landed)] += 1
            if landed != url:
                seen.add(landed)
            result.patterns.add(pattern(landed))
            html = response.text()
            queue.extend(link.replace("&amp;", "&") for link in LINK.findall(html))
            shape = f"{pattern(landed)} {main_shape(html)}"
            for screen, (_context, page) in screens.items():
                if shape in shapes[screen] and fetched.total() > 1:
                    continue
                shapes[screen].add(shape)
                page.goto(landed)
                page.wait_for_function(SETTLED)
                queue.extend(page.evaluate(LINKS))  # with what htmx loaded
                result.violations += axe_violations(page, persona, screen, landed)
                result.checks += 1
        if persona == "resident":
            for screen, (_context, page) in screens.items():
                page.goto("/")
                screenshot(page, f"accessibility-resident-home-{screen}")
    finally:
        for context, _page in screens.values():
            context.close()
    return result


@pytest.mark.parametrize("screen", SCREENS)
def test_sign_in_page_passes_axe_and_axe_finds_faults(  # type: ignore[no-untyped-def]
    browser, live_server, transactional_db, screen
) -> None:
    """The sign-in page, the one page everybody sees, passes, also when it says the password
    was wrong; and the check itself works: axe runs under the page's policy and reports a
    button without a name, so a clean result means something."""
    context, page = open_screen(browser, live_server.url, screen)
    try:
        page.goto("/accounts/login/")
        assert not axe_violations(page, "anonymous", screen, "/accounts/login/")
        page.locator("input[name=username]").fill("nobody-here")
        page.locator("input[name=password]").fill("wrong password")
        page.locator("main form button[type=submit]").click()
        page.wait_for_selector("main [role=alert]")
        assert not axe_violations(page, "anonymous", screen, "/accounts/login/ (refused)")
        assert page.evaluate("axe.version") == AXE_VERSION
        page.evaluate("document.querySelector('main').append(document.createElement('button'))")
        rules = {v.rule for v in axe_violations(page, "anonymous", screen, "/accounts/login/")}
        assert "button-name" in rules, rules
    finally:
        context.close()


def submit(page, form: str) -> None:  # type: ignore[no-untyped-def]
    """Send the form as it is, as a browser that checks nothing itself would, and wait for
    the page that answers."""
    with page.expect_navigation():
        page.locator(form).evaluate("f => { f.noValidate = true; f.requestSubmit(); }")
    page.wait_for_function(SETTLED)


def _appeal_refused(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("appeals:new"))
    submit(page, "[data-testid=appeal-form]")


def _appeal_filed(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("appeals:new"))
    page.locator("#id_category_0").check()
    page.locator("#id_text").fill("楼下路灯不亮了。")
    page.locator("#id_place_0").check()
    submit(page, "[data-testid=appeal-form]")


def _issue_refused(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("issues:new"))
    submit(page, "[data-testid=form-new-issue]")


def _activity_refused(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("activities:create"))
    submit(page, "[data-testid=activity-form]")


def _rule_refused(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("meetings:cycle_rule", args=[w.north.pk]))
    page.locator("input[name=consultation_day]").fill("40")
    submit(page, "[data-testid=rule-form]")


def _rule_saved(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("meetings:cycle_rule", args=[w.north.pk]))
    page.locator("input[name=consultation_day]").fill("26")
    page.locator("input[name=venue]").fill("北苑睦邻中心")
    submit(page, "[data-testid=rule-form]")


def _roster_refused(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("rosters:index"))
    page.locator("[data-testid=upload-form] input[type=file]").set_input_files(
        {"name": "居民.xlsx", "mimeType": "application/octet-stream", "buffer": b"not a workbook"}
    )
    submit(page, "[data-testid=upload-form]")


def _calendar(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("appeals:calendar", args=[timezone.localdate().year]))


def _calendar_day_refused(page, w) -> None:  # type: ignore[no-untyped-def]
    _calendar(page, w)
    submit(page, "[data-testid=day-form]")


def _calendar_day_saved(page, w) -> None:  # type: ignore[no-untyped-def]
    _calendar(page, w)
    page.locator("[data-testid=day-form] input[name=date]").fill(
        f"{timezone.localdate().year}-12-31"
    )
    page.locator("[data-testid=day-form] select[name=kind]").select_option("holiday")
    page.locator("[data-testid=day-form] input[name=name]").fill("年终调休")
    submit(page, "[data-testid=day-form]")


def _checkins_saved(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("activities:signups", args=[w.dinner.pk]))
    submit(page, "form:has([data-testid=save-checkins])")


def _helper_refused(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("activities:detail", args=[w.held.pk]))
    submit(page, "form:has([data-testid=add-helper])")


def _summary_saved(page, w) -> None:  # type: ignore[no-untyped-def]
    page.goto(reverse("activities:detail", args=[w.held.pk]))
    page.locator("form:has([data-testid=save-summary]) textarea").fill("二十位邻居参加。")
    submit(page, "form:has([data-testid=save-summary])")


# Pages in states no link leads to: each main form refused (sent empty or wrong) and the
# page after a form was accepted, with its message. (persona, name, how to get there, what
# shows the state was reached.)
ERROR = "main [role=alert], main .errorlist, main .message-error"
DONE = "main [role=status] .message-success"
STATES = [
    ("resident", "appeal form refused", _appeal_refused, ERROR),
    ("resident", "appeal filed", _appeal_filed, DONE),
    ("secretary", "new issue refused", _issue_refused, ERROR),
    ("party_member", "new issue refused", _issue_refused, ERROR),
    ("secretary", "activity form refused", _activity_refused, ERROR),
    ("secretary", "cycle rule refused", _rule_refused, ERROR),
    ("secretary", "cycle rule saved", _rule_saved, DONE),
    ("secretary", "roster file refused", _roster_refused, ERROR),
    ("secretary", "check-in saved", _checkins_saved, DONE),
    ("secretary", "helper refused", _helper_refused, ERROR),
    ("secretary", "summary saved", _summary_saved, DONE),
    ("admin", "working-day calendar", _calendar, "[data-testid=calendar-days]"),
    ("admin", "calendar day refused", _calendar_day_refused, ERROR),
    ("admin", "calendar day saved", _calendar_day_saved, DONE),
]


@pytest.mark.parametrize("screen", SCREENS)
def test_refused_forms_and_messages_pass_axe(browser, live_server, world, screen) -> None:  # type: ignore[no-untyped-def]
    """States the walk cannot reach by links: every main form sent empty or wrong shows its
    errors, and the page after an accepted form shows its message, with no serious or
    critical violation."""
    context, page = open_screen(browser, live_server.url, screen)
    found: list[Violation] = []
    try:
        persona = ""
        for who, name, reach, proof in STATES:
            if who != persona:
                sign_in(page, who)
                persona = who
            reach(page, world)
            expect(page.locator(proof).first).to_be_visible()
            found += axe_violations(page, who, screen, f"{urlsplit(page.url).path} ({name})")
            if screen == "phone" and proof == ERROR:
                screenshot(page, f"accessibility-{name.replace(' ', '-')}-{screen}")
    finally:
        context.close()
    for v in found:
        print(v)
    report = "\n".join(str(v) for v in found)
    assert not found, f"{len(found)} serious or critical accessibility violations:\n{report}"


def test_every_reachable_page_passes_axe(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    found: list[Violation] = []
    reached: set[str] = set()
    checks = 0
    shapes: dict[str, set[str]] = {screen: set() for screen in SCREENS}
    for persona in PERSONAS:
        result = walk(browser, live_server.url, persona, world.scanned, shapes)
        found.extend(result.violations)
        reached |= result.patterns
        checks += result.checks
    print(f"\naxe: {len(reached)} URL patterns reached, {checks} pages checked")
    for v in found:
        print(v)

    # The walk reached the product's main pages (a broken walk must not pass as clean).
    for expected in MAIN_PAGES:
        assert expected in reached, f"the walk never reached {expected}: {sorted(reached)}"

    new = [v for v in found if (v.rule, v.pattern) not in KNOWN]
    gone = [key for key in KNOWN if not any((v.rule, v.pattern) == key for v in found)]
    report = "\n".join(str(v) for v in new)
    assert not new, f"{len(new)} serious or critical accessibility violations:\n{report}"
    assert not gone, f"no longer found, so delete from KNOWN in {__file__}: {gone}"
