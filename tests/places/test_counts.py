"""The tree browser's counts agree with a direct count of what lies under each child."""

from __future__ import annotations

import pytest

from sanxian.party.models import PartyMember
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.places.paths import subtree_q
from sanxian.places.selectors import children_with_counts, totals_from_children
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
