"""Activities through the API: what the user may see, and household sign-ups through the
service (seats, waiting list, deadlines, cancellation)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian.activities.models import Activity, ActivitySignup, SignupState
from sanxian.activities.services import sign_up
from tests.activities.conftest import household_of
from tests.test_query_counts import count_queries
from tests.world import World

BASE = "/api/activities/"


def _state() -> list[tuple[int, int, str]]:
    """Every sign-up (activity, resident, state) and every activity's seats taken."""
    rows = list(
        ActivitySignup.objects.order_by("id").values_list("activity_id", "resident_id", "state")
    )
    rows += [(a, t, "taken") for a, t in Activity.objects.order_by("id").values_list("id", "taken")]
    return rows


def test_list_holds_what_is_on_in_my_neighborhood(api, world: World, make_activity) -> None:  # type: ignore[no-untyped-def]
    north = make_activity()
    later = make_activity(hours=24 * 90)
    past = make_activity(hours=-24 * 7)
    south = make_activity(place=world.south, actor=world.users["outsider"])
    sign_up(activity=north, residents=[world.resident], actor=world.users["resident"])
    items = api("resident").get(BASE).json()["items"]
    assert [a["id"] for a in items] == [north.pk, later.pk]
    assert items[0]["mine"][0]["resident_id"] == world.resident.pk
    assert items[0]["mine"][0]["state"] == "confirmed"
    assert items[0]["seats_left"] == 9
    assert [a["id"] for a in api("resident").get(BASE, when="past").json()["items"]] == [past.pk]
    assert [a["id"] for a in api("outsider").get(BASE).json()["items"]] == [south.pk]
    assert api("nobody").get(BASE).status_code == 404


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("nobody", 404)])
def test_detail_outside_the_neighborhood_is_404(api, make_activity, persona, status) -> None:  # type: ignore[no-untyped-def]
    activity = make_activity()
    assert api(persona).get(f"{BASE}{activity.pk}").status_code == status


def test_household_signs_up_through_the_service(api, world: World, make_activity) -> None:  # type: ignore[no-untyped-def]
    activity = make_activity(capacity=1)
    household = household_of(world)
    others = [r.pk for r in household if r.pk != world.resident.pk]
    client = api("resident")
    detail = client.get(f"{BASE}{activity.pk}").json()
    assert detail["household"][0]["resident_id"] == world.resident.pk  # me first
    assert {m["resident_id"] for m in detail["household"]} == {r.pk for r in household}

    response = client.post(
        f"{BASE}{activity.pk}/sign-ups", {"residents": [others[0], world.resident.pk]}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["confirmed"] == [world.resident.pk]  # me first, as on the page
    assert body["waiting"] == [others[0]]
    assert body["activity"]["seats_left"] == 0
    waiting = next(m for m in body["activity"]["household"] if m["resident_id"] == others[0])
    assert waiting["signup"]["position"] == 1
    states = dict(
        ActivitySignup.objects.filter(activity=activity).values_list("resident_id", "state")
    )
    assert states == {world.resident.pk: SignupState.CONFIRMED, others[0]: SignupState.WAITING}
    assert Activity.objects.get(pk=activity.pk).taken == 1

    again = client.post(f"{BASE}{activity.pk}/sign-ups", {"residents": [world.resident.pk]})
    assert again.json()["already"] == [world.resident.pk]
    assert ActivitySignup.objects.filter(activity=activity).count() == 2


def test_cancelling_gives_the_seat_to_the_waiting_list(api, world: World, make_activity) -> None:  # type: ignore[no-untyped-def]
    activity = make_activity(capacity=1)
    member = world.member_resident  # another household of 北苑
    sign_up(activity=activity, residents=[world.resident], actor=world.users["resident"])
    sign_up(activity=activity, residents=[member], actor=world.users["party_member"])
    mine = ActivitySignup.objects.get(activity=activity, resident=world.resident)
    theirs = ActivitySignup.objects.get(activity=activity, resident=member)

    before = _state()
    assert api("resident").post(f"{BASE}{activity.pk}/sign-ups/{theirs.pk}/cancel").status_code == (
        404
    )
    assert _state() == before

    response = api("resident").post(f"{BASE}{activity.pk}/sign-ups/{mine.pk}/cancel")
    assert response.status_code == 200, response.content
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == SignupState.CANCELLED
    assert theirs.state == SignupState.CONFIRMED and theirs.promoted_at is not None
    # A manager may cancel anyone's sign-up.
    assert api("secretary").post(
        f"{BASE}{activity.pk}/sign-ups/{theirs.pk}/cancel"
    ).status_code == (200)


def test_sign_up_refusals_change_nothing(api, world: World, make_activity) -> None:  # type: ignore[no-untyped-def]
    closed = make_activity(signup_closes_at=timezone.now() + timedelta(seconds=1))
    started = make_activity(hours=-1)
    open_one = make_activity()
    sign_up(activity=started, residents=[world.resident], actor=world.users["resident"])
    started_signup = ActivitySignup.objects.get(activity=started)
    Activity.objects.filter(pk=closed.pk).update(signup_closes_at=timezone.now())
    before = _state()
    client = api("resident")
    me = {"residents": [world.resident.pk]}

    refused = client.post(f"{BASE}{closed.pk}/sign-ups", me)
    assert refused.status_code == 400
    assert refused.json()["detail"] == _("Sign-up for this activity has closed.")
    nobody = client.post(f"{BASE}{open_one.pk}/sign-ups", {"residents": []})
    assert nobody.json()["detail"] == _("Please choose who is coming.")
    other_household = {"residents": [world.member_resident.pk]}
    assert client.post(f"{BASE}{open_one.pk}/sign-ups", other_household).status_code == 404
    assert api("secretary").post(f"{BASE}{open_one.pk}/sign-ups", me).status_code == 404
    assert api("outsider").post(f"{BASE}{open_one.pk}/sign-ups", me).status_code == 404
    late = client.post(f"{BASE}{started.pk}/sign-ups/{started_signup.pk}/cancel")
    assert late.status_code == 400
    assert late.json()["detail"] == _(
        "The activity has started; sign-ups can no longer be cancelled."
    )
    assert _state() == before


def test_list_query_count_does_not_grow(api, world: World, make_activity) -> None:  # type: ignore[no-untyped-def]
    client = api("resident")
    first = make_activity()
    sign_up(activity=first, residents=[world.resident], actor=world.users["resident"])
    make_activity(hours=-24 * 30)  # the list reads past ones' photos once there are any
    client.get(BASE)
    small = count_queries(client.client, BASE)
    for i in range(15):
        activity = make_activity(hours=24 + i)
        sign_up(activity=activity, residents=[world.resident], actor=world.users["resident"])
        make_activity(hours=-24 * (i + 1))
    assert count_queries(client.client, BASE) == small
    assert count_queries(client.client, BASE + "?when=past") == small
    assert small <= 8
