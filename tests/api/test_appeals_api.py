"""Appeals through the API: the same rules, scope, limits and records as the pages."""

from __future__ import annotations

import pytest
from django.test import Client

from sanxian.appeals.models import Appeal, AppealState, EventKind
from sanxian.appeals.services import acknowledge_appeal, resolve_appeal, start_appeal
from tests.api.conftest import ApiClient
from tests.appeals.conftest import MakeAppeal, category
from tests.test_query_counts import count_queries
from tests.world import World

BASE = "/api/appeals/"


def _filing(world: World, **overrides) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "category": category().pk,
        "text": "3楼楼道堆满纸箱，消防通道堵住了",
        "place": world.household.pk,
        "contact_phone": "13812345678",
    }
    body.update(overrides)
    return body


def _resolved(appeal: Appeal, world: World) -> Appeal:
    staff = world.users["secretary"]
    acknowledge_appeal(appeal=appeal, actor=staff)
    start_appeal(appeal=appeal, actor=staff)
    return resolve_appeal(appeal=appeal, actor=staff, note="纸箱已清走")


def test_resident_files_and_follows_an_appeal(api, world: World) -> None:
    client: ApiClient = api("resident")
    places = client.get(BASE + "places").json()
    assert places[0]["id"] == world.household.pk
    assert [c["name"] for c in client.get(BASE + "categories").json()]

    response = client.post(BASE, _filing(world))
    assert response.status_code == 201, response.content
    body = response.json()
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.resident == world.resident
    assert appeal.filed_by == world.users["resident"]
    assert appeal.state == body["state"] == AppealState.SUBMITTED
    assert appeal.contact_phone_last4 == "5678"
    assert body["response_due_at"] and body["resolution_due_at"]
    assert [e["kind"] for e in body["events"]] == [EventKind.FILED]
    assert "13812345678" not in response.content.decode()

    mine = client.get(BASE).json()
    assert [a["id"] for a in mine["items"]] == [appeal.pk]
    followed = client.get(f"{BASE}{appeal.pk}").json()
    assert followed["state"] == "submitted"


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"category": 999999}, 400),
        ({"place": 999999}, 400),
        ({"text": ""}, 422),
        ({"text": "   "}, 400),
        ({"text": "长" * 1001}, 422),
        ({"contact_phone": "12345"}, 400),
        ({"category": "楼道堆物"}, 422),
    ],
)
def test_bad_filings_are_refused_and_change_nothing(api, world: World, overrides, status) -> None:  # type: ignore[no-untyped-def]
    response = api("resident").post(BASE, _filing(world, **overrides))
    assert response.status_code == status
    assert response.json()["detail"]
    assert not Appeal.objects.exists()


def test_another_residents_place_is_refused(api, world: World) -> None:
    response = api("resident").post(BASE, _filing(world, place=world.south_household.pk))
    assert response.status_code == 400
    assert not Appeal.objects.exists()


def test_someone_who_is_not_a_resident_cannot_file(api, world: World) -> None:
    response = api("secretary").post(BASE, _filing(world))
    assert response.status_code == 400
    assert not Appeal.objects.exists()


def test_the_filing_limit_applies_to_the_api(api, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SANXIAN_APPEAL_RATES = {**settings.SANXIAN_APPEAL_RATES, "resident": "2/h"}
    client = api("resident")
    assert client.post(BASE, _filing(world)).status_code == 201
    assert client.post(BASE, _filing(world)).status_code == 201
    refused = client.post(BASE, _filing(world))
    assert refused.status_code == 429
    assert refused.json()["detail"]
    assert Appeal.objects.count() == 2


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("resident", 200),  # filed it
        ("secretary", 200),  # staff whose neighborhood it is
        ("admin", 200),
        ("outsider", 404),  # secretary of another neighborhood
        ("party_member", 404),  # a resident of another household
        ("nobody", 404),
    ],
)
def test_who_may_read_an_appeal(api, make_appeal: MakeAppeal, persona, status) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal()
    assert api(persona).get(f"{BASE}{appeal.pk}").status_code == status


def test_lists_hold_only_ones_own_appeals(api, world: World, make_appeal: MakeAppeal) -> None:
    make_appeal()
    assert api("party_member").get(BASE).json()["items"] == []


def test_list_pages_by_keyset(api, world: World, make_appeal: MakeAppeal) -> None:
    ids = [make_appeal(text=f"第{i}件").pk for i in range(25)]
    client = api("resident")
    first = client.get(BASE).json()
    assert [a["id"] for a in first["items"]] == sorted(ids, reverse=True)[:20]
    second = client.get(BASE, before=first["next_before"]).json()
    assert [a["id"] for a in second["items"]] == sorted(ids, reverse=True)[20:]
    assert second["next_before"] is None


