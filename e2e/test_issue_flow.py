"""On a phone: a neighborhood secretary takes an issue from collected to done.

Think first (the three questions; party members' votes are cast through the services),
discuss first (goals, an option, the plan adopted at a meeting with a lead party member),
act first (a party member acts, then a resident follows; a step done; the outcome), done
(satisfaction survey, follow-up date). Elements are found by test ids and names, so the
test keeps passing once the pages are translated.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from sanxian.issues import services
from sanxian.issues.models import Issue, IssueState, VoteChoice
from sanxian.meetings.models import MeetingKind
from sanxian.meetings.services import create_meeting
from sanxian.party.models import PartyMember
from sanxian.places.paths import subtree_q
from tests.world import build_world


@pytest.fixture
def world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    w = build_world()
    w.meeting = create_meeting(  # type: ignore[attr-defined]
        place=w.north,
        kind=MeetingKind.PARTY_DELIBERATION,
        starts_at=timezone.now() - timedelta(days=1),
        title="北苑党内民主恳谈会",
    )
    return w


@pytest.fixture
def photo_file(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "corridor.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 160, 120)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def open_details(page, testid: str) -> None:  # type: ignore[no-untyped-def]
    """Open the <details> holding the form ``testid`` (if it is closed)."""
    details = page.locator(f"details:has([data-testid={testid}])")
    if details.get_attribute("open") is None:
        details.locator("> summary").click()


def advance(page, to: str) -> None:  # type: ignore[no-untyped-def]
    button = page.get_by_test_id("advance")
    expect(button).to_have_attribute("data-to", to)
    button.click()
    expect(page.get_by_test_id("issue-state")).to_have_attribute("data-state", to)


def local(delta: timedelta) -> str:
    return timezone.localtime(timezone.now() - delta).strftime("%Y-%m-%dT%H:%M")


def test_secretary_takes_an_issue_from_collected_to_done(phone, world, photo_file) -> None:  # type: ignore[no-untyped-def]
    page = phone
    sign_in(page, "secretary")

    # Collect: raise the issue at the building.
    page.goto("/issues/")
    expect(page.get_by_test_id("no-issues")).to_be_visible()
    page.get_by_test_id("new-issue").click()
    form = page.get_by_test_id("form-new-issue")
    form.locator("select[name=place]").select_option(str(world.building.pk))
    form.locator("input[name=title]").fill("1号楼楼道堆物和私装铁门")
    form.locator("textarea[name=description]").fill("楼道里堆满杂物，私装的铁门挡住了消防通道。")
    form.locator("select[name=source]").select_option("collection_meeting")
    screenshot(page, "issue-new")
    fits_the_phone(page)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("issue-state")).to_have_attribute("data-state", "collected")
    issue = Issue.objects.get()
    screenshot(page, "issue-collected")
    fits_the_phone(page)
    advance(page, "think")

    # Think first: the three questions, then the party members' votes.
    for code in ("overall_interest", "environment_safety", "community_quality"):
        answer = page.get_by_test_id(f"form-answer-{code}")
        answer.locator(f"input[name={code}-answer][value=yes]").check()
        answer.locator(f"textarea[name={code}-note]").fill("清理楼道对全体居民有利，消除火灾隐患。")
        answer.locator("button[type=submit]").click()
        expect(page.get_by_test_id(f"answer-{code}")).to_have_attribute("data-answer", "yes")
    expect(page.get_by_test_id("consensus")).to_have_attribute("data-reached", "0")
    screenshot(page, "issue-think")
    for member in PartyMember.objects.filter(subtree_q(world.building.path)):
        services.cast_vote(issue=issue, member=member, choice=VoteChoice.AGREE, actor=None)
    page.reload()
    expect(page.get_by_test_id("consensus")).to_have_attribute("data-reached", "1")
    expect(page.get_by_test_id("tally-agree")).to_have_text("3")
    screenshot(page, "issue-think-consensus")
    fits_the_phone(page)
    advance(page, "deliberate")

    # Discuss first: goals, an option, the plan adopted at the meeting.
    goals = page.get_by_test_id("form-goals")
    goals.locator("textarea[name=goals]").fill("楼道畅通，拆除私装铁门和鞋柜，消除消防隐患。")
    goals.locator("button[type=submit]").click()
    expect(page.get_by_test_id("goals")).to_contain_text("楼道畅通")
    open_details(page, "form-option")
    option = page.get_by_test_id("form-option")
    option.locator("input[name=option-title]").fill("党员带头，先清自家门口")
    option.locator("textarea[name=option-description]").fill("党员先拆，再动员邻居。")
    option.locator("button[type=submit]").click()
    expect(page.get_by_test_id("options")).to_contain_text("党员带头")
    # The discussion thread that replaces the party members' chat group.
    page.get_by_test_id("discussion-link").click()
    post = page.get_by_test_id("form-post")
    post.locator("textarea[name=text]").fill("我先把自家门口的鞋柜搬走，周六上午一起清理。")
    post.locator("select[name=option]").select_option(str(issue.options.get().pk))
    post.locator("button[type=submit]").click()
    expect(page.get_by_test_id("posts")).to_contain_text("周六上午一起清理")
    screenshot(page, "issue-discussion")
    fits_the_phone(page)
    page.goto(f"/issues/{issue.pk}/")
    leader = world.leader.party_member
    adopt = page.get_by_test_id("form-adopt")
    adopt.locator("select[name=adopt-meeting]").select_option(str(world.meeting.pk))
    adopt.locator("select[name=adopt-option]").select_option(str(issue.options.get().pk))
    adopt.locator(f"input[name=adopt-leads][value='{leader.pk}']").check()
    adopt.locator("input[name=adopt_step-what]").fill("清理楼道杂物")
    adopt.locator("select[name=adopt_step-owner_member]").select_option(str(leader.pk))
    adopt.locator("input[name=adopt_step-due_on]").fill(
        (timezone.localdate() + timedelta(days=7)).isoformat()
    )
    screenshot(page, "issue-deliberate-adopt")
    adopt.get_by_test_id("adopt").click()
    expect(page.get_by_test_id("plan-leads")).to_contain_text(leader.name)
    expect(page.get_by_test_id("gate-status")).to_have_attribute("data-ready", "1")
    screenshot(page, "issue-deliberate")
    fits_the_phone(page)
    advance(page, "act")

    # Act first: the party member, then a resident who followed.
    action = page.get_by_test_id("form-action")
    action.locator("select[name=action-member]").select_option(str(leader.pk))
    action.locator("input[name=action-acted_at]").fill(local(timedelta(days=3)))
    action.locator("textarea[name=action-what]").fill("党员带头拆除自家私装铁门和鞋柜")
    action.locator("input[name=action-photos]").set_input_files([photo_file, photo_file])
    action.locator("button[type=submit]").click()
    expect(page.get_by_test_id("party-first")).to_have_attribute("data-ok", "1")
    open_details(page, "form-action")
    action = page.get_by_test_id("form-action")
    action.locator("select[name=action-resident]").select_option(str(world.resident.pk))
    action.locator("input[name=action-acted_at]").fill(local(timedelta(days=1)))
    action.locator("textarea[name=action-what]").fill("邻居跟着清理了楼道")
    action.locator("button[type=submit]").click()
    expect(page.get_by_test_id("chain-followed")).to_have_text("1")
    expect(page.get_by_test_id("actions").locator("img")).to_have_count(2)
    step = issue.plan.steps.get()
    page.get_by_test_id(f"tick-{step.pk}").click()
    expect(page.get_by_test_id("progress")).to_have_attribute("data-done", "1")
    open_details(page, "form-outcome")
    outcome = page.get_by_test_id("form-outcome")
    outcome.locator("textarea[name=outcome-what_changed]").fill("楼道清空，铁门拆除")
    outcome.locator("textarea[name=outcome-before]").fill("杂物堆积，通道堵塞")
    outcome.locator("textarea[name=outcome-after]").fill("通道畅通，整洁明亮")
    outcome.locator("input[name=outcome-after_photo]").set_input_files(photo_file)
    outcome.locator("button[type=submit]").click()
    expect(page.get_by_test_id("outcome-record")).to_contain_text("楼道清空")
    screenshot(page, "issue-act")
    fits_the_phone(page)
    advance(page, "done")

    # Done: the residents' satisfaction and a follow-up date.
    survey = page.get_by_test_id("form-survey")
    survey.locator("input[name=survey-rating][value=satisfied]").check()
    survey.locator("input[name=survey-count]").fill("25")
    survey.locator("button[type=submit]").click()
    expect(page.get_by_test_id("survey-satisfied")).to_have_text("25")
    follow = page.get_by_test_id("form-follow-up")
    follow.locator("input[name=follow_up-follow_up_on]").fill(
        (timezone.localdate() + timedelta(days=90)).isoformat()
    )
    follow.locator("button[type=submit]").click()
    expect(page.get_by_test_id("follow-up")).to_contain_text(
        str((timezone.localdate() + timedelta(days=90)).year)
    )
    steps = page.get_by_test_id("stages").locator("li")
    expect(steps).to_have_count(5)
    expect(page.get_by_test_id("stages").locator("li[data-status=done]")).to_have_count(5)
    screenshot(page, "issue-done")
    fits_the_phone(page)

    issue.refresh_from_db()
    assert issue.state == IssueState.DONE
    assert list(issue.events.order_by("at", "id").values_list("to_state", flat=True)) == [
        "collected",
        "think",
        "deliberate",
        "act",
        "done",
    ]

    page.goto("/issues/")
    expect(page.get_by_test_id("issues").locator(f"a[data-issue='{issue.pk}']")).to_be_visible()
    screenshot(page, "issue-list")
    fits_the_phone(page)


def test_resident_and_outsider_get_404(phone, world) -> None:  # type: ignore[no-untyped-def]
    issue = services.create_issue(
        place=world.building, title="加装电梯", source="staff", actor=None
    )
    page = phone
    sign_in(page, "outsider")
    response = page.goto(f"/issues/{issue.pk}/")
    assert response is not None and response.status == 404
    # Let every request of the page finish first: any response would set the session again.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    sign_in(page, "resident")
    for url in ("/issues/", f"/issues/{issue.pk}/"):
        response = page.goto(url)
        assert response is not None and response.status == 404
