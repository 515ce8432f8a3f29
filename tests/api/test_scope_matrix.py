"""Every operation of the API (read from its OpenAPI document, so a new one cannot be left
out) tried without a token, with a revoked and an expired token (401), and with a token of
a secretary of another neighborhood on this neighborhood's objects (404, or refused by a
rule, and never a record of this neighborhood in a list). A refused write changes nothing
in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from sanxian.activities.models import ActivitySignup
from sanxian.activities.services import sign_up as sign_up_for_activity
from sanxian.api.api import api as the_api
from sanxian.api.models import ApiToken
from sanxian.api.services import issue_token, revoke_token
from sanxian.meetings import services as meetings
from sanxian.meetings.models import MeetingKind
from sanxian.volunteers import services as volunteers
from tests.appeals.conftest import MakeAppeal, category
from tests.issues.helpers import issue_in
from tests.volunteers.conftest import Crew, shift_at
from tests.world import World

# The records a refused request must leave as they were.
WATCHED_APPS = ("appeals", "issues", "meetings", "activities", "volunteers", "places", "party")


@dataclass
class North:
    """One object of each kind in 北苑, and the codes of its QR codes."""

    ids: dict[str, int]
    codes: dict[str, str]


@pytest.fixture
def north(world: World, crew: Crew, make_appeal: MakeAppeal, make_activity) -> North:  # type: ignore[no-untyped-def]
    appeal = make_appeal()
    issue = issue_in(world, "think")
    meeting = meetings.create_meeting(
        place=world.north,
        kind=MeetingKind.COLLECTION,
        starts_at=timezone.now() + timedelta(minutes=10),
    )
    activity = make_activity()
    sign_up_for_activity(
        activity=activity, residents=[world.resident], actor=world.users["resident"]
    )
    signup = ActivitySignup.objects.get(activity=activity, resident=world.resident)
    shift = shift_at(crew, timezone.now() + timedelta(minutes=10, seconds=7), hours=1)
    shift_signup = volunteers.sign_up(shift=shift, volunteer=crew.resident)
    return North(
        ids={
            "appeal_id": appeal.pk,
            "issue_id": issue.pk,
            "meeting_id": meeting.pk,
            "activity_id": activity.pk,
            "signup_id": signup.pk,
            "shift_id": shift.pk,
            "shift_signup_id": shift_signup.pk,
        },
        codes={
            "meeting": meetings.checkin_token(meeting),
            "shift": volunteers.checkin_token(shift),
        },
    )


def _bodies(world: World, north: North) -> dict[tuple[str, str], dict[str, Any]]:
    """A well-formed body for each write (so that what answers is the token and the scope,
    not the request's shape), aimed at 北苑."""
    starts = (timezone.now() + timedelta(days=2)).isoformat()
    return {
        ("post", "/api/appeals/"): {
            "category": category().pk,
            "text": "电梯坏了",
            "place": world.household.pk,
        },
        ("post", "/api/appeals/{appeal_id}/rating"): {"rating": "satisfied"},
        ("post", "/api/issues/{issue_id}/advance"): {"note": ""},
        ("post", "/api/issues/{issue_id}/aside"): {"to": "shelved", "note": "暂缓"},
        ("post", "/api/issues/{issue_id}/reopen"): {"note": ""},
        ("post", "/api/meetings/"): {
            "place": world.north.pk,
            "kind": "collection",
            "starts_at": starts,
        },
        ("post", "/api/meetings/check-in"): {"code": north.codes["meeting"]},
        ("post", "/api/activities/{activity_id}/sign-ups"): {"residents": [world.resident.pk]},
        ("post", "/api/activities/{activity_id}/sign-ups/{signup_id}/cancel"): {},
        ("post", "/api/volunteers/shifts/{shift_id}/sign-up"): {},
        ("post", "/api/volunteers/sign-ups/{shift_signup_id}/cancel"): {},
        ("post", "/api/volunteers/check-in"): {"code": north.codes["shift"]},
    }


# Each list, and the kind of 北苑 object it must not hold for another neighborhood's token
# (None: the same for everyone, or not for a secretary at all).
LISTS: dict[str, str | None] = {
    "/api/appeals/": "appeal_id",
    "/api/appeals/categories": None,
    "/api/appeals/places": None,
    "/api/issues/": "issue_id",
    "/api/meetings/": "meeting_id",
    "/api/activities/": "activity_id",
    "/api/volunteers/shifts/mine": "shift_id",
    "/api/volunteers/shifts/open": "shift_id",
}


def _operations() -> list[tuple[str, str]]:
    paths = the_api.get_openapi_schema()["paths"]
    return [(method, path) for path, ops in paths.items() for method in ops]


def _url(path: str, north: North) -> str:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    missing = [n for n in names if n not in north.ids]
    assert not missing, f"{path}: give the scope matrix a 北苑 object for {missing}"
    return path.format(**{n: north.ids[n] for n in names})


def _call(client: Client, method: str, url: str, body: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    if method == "get":
        return client.get(url)
    assert method == "post", f"the scope matrix does not know {method.upper()} yet"
    return client.post(url, body or {}, content_type="application/json")


def _database() -> dict[str, list[tuple]]:
    state = {}
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models():
            rows = model.objects.order_by("pk").values_list()
            state[model._meta.label] = [tuple(map(str, row)) for row in rows]
    return state


def _ids(value: Any) -> set[int]:
    """Every ``id`` anywhere in a JSON answer."""
    found: set[int] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and isinstance(item, int):
                found.add(item)
            found |= _ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ids(item)
    return found


def _bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_every_operation_is_in_the_matrix(world: World, north: North) -> None:
    operations = _operations()
    assert len(operations) >= 23
    bodies = _bodies(world, north)
    writes = {(m, p) for m, p in operations if m != "get"}
    assert writes == set(bodies), "give each write a well-formed body in _bodies()"
    lists = {p for m, p in operations if m == "get" and "{" not in p}
    assert lists == set(LISTS), "say in LISTS what each list must not show"
    for _method, path in operations:
        _url(path, north)


def test_no_token_or_a_dead_token_opens_nothing(world: World, north: North) -> None:
    revoked, revoked_raw = issue_token(user=world.users["secretary"], name="revoked")
    revoke_token(user=world.users["secretary"], token_id=revoked.pk)
    expired, expired_raw = issue_token(user=world.users["resident"], name="expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    clients = {
        "anonymous": Client(),
        "revoked": _bearer(revoked_raw),
        "expired": _bearer(expired_raw),
        "not a token": _bearer("sx_" + "x" * 43),
    }
    bodies = _bodies(world, north)
    before = _database()
    for method, path in _operations():
        url = _url(path, north)
        for who, client in clients.items():
            response = _call(client, method, url, bodies.get((method, path)))
            assert response.status_code == 401, (who, method, url, response.content)
            assert response.json() == {"detail": "Unauthorized"}
    assert _database() == before


def test_a_token_of_another_neighborhood_reaches_nothing_here(world: World, north: North) -> None:
    _, raw = issue_token(user=world.users["outsider"], name="南苑")
    client = _bearer(raw)
    bodies = _bodies(world, north)
    for method, path in _operations():
        url = _url(path, north)
        before = _database()
        response = _call(client, method, url, bodies.get((method, path)))
        takes_object = "{" in path
        if method == "get" and not takes_object:
            # A list: answered, or 404 for those it is not for; never with our records.
            assert response.status_code in (200, 400, 404), (url, response.content)
            kind = LISTS[path]
            if response.status_code == 200 and kind is not None:
                assert north.ids[kind] not in _ids(response.json()), (url, response.content)
        elif method == "get":
            assert response.status_code == 404, (url, response.content)
        else:
            assert response.status_code in (400, 404), (method, url, response.content)
            assert response.json()["detail"]
        assert _database() == before, (method, url)


def test_the_matrix_sees_what_a_token_of_this_neighborhood_reaches(
    world: World, north: North
) -> None:
    """The same requests answered for people of 北苑: the refusals above come from the
    scope, not from the matrix's requests, and each list's check could fail."""
    _, raw = issue_token(user=world.users["secretary"], name="北苑")
    client = _bearer(raw)
    for method, path in _operations():
        if method != "get" or "{" not in path:
            continue
        response = _call(client, method, _url(path, north), None)
        assert response.status_code == 200, (path, response.content)
    readers = {
        "/api/appeals/": "resident",
        "/api/issues/": "secretary",
        "/api/meetings/": "secretary",
        "/api/activities/": "resident",
        "/api/volunteers/shifts/mine": "resident",
        "/api/volunteers/shifts/open": "party_member",
    }
    assert set(readers) == {p for p, kind in LISTS.items() if kind is not None}
    for path, persona in readers.items():
        _, raw = issue_token(user=world.users[persona], name="北苑")
        listed = _bearer(raw).get(path).json()
        assert north.ids[LISTS[path] or ""] in _ids(listed), (path, persona, listed)
