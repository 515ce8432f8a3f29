"""The grid page: rooms, party members and team as before, from fewer objects and queries."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from sanxian.grids.selectors import grid_party_members, grid_places
from sanxian.party.models import MemberCategory, PartyMember
from sanxian.party.services import register_party_member
from sanxian.places.links import id_url_maker
from sanxian.places.models import Gender, Place, PlaceKind, Relation, Resident
from sanxian.places.services import create_place, create_resident
from tests.test_query_counts import count_queries
from tests.world import World

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["sanxian_language"] = "en"
    return client


def test_id_url_maker_gives_what_reverse_gives() -> None:
    for name in ("places:detail", "places:resident", "appeals:detail"):
        url = id_url_maker(name)
        for pk in (1, 7, 42, 98765, 9_876_543_210_123):
            assert url(pk) == reverse(name, args=[pk])


def test_grid_page_shows_every_room_member_and_the_team(world: World, login) -> None:  # type: ignore[no-untyped-def]
    empty = create_place(
        parent=world.building_group, kind=PlaceKind.HOUSEHOLD, name="103室", room="103", floor=1
    )
    no_room = create_place(parent=world.building_group, kind=PlaceKind.HOUSEHOLD, name="门卫室")
    create_resident(household=no_room, name="门卫", gender=Gender.MALE, relation=Relation.OWNER)
    serving = register_party_member(
        name="在职党员", category=MemberCategory.EMPLOYED_REGISTERED, serving_grid=world.grid
    )
    client = english(login("secretary"))
    page = client.get(reverse("grids:detail", args=[world.grid.pk])).content.decode()

    homes = Place.objects.filter(path__startswith=world.building_group.path, kind="household")
    for home in homes:
        living = Resident.objects.current().filter(household=home).count()
        label = home.room or home.name
        css = "room" if living else "room empty"
        assert (
            f'<a class="{css}" href="/places/{home.pk}/">{label} <small>({living})</small></a>'
        ) in page
    assert f'<a class="room empty" href="/places/{empty.pk}/">103 <small>(0)</small></a>' in page
    assert "南一块区" not in page  # nothing of another block

    members = page.split('data-testid="grid-members"', 1)[1].split("</ul>", 1)[0]
    for member in PartyMember.objects.filter(path__startswith=world.building_group.path):
        assert f'<a href="/residents/{member.resident_id}/">' in members
        assert member.name in members
    # A member registered to serve here has no resident page, and no party group yet.
    line = next(li for li in members.split("<li>") if serving.name in li)
    assert "<a " not in line and "Employed, registered in the community" in line
    assert "not in this party group" in line
    team = page.split('data-testid="grid-team"', 1)[1]
    assert f'href="/residents/{world.leader.pk}/"' in team


def test_grid_places_are_read_in_one_query(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    create_place(parent=world.building_group, kind=PlaceKind.HOUSEHOLD, name="空室", room="109")
    with CaptureQueriesContext(connection) as ctx:
        places = grid_places(world.grid)
    assert len(ctx.captured_queries) == 1
    assert [a.pk for a in places.ancestors] == [world.subdistrict.pk, world.north.pk]
    assert [bg.pk for bg in places.building_groups] == [world.building_group.pk]
    assert places.building_groups[0].building_name == world.building.name
    (bg, homes), *rest = places.households
    assert bg.pk == world.building_group.pk and not rest
    expected = Place.objects.filter(
        path__startswith=world.building_group.path, kind=PlaceKind.HOUSEHOLD
    ).order_by("path")
    assert [h.pk for h in homes] == [h.pk for h in expected]
    for home, room in zip(expected, homes, strict=True):
        assert room.resident_count == Resident.objects.current().filter(household=home).count()
        assert room.label == (home.room or home.name)
    # The other grid of the block, and its households, are not this grid's.
    other = grid_places(world.south_grid)
    assert {h.pk for _bg, hs in other.households for h in hs}.isdisjoint(h.pk for h in homes)
    members = grid_party_members(world.grid, places.building_groups)
    assert [m.pk for m in members] == list(
        PartyMember.objects.filter(path__startswith=world.building_group.path)
        .order_by("path", "id")
        .values_list("pk", flat=True)
    )
    assert all(isinstance(m.category_label, str) for m in members)


def test_grid_page_queries_do_not_grow_with_the_grid(world: World, login) -> None:  # type: ignore[no-untyped-def]
    url = reverse("grids:detail", args=[world.grid.pk])
    client = login("secretary")
    before = count_queries(client, url)
    for n in range(5):
        home = create_place(
            parent=world.building_group,
            kind=PlaceKind.HOUSEHOLD,
            name=f"{501 + n}室",
            room=str(501 + n),
            floor=5,
        )
        resident = create_resident(
            household=home, name=f"新{n}", gender=Gender.FEMALE, relation=Relation.OWNER
        )
        register_party_member(
            name=resident.name, category=MemberCategory.RETIRED, resident=resident
        )
    assert count_queries(client, url) == before <= 15
    page = client.get(url).content.decode()
    assert (
        len(re.findall(r'class="room', page))
        == Place.objects.filter(
            path__startswith=world.building_group.path, kind=PlaceKind.HOUSEHOLD
        ).count()
    )