def test_resident_rates_a_resolved_appeal_once(api, world: World, make_appeal: MakeAppeal) -> None:
    appeal = _resolved(make_appeal(), world)
    client = api("resident")
    rated = client.post(f"{BASE}{appeal.pk}/rating", {"rating": "satisfied", "comment": "很快"})
    assert rated.status_code == 200, rated.content
    assert rated.json()["rating"] == "satisfied"
    assert rated.json()["can_rate"] is False
    again = client.post(f"{BASE}{appeal.pk}/rating", {"rating": "unsatisfied"})
    assert again.status_code == 400
    appeal.refresh_from_db()
    assert appeal.rating == "satisfied"


def test_unsatisfied_rating_can_reopen(api, world: World, make_appeal: MakeAppeal) -> None:
    appeal = _resolved(make_appeal(), world)
    body = {"rating": "unsatisfied", "comment": "还没清干净", "reopen": True}
    response = api("resident").post(f"{BASE}{appeal.pk}/rating", body)
    assert response.status_code == 200
    assert response.json()["state"] == "in_progress"


def test_only_the_resident_rates(api, world: World, make_appeal: MakeAppeal) -> None:
    appeal = _resolved(make_appeal(), world)
    for persona in ("secretary", "outsider"):
        response = api(persona).post(f"{BASE}{appeal.pk}/rating", {"rating": "satisfied"})
        assert response.status_code == 404
    appeal.refresh_from_db()
    assert appeal.rating == ""


def test_rating_an_open_appeal_is_refused(api, world: World, make_appeal: MakeAppeal) -> None:
    appeal = make_appeal()
    response = api("resident").post(f"{BASE}{appeal.pk}/rating", {"rating": "satisfied"})
    assert response.status_code == 400


def test_query_counts_do_not_grow_with_the_list(api, world: World, make_appeal: MakeAppeal) -> None:
    client = api("resident")
    make_appeal()
    client.get(BASE)  # the token's first use is recorded once
    small = count_queries(client.client, BASE)
    for i in range(15):
        make_appeal(text=f"又一件{i}")
    assert count_queries(client.client, BASE) == small
    assert small <= 6


def test_errors_speak_the_users_language(api, world: World) -> None:
    client = api("resident")
    zh = client.post(BASE, _filing(world, text="   ")).json()["detail"]
    english = Client(HTTP_AUTHORIZATION=f"Bearer {client.raw}")
    english.cookies["sanxian_language"] = "en"
    en = english.post(BASE, _filing(world, text="   "), content_type="application/json")
    assert zh != en.json()["detail"]
    assert en.json()["detail"] == "Please say what happened."


def test_staff_file_on_behalf_of_a_resident_in_their_scope(api, world: World) -> None:
    """A call to the hotline: the secretary files for the resident, named by id; the places
    offered are the resident's; the appeal says it was filed on behalf and how."""
    client: ApiClient = api("secretary")
    places = client.get(BASE + "places", resident=world.resident.pk).json()
    assert places[0]["id"] == world.household.pk
    response = client.post(
        BASE, _filing(world, resident=world.resident.pk, on_behalf_note="12345热线来电")
    )
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(pk=response.json()["id"])
    assert (appeal.resident, appeal.filed_by) == (world.resident, world.users["secretary"])
    assert appeal.on_behalf and appeal.on_behalf_note == "12345热线来电"
    # The resident follows it as their own.
    assert [a["id"] for a in api("resident").get(BASE).json()["items"]] == [appeal.pk]


@pytest.mark.parametrize(
    ("persona", "whom"),
    [
        ("secretary", "south"),  # a resident outside the secretary's neighborhood
        ("secretary", "missing"),
        ("resident", "self_as_staff"),  # only staff file for others
        ("party_member", "resident"),
    ],
)
def test_on_behalf_filing_outside_ones_scope_is_not_found(api, world: World, persona, whom) -> None:  # type: ignore[no-untyped-def]
    from sanxian.places.models import Resident

    target = {
        "south": lambda: Resident.objects.filter(path__startswith=world.south.path).first().pk,
        "missing": lambda: 999999,
        "self_as_staff": lambda: world.resident.pk,
        "resident": lambda: world.resident.pk,
    }[whom]()
    client = api(persona)
    assert client.post(BASE, _filing(world, resident=target)).status_code == 404
    assert client.get(BASE + "places", resident=target).status_code == 404
    assert not Appeal.objects.exists()
