"""On a phone: a resident signs up for the New Year's Eve dinner, then joins the waiting
list of the full lantern riddles; an organiser sees both lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from sanxian.accounts.models import User
from sanxian.activities import services
from sanxian.activities.models import Activity, ActivitySignup, OrganiserKind, SignupState
from tests.world import build_world


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    w = build_world()
    starts = timezone.now() + timedelta(days=20)
    w.dinner = services.create_activity(  # type: ignore[attr-defined]
        place=w.north,
        title="北苑年夜饭",
        description="楼里的老人和邻居们一起吃年夜饭。",
        audience="独居、高龄老人优先",
        starts_at=starts.replace(hour=9, minute=30),
        ends_at=starts.replace(hour=12, minute=0),
        capacity=10,
        organiser_kind=OrganiserKind.BRANCH,
        organiser_branch=w.branch,
    )
    later = starts + timedelta(days=15)
    w.riddles = services.create_activity(  # type: ignore[attr-defined]
        place=w.north,
        title="元宵猜灯谜",
        starts_at=later.replace(hour=10, minute=30),
        ends_at=later.replace(hour=12, minute=0),
        capacity=1,
        organiser_kind=OrganiserKind.COMMITTEE,
    )
    services.sign_up(
        activity=w.riddles,  # type: ignore[attr-defined]
        residents=[w.member_resident],
        actor=w.users["party_member"],
    )
    return w


def fits(page) -> None:  # type: ignore[no-untyped-def]
    """No sideways scrolling, and every visible button and link in the page body is at
    least 44 px tall (a finger's tap)."""
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a, main summary')]
            .filter(e => e.offsetParent !== null && !e.closest('.messages'))
            .filter(e => e.getBoundingClientRect().height < 44)
            .map(e => e.textContent.trim().slice(0, 30))"""
    )
    assert not small, f"{page.url}: small tap targets {small}"


def test_resident_signs_up_on_a_phone(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "resident")
    page.goto("/activities/")
    dinner = page.get_by_test_id(f"activity-{world.dinner.pk}")
    expect(dinner).to_contain_text("北苑年夜饭")
    expect(dinner.get_by_test_id("seats-left")).to_have_attribute("data-left", "10")
    expect(
        page.get_by_test_id(f"activity-{world.riddles.pk}").get_by_test_id("full")
    ).to_be_visible()
    fits(page)
    screenshot(page, "activity-list")

    dinner.locator("a.activity-link").click()
    expect(page.get_by_test_id("activity-title")).to_have_text("北苑年夜饭")
    button = page.get_by_test_id("signup-submit")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44
    checkbox = page.get_by_test_id(f"who-{world.resident.pk}")
    expect(checkbox).to_be_checked()
    fits(page)
    screenshot(page, "activity-detail")
    button.click()
    expect(page.get_by_test_id(f"member-{world.resident.pk}")).to_have_attribute(
        "data-state", SignupState.CONFIRMED
    )
    expect(page.get_by_test_id("seats-left")).to_have_attribute("data-left", "9")
    fits(page)
    screenshot(page, "activity-signed-up")

    page.goto(f"/activities/{world.riddles.pk}/")
    expect(page.get_by_test_id("full")).to_be_visible()
    page.get_by_test_id("signup-submit").click()
    member = page.get_by_test_id(f"member-{world.resident.pk}")
    expect(member).to_have_attribute("data-state", SignupState.WAITING)
    expect(member.get_by_test_id("waiting-position")).to_have_attribute("data-position", "1")
    fits(page)
    screenshot(page, "activity-waiting-list")

    page.goto("/activities/mine/")
    expect(page.get_by_test_id("mine").locator("[data-state=confirmed]")).to_have_count(1)
    expect(page.get_by_test_id("mine").locator("[data-state=waiting]")).to_have_count(1)
    fits(page)
    screenshot(page, "activity-mine")

    assert (
        ActivitySignup.objects.get(activity=world.dinner, resident=world.resident).state
        == SignupState.CONFIRMED
    )
    assert (
        ActivitySignup.objects.get(activity=world.riddles, resident=world.resident).state
        == SignupState.WAITING
    )


def test_organiser_sees_seats_and_the_waiting_list(phone, world) -> None:  # type: ignore[no-untyped-def]
    services.sign_up(
        activity=world.riddles, residents=[world.resident], actor=world.users["resident"]
    )
    page = phone
    sign_in(page, "secretary")
    page.goto(f"/activities/{world.riddles.pk}/")
    expect(page.get_by_test_id("manage")).to_be_visible()
    fits(page)
    screenshot(page, "activity-organiser")
    page.get_by_test_id("signups-link").click()
    expect(page.get_by_test_id("waiting-list")).to_contain_text(world.resident.name)
    seat = ActivitySignup.objects.get(activity=world.riddles, state=SignupState.CONFIRMED)
    page.get_by_test_id(f"staff-cancel-{seat.pk}").click()
    expect(page.get_by_test_id("confirmed-count")).to_have_text("1")
    expect(page.get_by_test_id("waiting-count")).to_have_text("0")
    fits(page)
    screenshot(page, "activity-signups")
    promoted = ActivitySignup.objects.get(activity=world.riddles, resident=world.resident)
    assert promoted.state == SignupState.CONFIRMED and promoted.promoted_at is not None


def test_organiser_creates_an_activity(phone, world) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "secretary")
    page.goto("/activities/new/")
    fits(page)
    page.locator("input[name=title]").fill("包粽子送老人")
    page.locator("select[name=place]").select_option(str(world.north.pk))
    day = (timezone.localdate() + timedelta(days=40)).isoformat()
    page.locator("input[name=day]").fill(day)
    page.locator("input[name=start]").fill("09:00")
    page.locator("input[name=end]").fill("11:30")
    page.locator("input[name=capacity]").fill("30")
    page.locator("input[name=organiser_kind][value=branch]").check()
    page.locator("select[name=organiser_branch]").select_option(str(world.branch.pk))
    page.locator("input[name=audience]").fill("为高龄、独居老人送粽子")
    screenshot(page, "activity-form")
    page.get_by_test_id("save-activity").click()
    expect(page.get_by_test_id("activity-title")).to_have_text("包粽子送老人")
    expect(page.get_by_test_id("seats-left")).to_have_attribute("data-left", "30")
    fits(page)


def test_demo_resident_signs_up_for_the_new_year_dinner(phone, transactional_db) -> None:  # type: ignore[no-untyped-def]
    from sanxian.demo.activities import load_activities
    from sanxian.demo.xietu import DEMO_PASSWORD, load_demo

    load_demo()
    load_activities()
    dinner = Activity.objects.filter(title__contains="年夜饭", starts_at__gt=timezone.now()).get()
    page = phone
    sign_in(page, "resident", DEMO_PASSWORD)
    page.goto("/activities/")
    card = page.get_by_test_id(f"activity-{dinner.pk}")
    expect(card).to_be_visible()
    expect(page.get_by_test_id("past")).to_contain_text("包粽子送老人")
    fits(page)
    screenshot(page, "activity-demo-list")
    card.locator("a.activity-link").click()
    me = User.objects.get(username="resident").resident_id
    page.get_by_test_id("signup-submit").click()
    expect(page.get_by_test_id(f"member-{me}")).to_have_attribute(
        "data-state", SignupState.CONFIRMED
    )
    fits(page)
    screenshot(page, "activity-demo-dinner")
    past = Activity.objects.filter(title__contains="包粽子送老人").get()
    page.goto(f"/activities/{past.pk}/")
    expect(page.get_by_test_id("summary")).to_be_visible()
    fits(page)
    screenshot(page, "activity-demo-past")
