"""On an office PC: the neighborhood secretary opens the structure check, sees a party
member filed in another grid's party group, applies the suggested fix and sees no gaps."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from sanxian.grids.services import attach_building_group, create_grid
from sanxian.party.models import PartyMember, PartyOrg, PartyOrgKind
from sanxian.party.services import assign_member_to_group, create_party_org
from sanxian.places.models import PlaceKind
from sanxian.places.services import create_place
from tests.world import build_world


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    w = build_world()
    # A second grid with its own party group; 北苑's first party member is filed there.
    grid = create_grid(block=w.block, number=9, name="第9网格")
    building = create_place(parent=w.block, kind=PlaceKind.BUILDING, name="9号楼", floors=6)
    bg = create_place(parent=building, kind=PlaceKind.BUILDING_GROUP, name="1单元")
    attach_building_group(grid=grid, building_group=bg)
    group = create_party_org(
        parent=w.branch, kind=PartyOrgKind.GROUP, name="第9网格党小组", grid=grid
    )
    w.member = PartyMember.objects.get(resident=w.member_resident)  # type: ignore[attr-defined]
    w.right_group = w.member.group  # type: ignore[attr-defined]
    assign_member_to_group(member=w.member, group=group)  # type: ignore[attr-defined]
    return w


def test_secretary_applies_a_structure_fix(desktop, world) -> None:  # type: ignore[no-untyped-def]
    page = desktop
    sign_in(page, "secretary")
    page.goto(f"/structure/{world.block.pk}/")
    button = page.get_by_test_id(f"apply-fix-join_party_group-{world.member.pk}")
    expect(button).to_be_visible()
    screenshot(page, "structure-gap")
    button.click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.get_by_test_id(f"apply-fix-join_party_group-{world.member.pk}")).to_have_count(0)
    screenshot(page, "structure-fixed")
    assert PartyMember.objects.get(pk=world.member.pk).group_id == world.right_group.pk
    assert PartyOrg.objects.filter(name="第9网格党小组").exists()
