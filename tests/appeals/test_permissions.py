"""The permission matrix of every appeal page (GET) and write (POST) over the personas,
including guessed ids of another neighborhood's appeal and another resident's appeal."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sanxian.appeals.models import Appeal, AppealState, Rating
from sanxian.appeals.services import acknowledge_appeal, resolve_appeal
from sanxian.places.models import Resident
from tests.appeals.conftest import category, png, south_resident
from tests.world import World

PERSONAS = [
    "admin",
    "secretary",
    "social_worker",
    "group_leader",
    "party_member",
    "resident",
    "outsider",
    "auditor",
    "nobody",
]
OK, NO = 200, 404
NORTH_STAFF = {"admin", "secretary", "social_worker"}
BG1_STAFF = NORTH_STAFF | {"group_leader"}


def allow(*names: str | set[str]) -> dict[str, int]:
    chosen: set[str] = set()
    for n in names:
        chosen |= n if isinstance(n, set) else {n}
    return {p: OK if p in chosen else NO for p in PERSONAS}


@pytest.fixture
def appeals(world: World, make_appeal) -> dict[str, Appeal]:  # type: ignore[no-untyped-def]
    party_member_resident = world.users["party_member"].resident
    return {
        "A": make_appeal(photos=[png()]),
        "S": make_appeal(resident=south_resident(world), by=world.users["outsider"]),
        "P": make_appeal(resident=party_member_resident, by=world.users["party_member"]),
        "G": make_appeal(resident=world.leader, by=world.users["group_leader"]),
    }


def pages(w: World, a: dict[str, Appeal]) -> dict[str, tuple[str, dict[str, int]]]:
    photo = a["A"].photos.get()
    return {
        "new": (reverse("appeals:new"), allow("resident", "party_member", "group_leader")),
        "new_for": (reverse("appeals:new_for") + "?q=w", allow(BG1_STAFF, "outsider")),
        "new_for_resident": (
            reverse("appeals:new_for_resident", args=[w.resident.pk]),
            allow(BG1_STAFF),
        ),
        "new_for_south_resident": (
            reverse("appeals:new_for_resident", args=[south_resident(w).pk]),
            allow("admin", "outsider"),
        ),
        "mine": (
            reverse("appeals:mine"),
            allow(BG1_STAFF, "outsider", "party_member", "resident"),
        ),
        "list": (reverse("appeals:list"), allow(BG1_STAFF, "outsider")),
        "list_filtered": (
            reverse("appeals:list") + "?state=open&overdue=on",
            allow(BG1_STAFF, "outsider"),
        ),
        "detail_A": (reverse("appeals:detail", args=[a["A"].pk]), allow(BG1_STAFF, "resident")),
        "detail_S": (reverse("appeals:detail", args=[a["S"].pk]), allow("admin", "outsider")),
        "detail_P": (
            reverse("appeals:detail", args=[a["P"].pk]),
            allow(BG1_STAFF, "party_member"),
        ),
        "detail_G": (reverse("appeals:detail", args=[a["G"].pk]), allow(BG1_STAFF)),
        "photo_A": (reverse("appeals:photo", args=[photo.pk]), allow(BG1_STAFF, "resident")),
        "rates_north": (reverse("appeals:rates", args=[w.north.pk]), allow(NORTH_STAFF)),
        "rates_south": (reverse("appeals:rates", args=[w.south.pk]), allow("admin", "outsider")),
        "rates_subdistrict": (reverse("appeals:rates", args=[w.subdistrict.pk]), allow("admin")),
        "rates_building_group": (
            reverse("appeals:rates", args=[w.building_group.pk]),
            allow(BG1_STAFF),
        ),
        "missing_detail": (reverse("appeals:detail", args=[999999]), allow()),
        "missing_photo": (reverse("appeals:photo", args=[999999]), allow()),
        "missing_rates": (reverse("appeals:rates", args=[999999]), allow()),
        "missing_resident": (reverse("appeals:new_for_resident", args=[999999]), allow()),
    }


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client: Client, world: World, appeals) -> None:  # type: ignore[no-untyped-def]
    for name, (url, _expected) in pages(world, appeals).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name
    for name in ("acknowledge", "start", "resolve", "reject", "merge", "rate"):
        response = client.post(reverse(f"appeals:{name}", args=[appeals["A"].pk]))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name
    assert Appeal.objects.get(pk=appeals["A"].pk).state == AppealState.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_matrix(login, world: World, appeals, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = login(persona)
    wrong = {}
    for name, (url, expected) in pages(world, appeals).items():
        response = client.get(url)
        if response.status_code != expected[persona]:
            wrong[name] = (response.status_code, expected[persona])
    assert not wrong, f"{persona}: page -> (got, expected) {wrong}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_write_matrix(login, world: World, make_appeal, persona: str) -> None:  # type: ignore[no-untyped-def]
    """Every write as every persona: allowed writes redirect (PRG), refused ones are 404
    and change nothing. Guessed ids of another neighborhood's and another resident's
    appeals are refused the same way."""
    staff = world.users["secretary"]
    handler = persona in BG1_STAFF
    fresh = make_appeal()
    acknowledged = make_appeal()
    acknowledge_appeal(appeal=acknowledged, actor=staff)
    to_resolve = make_appeal()
    acknowledge_appeal(appeal=to_resolve, actor=staff)
    to_reject = make_appeal()
    to_merge = make_appeal()
    resolved = make_appeal()
    acknowledge_appeal(appeal=resolved, actor=staff)
    resolve_appeal(appeal=resolved, actor=staff, note="ok")
    south = make_appeal(resident=south_resident(world), by=world.users["outsider"])
    others = make_appeal(resident=world.leader, by=world.users["group_leader"])
    acknowledge_appeal(appeal=others, actor=staff)
    resolve_appeal(appeal=others, actor=staff, note="ok")

    client = login(persona)
    writes = [
        ("acknowledge", fresh, {}, handler, AppealState.ACKNOWLEDGED),
        ("start", acknowledged, {}, handler, AppealState.IN_PROGRESS),
        ("resolve", to_resolve, {"note": "done"}, handler, AppealState.RESOLVED),
        ("reject", to_reject, {"reason": "no"}, handler, AppealState.REJECTED),
        ("merge", to_merge, {"appeals": [to_merge.pk], "title": "t"}, handler, "merged"),
        ("rate", resolved, {"rating": Rating.SATISFIED}, persona == "resident", "resolved"),
        # Another neighborhood's appeal, by a guessed id.
        ("acknowledge", south, {}, persona in {"admin", "outsider"}, "acknowledged"),
        # Another resident's appeal (the group leader lives in the resident's household).
        ("rate", others, {"rating": Rating.SATISFIED}, persona == "group_leader", "resolved"),
    ]
    wrong = {}
    for name, appeal, data, allowed, new_state in writes:
        before = Appeal.objects.get(pk=appeal.pk)
        response = client.post(reverse(f"appeals:{name}", args=[appeal.pk]), data)
        after = Appeal.objects.get(pk=appeal.pk)
        expected = 302 if allowed else 404
        if response.status_code != expected:
            wrong[(name, appeal.pk)] = (response.status_code, expected)
        elif allowed and name != "rate" and after.state != new_state:
            wrong[(name, appeal.pk)] = ("state", after.state)
        elif allowed and name == "rate" and not after.rating:
            wrong[(name, appeal.pk)] = ("not rated", after.state)
        elif not allowed and (after.state, after.rating) != (before.state, before.rating):
            wrong[(name, appeal.pk)] = ("changed", after.state)

    count = Appeal.objects.count()
    data = {"category": category().pk, "text": "楼道灯坏了", "place": world.household.pk}
    response = client.post(reverse("appeals:new"), data)
    # The resident and the group leader live in 101; the party member lives in 102, so 101
    # is not one of their places (a 400 with a message); others have no resident record.
    expected = {"resident": 302, "group_leader": 302, "party_member": 400}.get(persona, 404)
    if response.status_code != expected:
        wrong["new"] = (response.status_code, expected)
    response = client.post(reverse("appeals:new_for_resident", args=[world.resident.pk]), data)
    expected = 302 if handler else 404
    if response.status_code != expected:
        wrong["new_for_resident"] = (response.status_code, expected)
    created = Appeal.objects.count() - count
    expected_created = (persona in {"resident", "group_leader"}) + handler
    if created != expected_created:
        wrong["created"] = (created, expected_created)
    assert not wrong, f"{persona}: {wrong}"


@pytest.mark.django_db
def test_writes_are_post_only_with_csrf(world: World, appeals) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["secretary"])
    pk = appeals["A"].pk
    for name in ("acknowledge", "start", "resolve", "reject", "merge", "rate"):
        assert client.get(reverse(f"appeals:{name}", args=[pk])).status_code == 405, name
        assert client.post(reverse(f"appeals:{name}", args=[pk])).status_code == 403, name
    assert Appeal.objects.get(pk=pk).state == AppealState.SUBMITTED


@pytest.mark.django_db
def test_resident_without_account_link_cannot_file(login, world: World) -> None:
    assert Resident.objects.filter(pk=world.resident.pk).exists()
    assert login("nobody").get(reverse("appeals:new")).status_code == 404
