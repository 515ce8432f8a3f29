"""On a phone: in a neighborhood with many party members, the secretary finds the one who
acted by typing part of the name, instead of scrolling the whole list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from sanxian.issues.models import ActionRecord, IssueState
from sanxian.party.models import MemberCategory, PartyMember
from sanxian.party.services import register_party_member
from sanxian.places.models import Gender, PlaceKind, Relation
from sanxian.places.paths import subtree_q
from sanxian.places.services import create_place, create_resident
from tests.issues.helpers import issue_in
from tests.world import build_world

NAMES = [f"{family}{given}" for family in "赵钱孙李周吴郑" for given in ("建华", "秀英")]


@pytest.fixture
def world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    w = build_world()
    home = create_place(
        parent=w.building_group, kind=PlaceKind.HOUSEHOLD, name="601室", room="601", floor=6
    )
    for name in NAMES:
        resident = create_resident(
            household=home, name=name, gender=Gender.MALE, relation=Relation.FAMILY
        )
        register_party_member(name=name, category=MemberCategory.RETIRED, resident=resident)
    return w


def test_finding_a_party_member_by_part_of_the_name(phone, world) -> None:  # type: ignore[no-untyped-def]
    issue = issue_in(world, IssueState.ACT)
    page = phone
    sign_in(page, "secretary")
    page.goto(f"/issues/{issue.pk}/")
    form = page.get_by_test_id("form-action")
    details = page.locator("details:has([data-testid=form-action])")
    if details.get_attribute("open") is None:
        details.locator("> summary").click()
    select = form.locator("select[name=action-member]")
    everyone = PartyMember.objects.filter(subtree_q(world.north.path)).count()
    expect(select.locator("option")).to_have_count(everyone + 1)  # and the blank one

    find = form.locator("input.picker-find[aria-controls=id_action-member]")
    find.fill("周秀")
    expect(select.locator("option")).to_have_count(2)
    wanted = PartyMember.objects.get(name="周秀英")
    expect(select).to_have_value(str(wanted.pk))  # the only match is chosen
    screenshot(page, "issue-picker-phone")
    find.fill("")
    expect(select.locator("option")).to_have_count(everyone + 1)
    expect(select).to_have_value(str(wanted.pk))  # the choice stays

    acted = timezone.localtime(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    form.locator("input[name=action-acted_at]").fill(acted)
    form.locator("textarea[name=action-what]").fill("清理楼道")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("actions")).to_contain_text("周秀英")
    assert ActionRecord.objects.filter(issue=issue, member=wanted).exists()
