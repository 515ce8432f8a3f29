"""On a phone: a resident sees the unread count on the top bar, opens the inbox, marks one
notification read, then all, and chooses the daily digest (screenshots at 360 px wide)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from sanxian.notifications.models import EmailMode, Kind, Notification, NotificationPreference
from sanxian.notifications.services import Message, notify
from tests.world import build_world


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    return build_world()


def fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_resident_reads_the_inbox_on_a_phone(phone, world) -> None:  # type: ignore[no-untyped-def]
    resident = world.users["resident"]
    notify(
        [
            (
                resident.pk,
                Message(
                    event="e2e:meeting",
                    kind=Kind.MEETING_REMINDER,
                    title="会议提醒：北苑亲邻合议推进会",
                    body="2026年12月25日 14:00，亲邻驿家",
                    link=reverse("appeals:mine"),
                ),
            ),
            (
                resident.pk,
                Message(
                    event="e2e:appeal",
                    kind=Kind.APPEAL_UPDATE,
                    title="您的诉求已受理",
                    body="工作人员明天上门查看楼道灯。",
                    link=reverse("appeals:mine"),
                ),
            ),
            (
                resident.pk,
                Message(event="e2e:done", kind=Kind.APPEAL_UPDATE, title="您的诉求已办结"),
            ),
        ]
    )
    page = phone
    sign_in(page, "resident")
    expect(page.get_by_test_id("unread-count")).to_contain_text("3")

    page.get_by_test_id("inbox-link").click()
    page.wait_for_url(lambda url: url.endswith(reverse("notifications:inbox")))
    expect(page.get_by_test_id("inbox")).to_contain_text("您的诉求已受理")
    fits_the_phone(page)
    screenshot(page, "inbox-phone")

    done = Notification.objects.get(title="您的诉求已办结")
    page.get_by_test_id(f"read-{done.pk}").click()
    expect(page.get_by_test_id("unread-count")).to_contain_text("2")
    expect(page.get_by_test_id(f"read-{done.pk}")).to_have_count(0)

    page.get_by_test_id("read-all").click()
    expect(page.get_by_test_id("read-all")).to_have_count(0)
    expect(page.locator(".unread-badge")).to_have_count(0)
    assert not Notification.objects.filter(recipient=resident, read_at__isnull=True).exists()

    page.get_by_test_id("preferences-link").click()
    page.locator(f"input[name={Kind.APPEAL_UPDATE}][value={EmailMode.DIGEST}]").check()
    fits_the_phone(page)
    screenshot(page, "inbox-preferences-phone")
    page.locator("form[data-testid=preferences] button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    assert (
        NotificationPreference.objects.get(user=resident, kind=Kind.APPEAL_UPDATE).email
        == EmailMode.DIGEST
    )


def test_secretary_adds_a_group_robot(desktop, world) -> None:  # type: ignore[no-untyped-def]
    page = desktop
    sign_in(page, "secretary")
    page.goto(reverse("notifications:preferences"))
    page.get_by_test_id("robots-link").click()
    page.get_by_role("link", name="北苑").click()
    form = page.get_by_test_id("robot-form")
    form.locator("select[name=kind]").select_option("wecom")
    form.locator("input[name=name]").fill("北苑居委工作群")
    form.locator("input[name=url]").fill(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
    )
    form.locator("button[type=submit]").click()
    robots = page.get_by_test_id("robots")
    expect(robots).to_contain_text("北苑居委工作群")
    expect(robots).to_contain_text("qyapi.weixin.qq.com …90ab")
    assert "0f1e2d3c" not in page.content()
    screenshot(page, "robots-desktop")
