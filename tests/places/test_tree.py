"""The territory tree: kinds in order, path-prefix subtrees, pinyin, search."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from sanxian.accounts.scope import compute_scope
from sanxian.grids.models import GridRole, GridTeamTerm
from sanxian.grids.services import appoint_team_member, attach_building_group
from sanxian.places.errors import DomainError
from sanxian.places.models import Gender, Household, Neighborhood, Place, PlaceKind, Relation
from sanxian.places.paths import minimal_prefixes, subtree_q
from sanxian.places.selectors import search_residents
from sanxian.places.services import create_place, create_resident, move_resident, name_pinyin
from tests.world import World


def test_name_pinyin() -> None:
    assert name_pinyin("张晓明") == ("zhangxiaoming", "zxm")
    assert name_pinyin("吕秀英") == ("lvxiuying", "lxy")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789AB", min_size=1, max_size=3), max_size=8))
def test_minimal_prefixes_keep_every_covered_path(steps: list[str]) -> None:
    paths = [s.ljust(4, "0") * (i % 3 + 1) for i, s in enumerate(steps)]
    kept = minimal_prefixes(paths)
    for p in paths:
        assert any(p.startswith(k) for k in kept)
    for a in kept:
        assert not any(a != b and a.startswith(b) for b in kept)


@pytest.mark.django_db
def test_wrong_kind_under_parent_is_refused(world: World) -> None:
    before = Place.objects.count()
    with pytest.raises(DomainError, match="不能设在"):
        create_place(parent=world.north, kind=PlaceKind.HOUSEHOLD, name="999室")
    assert Place.objects.count() == before


@pytest.mark.django_db
def test_subtree_is_one_range_query(world: World) -> None:
    with CaptureQueriesContext(connection) as ctx:
        homes = list(Place.objects.filter(subtree_q(world.north.path), kind=PlaceKind.HOUSEHOLD))
    assert len(ctx.captured_queries) == 1
    assert "LIKE" not in ctx.captured_queries[0]["sql"].upper()
    assert homes and all(h.path.startswith(world.north.path) for h in homes)
    assert world.south_household.pk not in {h.pk for h in homes}
    # Same answer as treebeard's own descendants query.
    descendants = Place.objects.get_descendants(world.north).filter(kind=PlaceKind.HOUSEHOLD)
    assert {h.pk for h in homes} == set(descendants.values_list("pk", flat=True))


@pytest.mark.django_db
def test_proxy_models_filter_by_kind(world: World) -> None:
    assert set(Neighborhood.objects.values_list("name", flat=True)) == {"北苑", "南苑"}
    assert Household.objects.filter(pk=world.household.pk).exists()
    assert not Household.objects.filter(pk=world.north.pk).exists()


@pytest.mark.django_db
def test_moving_a_resident_moves_their_scope_path(world: World) -> None:
    leader = world.leader
    move_resident(resident=leader, household=world.south_household)
    leader.refresh_from_db()
    assert leader.path == world.south_household.path
    member = leader.party_member
    assert member.path == world.south_household.path
    # 属地化: the member now belongs to the party group of the grid they moved into.
    assert member.group is not None and member.group.grid_id == world.south_grid.pk


@pytest.mark.django_db
def test_search_by_initials_name_and_room(world: World) -> None:
    create_resident(
        household=world.household, name="欧阳娜娜", gender=Gender.FEMALE, relation=Relation.FAMILY
    )
    create_resident(
        household=world.south_household,
        name="欧阳宁宁",
        gender=Gender.FEMALE,
        relation=Relation.OWNER,
    )
    scope = compute_scope(world.users["secretary"])
    assert [r.name for r in search_residents(scope, "oynn")] == ["欧阳娜娜"]
    assert [r.name for r in search_residents(scope, "OuYang")] == ["欧阳娜娜"]
    assert [r.name for r in search_residents(scope, "娜娜")] == ["欧阳娜娜"]
    assert {r.household.room for r in search_residents(scope, "101室")} == {"101"}
    assert search_residents(scope, "oynn")[0].building_name == "1号楼"
    # The other neighborhood's 欧阳宁宁 is outside the secretary's scope, inside the outsider's.
    outsider = compute_scope(world.users["outsider"])
    assert [r.name for r in search_residents(outsider, "oynn")] == ["欧阳宁宁"]
    assert search_residents(scope, "   ") == []


@pytest.mark.django_db
def test_team_term_history(world: World) -> None:
    grid = world.grid
    current = GridTeamTerm.objects.get(grid=grid, role=GridRole.RESIDENT_GROUP_LEADER)
    successor = world.resident
    new = appoint_team_member(
        grid=grid,
        role=GridRole.RESIDENT_GROUP_LEADER,
        resident=successor,
        starts_on=date(2025, 3, 1),
    )
    current.refresh_from_db()
    assert current.ends_on == date(2025, 3, 1)
    assert new.ends_on is None
    with pytest.raises(DomainError):
        appoint_team_member(
            grid=grid,
            role=GridRole.RESIDENT_GROUP_LEADER,
            resident=world.leader,
            starts_on=date(2024, 1, 1),
        )
    assert GridTeamTerm.objects.filter(grid=grid, role=GridRole.RESIDENT_GROUP_LEADER).count() == 2


@pytest.mark.django_db
def test_grid_never_crosses_a_block(world: World) -> None:
    south_bg = Place.objects.get(kind=PlaceKind.BUILDING_GROUP, path__startswith=world.south.path)
    with pytest.raises(DomainError, match="不能跨越"):
        attach_building_group(grid=world.grid, building_group=south_bg)
    south_bg.refresh_from_db()
    assert south_bg.grid_id == world.south_grid.pk


@pytest.mark.django_db
def test_party_group_goes_under_the_branch_of_its_block(world: World) -> None:
    from sanxian.grids.services import create_grid
    from sanxian.party.models import PartyOrg, PartyOrgKind
    from sanxian.party.services import create_party_org

    south_branch = PartyOrg.objects.get(kind=PartyOrgKind.BRANCH, place=world.south_block)
    grid = create_grid(block=world.block, number=9)
    with pytest.raises(DomainError):
        create_party_org(parent=south_branch, kind=PartyOrgKind.GROUP, name="错挂", grid=grid)
    assert not PartyOrg.objects.filter(grid=grid).exists()
