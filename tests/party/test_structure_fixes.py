"""Applying the structure check's fixes: each one-step fix closes its gap; a fix the
check does not suggest right now is refused and changes nothing; only the sub-district
administrator and the neighborhood's secretary may apply fixes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sanxian.accounts.models import Role
from sanxian.grids.services import create_grid
from sanxian.party.models import PartyMember, PartyOrg, PartyOrgKind
from sanxian.party.services import apply_structure_fix, assign_member_to_group, create_party_org
from sanxian.party.structure import FixAction, FixKind, check_structure
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind
from sanxian.places.services import create_place

from .conftest import Tree, add_building, add_members
from .test_structure import PASSWORD, _user, fresh


def _only_action(tree: Tree, code: str) -> FixAction:
    gaps = [g for g in check_structure(fresh(tree.hood.place)) if g.code == code]
    assert len(gaps) == 1, gaps
    assert gaps[0].action is not None
    return gaps[0].action


def _remaining(tree: Tree) -> list[str]:
    return [g.code for g in check_structure(fresh(tree.hood.place))]


def test_attach_a_building_group_to_the_grid_next_door(tree: Tree) -> None:
    building = tree.hood.buildings["第一块区/5号楼"]
    bg = create_place(parent=building, kind=PlaceKind.BUILDING_GROUP, name="3单元")
    add_members(bg, ["马文华", "朱建军"])
    action = _only_action(tree, "building_group_without_grid")
    assert action == FixAction(
        FixKind.ATTACH_BUILDING_GROUP, bg.pk, tree.grid("第一块区/1").grid.pk
    )
    apply_structure_fix(node=fresh(tree.hood.place), action=action)
    assert Place.objects.get(pk=bg.pk).grid_id == tree.grid("第一块区/1").grid.pk
    # The new members now live in the grid but are in no party group yet: the next fix.
    assert set(_remaining(tree)) == {"member_without_group"}
    for gap in check_structure(fresh(tree.hood.place)):
        assert gap.action is not None
        assert gap.action.kind == FixKind.JOIN_PARTY_GROUP
        apply_structure_fix(node=fresh(tree.hood.place), action=gap.action)
    assert _remaining(tree) == []


def test_join_the_right_party_group(tree: Tree) -> None:
    member = PartyMember.objects.get(name="李秀英")
    assign_member_to_group(member=member, group=tree.grid("第一块区/2").group)
    action = _only_action(tree, "member_in_wrong_group")
    apply_structure_fix(node=fresh(tree.hood.place), action=action)
    assert PartyMember.objects.get(pk=member.pk).group_id == tree.grid("第一块区/1").group.pk
    assert _remaining(tree) == []


def test_create_the_missing_party_group_under_the_branch(tree: Tree) -> None:
    grid = create_grid(block=tree.hood.blocks["第一块区"], number=3, name="3号网格")
    add_building(tree.hood, block="第一块区", building="7号楼", groups=["1单元"], grid=grid)
    action = _only_action(tree, "grid_without_party_group")
    apply_structure_fix(node=fresh(tree.hood.place), action=action)
    group = PartyOrg.objects.get(grid=grid)
    assert group.kind == PartyOrgKind.GROUP
    assert PartyOrg.objects.get_parent(group).pk == tree.hood.branches["第一块区"].pk
    assert "grid_without_party_group" not in _remaining(tree)


def test_move_a_party_group_under_its_block_branch(tree: Tree) -> None:
    block2 = tree.hood.blocks["第二块区"]
    grid = create_grid(block=block2, number=2, name="2号网格")
    add_building(tree.hood, block="第二块区", building="9号楼", groups=["1单元"], grid=grid)
    group = create_party_org(
        parent=tree.hood.branches["第二块区"],
        kind=PartyOrgKind.GROUP,
        name="第二块区2号网格党小组",
        grid=grid,
    )
    wrong = PartyOrg.objects.get(pk=tree.hood.branches["第一块区"].pk)
    PartyOrg.objects.move(group, wrong, "last-child")
    action = _only_action(tree, "party_group_under_wrong_branch")
    apply_structure_fix(node=fresh(tree.hood.place), action=action)
    assert (
        PartyOrg.objects.get_parent(PartyOrg.objects.get(pk=group.pk)).pk
        == tree.hood.branches["第二块区"].pk
    )
    assert "party_group_under_wrong_branch" not in _remaining(tree)


def test_a_fix_not_suggested_now_is_refused(tree: Tree) -> None:
    member = PartyMember.objects.get(name="李秀英")
    other_group = tree.grid("第一块区/2").group
    forged = FixAction(FixKind.JOIN_PARTY_GROUP, member.pk, other_group.pk)
    with pytest.raises(DomainError):
        apply_structure_fix(node=fresh(tree.hood.place), action=forged)
    assert PartyMember.objects.get(pk=member.pk).group_id == tree.grid("第一块区/1").group.pk
    # Applying a suggested fix twice: the second time it is no longer suggested.
    assign_member_to_group(member=member, group=other_group)
    action = _only_action(tree, "member_in_wrong_group")
    apply_structure_fix(node=fresh(tree.hood.place), action=action)
    with pytest.raises(DomainError):
        apply_structure_fix(node=fresh(tree.hood.place), action=action)


@pytest.mark.parametrize(
    ("role", "at", "may"),
    [
        (Role.NEIGHBORHOOD_SECRETARY, "hood", True),
        (Role.SUBDISTRICT_ADMIN, "sub", True),
        (Role.SOCIAL_WORKER, "hood", False),
        (Role.BRANCH_SECRETARY, "block", False),
    ],
)
def test_who_may_apply_fixes(tree: Tree, client: Client, role: str, at: str, may: bool) -> None:
    where = {
        "hood": tree.hood.place,
        "sub": tree.sub,
        "block": tree.hood.blocks["第一块区"],
    }[at]
    _user("fixer", role, where)
    client.login(username="fixer", password=PASSWORD)
    member = PartyMember.objects.get(name="李秀英")
    assign_member_to_group(member=member, group=tree.grid("第一块区/2").group)
    node = tree.hood.blocks["第一块区"]
    action = _only_action(tree, "member_in_wrong_group")
    page = client.get(reverse("party:structure", args=[node.pk])).content.decode()
    button = f'data-testid="apply-fix-{action.kind}-{action.subject_id}"'
    assert (button in page) == may
    data = {"kind": action.kind, "subject": action.subject_id, "target": action.target_id}
    response = client.post(reverse("party:structure_fix", args=[node.pk]), data)
    assert response.status_code == (302 if may else 404)
    fixed = PartyMember.objects.get(pk=member.pk).group_id == tree.grid("第一块区/1").group.pk
    assert fixed == may


def test_bad_fix_requests_change_nothing(tree: Tree, client: Client) -> None:
    _user("secretary", Role.NEIGHBORHOOD_SECRETARY, tree.hood.place)
    client.login(username="secretary", password=PASSWORD)
    member = PartyMember.objects.get(name="李秀英")
    assign_member_to_group(member=member, group=tree.grid("第一块区/2").group)
    url = reverse("party:structure_fix", args=[tree.hood.place.pk])
    for data in (
        {},
        {"kind": "delete_everything", "subject": member.pk, "target": 1},
        {"kind": FixKind.JOIN_PARTY_GROUP, "subject": "x", "target": 1},
        {"kind": FixKind.JOIN_PARTY_GROUP, "subject": member.pk, "target": 999_999},
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert "message-error" in response.content.decode()
    assert PartyMember.objects.get(pk=member.pk).group_id == tree.grid("第一块区/2").group.pk
    assert client.get(url).status_code == 405
