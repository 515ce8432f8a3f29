"""Duty shifts through the API: my shifts, open shifts, sign-up, cancellation and QR
check-in/out through the same services and rules as the pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian.volunteers import services
from sanxian.volunteers.models import (
    CheckMethod,
    DutyShift,
    HoursEntry,
    HoursState,
    ShiftSignup,
    SignupState,
)
from tests.test_query_counts import count_queries
from tests.volunteers.conftest import Crew, shift_at
from tests.world import World

BASE = "/api/volunteers/"


def _later(hours: float, minutes: int = 7) -> datetime:
    """A moment ``hours`` from now, off the roster's own 20:00 starts."""
    return (timezone.now() + timedelta(hours=hours)).replace(minute=minutes, second=0)


def _state() -> list[tuple]:
    rows: list[tuple] = list(
        ShiftSignup.objects.order_by("id").values_list(
            "shift_id", "volunteer_id", "state", "checked_in_at", "checked_out_at"
        )
    )
    rows += list(DutyShift.objects.order_by("id").values_list("id", "taken"))
    rows += list(HoursEntry.objects.order_by("id").values_list("id", "state"))
    return rows


def test_open_shifts_and_signing_up(api, world: World, crew: Crew) -> None:
    client = api("resident")
    items = client.get(BASE + "shifts/open").json()["items"]
    assert items, "the patrol roster's coming shifts are open to its members"
    first = items[0]
    assert first["team"] == crew.patrol.name and first["free"] == 2
    assert [i["starts_at"] for i in items] == sorted(i["starts_at"] for i in items)

    response = client.post(f"{BASE}shifts/{first['id']}/sign-up")
    assert response.status_code == 200, response.content
    assert response.json()["mine"]["signup_id"]
    signup = ShiftSignup.objects.get(shift_id=first["id"], volunteer=crew.resident)
    assert signup.state == SignupState.SIGNED
    assert DutyShift.objects.get(pk=first["id"]).taken == 1
    assert first["id"] not in [i["id"] for i in client.get(BASE + "shifts/open").json()["items"]]
    mine = client.get(BASE + "shifts/mine").json()
    assert [s["signup_id"] for s in mine["current"] + mine["upcoming"]] == [signup.pk]


def test_sign_up_refusals_change_nothing(api, world: World, crew: Crew) -> None:
    full = shift_at(crew, _later(30), hours=1, capacity=1)
    services.sign_up(shift=full, volunteer=crew.member)
    started = shift_at(crew, _later(-0.5), hours=2)
    free = shift_at(crew, _later(50), hours=1)
    before = _state()
    client = api("resident")
    cases = [
        (full, _("This shift is full.")),
        (started, _("This shift has already started.")),
    ]
    for shift, message in cases:
        response = client.post(f"{BASE}shifts/{shift.pk}/sign-up")
        assert response.status_code == 400
        assert response.json()["detail"] == message
    # Staff of the neighborhood see the shift but have no volunteer record.
    staff = api("secretary").post(f"{BASE}shifts/{free.pk}/sign-up")
    assert staff.json()["detail"] == _("Join the team first.")
    assert api("outsider").post(f"{BASE}shifts/{free.pk}/sign-up").status_code == 404
    assert api("outsider").get(f"{BASE}shifts/{free.pk}").status_code == 404
    assert _state() == before


def test_cancel_my_own_sign_up_only(api, world: World, crew: Crew) -> None:
    shift = shift_at(crew, _later(30), hours=1)
    mine = services.sign_up(shift=shift, volunteer=crew.resident)
    theirs = services.sign_up(shift=shift, volunteer=crew.member)
    before = _state()
    assert api("resident").post(f"{BASE}sign-ups/{theirs.pk}/cancel").status_code == 404
    assert api("outsider").post(f"{BASE}sign-ups/{mine.pk}/cancel").status_code == 404
    assert _state() == before
    response = api("resident").post(f"{BASE}sign-ups/{mine.pk}/cancel")
    assert response.status_code == 200
    assert response.json()["mine"] is None
    assert ShiftSignup.objects.get(pk=mine.pk).state == SignupState.CANCELLED
    assert DutyShift.objects.get(pk=shift.pk).taken == 1


def test_check_in_and_out_with_the_code(api, world: World, crew: Crew) -> None:
    shift = shift_at(crew, timezone.now() - timedelta(hours=2), hours=2.2)
    signup = services.sign_up(
        shift=shift, volunteer=crew.resident, now=shift.starts_at - timedelta(hours=1)
    )
    code = services.checkin_token(shift)
    client = api("resident")
    checked_in = client.post(BASE + "check-in", {"code": code})
    assert checked_in.status_code == 200, checked_in.content
    signup.refresh_from_db()
    assert signup.checked_in_at is not None and signup.check_method == CheckMethod.QR
    twice = client.post(BASE + "check-in", {"code": code})
    assert twice.status_code == 400
    assert twice.json()["detail"] == _("Already checked in.")

    out = client.post(BASE + "check-in", {"code": code, "action": "out"})
    assert out.status_code == 200, out.content
    entry = HoursEntry.objects.get(volunteer=crew.resident)
    assert entry.state == HoursState.PENDING
    assert Decimal(str(out.json()["hours"])) == entry.hours


def test_check_in_refusals_change_nothing(api, world: World, crew: Crew) -> None:
    early = shift_at(crew, _later(30), hours=1)
    services.sign_up(shift=early, volunteer=crew.resident)
    now = shift_at(crew, timezone.now() - timedelta(minutes=5), hours=1)
    before = _state()
    cases = [
        ("resident", early, _("Check-in opens 30 minutes before the shift starts.")),
        ("resident", now, _("You are not signed up for this shift.")),
        ("outsider", now, _("You are not signed up for this shift.")),
    ]
    for persona, shift, message in cases:
        response = api(persona).post(BASE + "check-in", {"code": services.checkin_token(shift)})
        assert response.status_code == 400
        assert response.json()["detail"] == message
    bad = api("resident").post(BASE + "check-in", {"code": "sx"})
    assert bad.json()["detail"] == _("This check-in code is not valid.")
    assert _state() == before


def test_lists_query_counts_do_not_grow(api, world: World, crew: Crew) -> None:
    client = api("resident")
    services.sign_up(shift=shift_at(crew, _later(30), hours=1), volunteer=crew.resident)
    client.get(BASE + "shifts/open")
    small_open = count_queries(client.client, BASE + "shifts/open")
    small_mine = count_queries(client.client, BASE + "shifts/mine")
    for day in range(2, 8):
        shift = shift_at(crew, _later(24 * day + 3), hours=1)
        services.sign_up(shift=shift, volunteer=crew.resident)
        shift_at(crew, _later(24 * day + 6), hours=1)
    services.generate_shifts(days=40)
    assert count_queries(client.client, BASE + "shifts/open") == small_open
    assert count_queries(client.client, BASE + "shifts/mine") == small_mine
    assert small_open <= 6 and small_mine <= 10
