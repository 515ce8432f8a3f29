"""The tree browser's counts agree with a direct count of what lies under each child."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sanxian.dashboards.services import refresh_recent
from sanxian.party.models import PartyMember
from sanxian.places.models import Gender, Place, PlaceKind, Relation, Resident
from sanxian.places.paths import subtree_q
from sanxian.places.selectors import (
    children_with_counts,
    place_children,
    totals_from_children,
    tree_children,
)
from sanxian.places.services import create_resident
from tests.test_query_counts import count_queries
from tests.world import World, grow


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["subdistrict", "north", "block", "building", "building_group"])
def test_child_counts_match_direct_counts(world: World, level: str) -> None:
    grow(world)
    place = getattr(world, level)
    rows = children_with_counts(place, with_party=True)
    assert rows
    for row in rows:
        under = subtree_q(row.place.path)
        assert row.households == Place.objects.filter(under, kind=PlaceKind.HOUSEHOLD).count()
        assert row.residents == Resident.objects.filter(under).count()
        assert row.party_members == PartyMember.objects.filter(under).count()
    totals = totals_from_children(rows, with_party=True)
    under = subtree_q(place.path)
    assert totals["households"] == Place.objects.filter(under, kind=PlaceKind.HOUSEHOLD).count()
    assert totals["residents"] == Resident.objects.filter(under).count()
    assert totals["party_members"] == PartyMember.objects.filter(under).count()


def _direct(place: Place) -> tuple[int, int, int]:
    under = subtree_q(place.path)
    return (
        Place.objects.filter(under, kind=PlaceKind.HOUSEHOLD).count(),
        Resident.objects.current().filter(under).count(),
        PartyMember.objects.filter(under).count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "level", ["subdistrict", "north", "block", "building", "building_group", "household"]
)
def test_place_children_are_treebeards_children(world: World, level: str) -> None:
    grow(world)
    place = getattr(world, level)
    expected = list(Place.objects.get_children(place).order_by("path"))
    assert place_children(place) == expected


@pytest.mark.django_db
def test_a_subdistrict_without_a_snapshot_is_counted_live(world: World) -> None:
    tree = tree_children(world.subdistrict, with_party=True)
    assert tree.counted_on is None
    for row in tree.rows:
        assert (row.households, row.residents, row.party_members) == _direct(row.place)


@pytest.mark.django_db
def test_a_subdistrict_reads_its_children_from_the_structure_snapshot(world: World, login) -> None:  # type: ignore[no-untyped-def]
    grow(world)
    run = refresh_recent(1)
    tree = tree_children(world.subdistrict, with_party=True)
    assert tree.counted_on is not None and tree.counted_on <= run.last_day
    live = {r.place.pk: r for r in children_with_counts(world.subdistrict, with_party=True)}
    assert [r.place for r in tree.rows] == place_children(world.subdistrict)
    for row in tree.rows:
        assert (row.households, row.residents, row.party_members) == _direct(row.place)
        assert row.grids == live[row.place.pk].grids > 0
        assert row.building_groups == live[row.place.pk].building_groups > 0

    # A resident moving in shows in the live counts at once, in the snapshot's at the next
    # refresh.
    create_resident(
        household=world.household,
        name="新居民",
        gender=Gender.FEMALE,
        relation=Relation.FAMILY,
        birth_year=1990,
    )
    north = next(r for r in tree_children(world.subdistrict, with_party=True).rows)
    assert north.place == world.north
    assert north.residents == _direct(world.north)[1] - 1
    refresh_recent(1)
    north = next(r for r in tree_children(world.subdistrict, with_party=True).rows)
    assert north.residents == _direct(world.north)[1]

    # The page says how old its counts are; a neighborhood's are live.
    client = login("admin")
    page = client.get(reverse("places:detail", args=[world.subdistrict.pk]))
    assert 'data-testid="counted-on"' in page.content.decode()
    assert page.context["totals"]["residents"] == _direct(world.subdistrict)[1]
    page = client.get(reverse("places:detail", args=[world.north.pk]))
    assert page.context["counted_on"] is None
    assert 'data-testid="counted-on"' not in page.content.decode()


@pytest.mark.django_db
def test_the_subdistrict_page_from_the_snapshot_needs_fewer_queries(world: World, login) -> None:  # type: ignore[no-untyped-def]
    client = login("admin")
    url = reverse("places:detail", args=[world.subdistrict.pk])
    live = count_queries(client, url)
    refresh_recent(1)
    snapshot = count_queries(client, url)
    grow(world)
    refresh_recent(1)
    assert count_queries(client, url) == snapshot <= live <= 15
