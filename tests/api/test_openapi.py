"""The OpenAPI document: served, and true — schemathesis generates requests from it
in-process (valid and invalid) and checks every answer against it; and a client that knows
only the document files and follows an appeal."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from sanxian.activities.services import sign_up
from sanxian.api.models import ApiToken
from sanxian.appeals.models import Appeal
from sanxian.meetings import services as meetings
from sanxian.meetings.models import MeetingKind
from sanxian.volunteers import services as volunteers
from sanxian.wsgi import application
from tests.api.conftest import ApiClient
from tests.volunteers.conftest import Crew, shift_at
from tests.world import World

DOCUMENT = "/api/openapi.json"


def test_document_is_public_and_describes_the_token(world: World) -> None:
    response = Client().get(DOCUMENT)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert "/api/appeals/" in document["paths"]


@pytest.fixture
def resident_api(api) -> ApiClient:  # type: ignore[no-untyped-def]
    return api("resident")


@pytest.fixture
def in_process_requests():  # type: ignore[no-untyped-def]
    """Keep the test's database connection open across WSGI requests, as Django's test
    client does (the request signals would close it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# A token the generated requests carry; each test stores it for the resident persona.
FUZZ_TOKEN = "sx_generated-requests-of-the-api-conformance-test"

# Loaded from the application itself (the document's view needs no database). A request
# that passes the schema but breaks a rule of the product (an id that is not offered, an
# appeal that cannot be rated yet) is answered 400, as documented.
schema = schemathesis.openapi.from_wsgi(
    DOCUMENT,
    application,
    config=SchemathesisConfig.from_dict(
        {
            "headers": {"Authorization": f"Bearer {FUZZ_TOKEN}"},
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "400", "401", "404", "429"]
                }
            },
        }
    ),
)


@pytest.fixture
def fuzz_token(world: World) -> None:
    ApiToken.objects.create(
        user=world.users["resident"],
        name="conformance",
        prefix=FUZZ_TOKEN[:10],
        digest=hashlib.sha256(FUZZ_TOKEN.encode()).hexdigest(),
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=1),
    )


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.usefixtures("in_process_requests", "fuzz_token")
def test_api_answers_as_documented(case, world, make_appeal, make_activity, crew) -> None:  # type: ignore[no-untyped-def]
    if not Appeal.objects.exists():
        _something_to_read(world, make_appeal, make_activity, crew)
    case.call_and_validate()


def _something_to_read(world: World, make_appeal, make_activity, crew: Crew) -> None:  # type: ignore[no-untyped-def]
    """An appeal to read, rate and follow; a meeting the resident checked in at; an
    activity with the resident's sign-up; a shift the resident is on (the resident is a
    patrol member of the crew)."""
    make_appeal()
    meeting = meetings.create_meeting(
        place=world.north, kind=MeetingKind.COLLECTION, starts_at=timezone.now()
    )
    meetings.check_in(token=meetings.checkin_token(meeting), user=world.users["resident"])
    activity = make_activity()
    sign_up(activity=activity, residents=[world.resident], actor=world.users["resident"])
    shift = shift_at(crew, timezone.now() + timedelta(hours=2, seconds=7), hours=1)
    volunteers.sign_up(shift=shift, volunteer=crew.resident)


def _ref(document: dict, schema: dict) -> dict:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return document["components"]["schemas"][name]
    return schema


def test_a_client_knowing_only_the_document_files_and_follows(resident_api: ApiClient) -> None:
    """Every path, method and field name below is read from the document."""
    client = resident_api
    document = Client().get(DOCUMENT).json()
    paths = document["paths"]

    def path_of(summary_start: str, method: str) -> str:
        for path, operations in paths.items():
            op = operations.get(method)
            if op and op["summary"].startswith(summary_start):
                return path
        raise AssertionError(f"no {method} operation '{summary_start}…' in the document")

    filing_path = path_of("File an appeal", "post")
    filing = paths[filing_path]["post"]
    body_schema = _ref(document, filing["requestBody"]["content"]["application/json"]["schema"])
    required = body_schema["required"]
    assert set(required) >= {"category", "text", "place"}

    categories = client.get(path_of("Appeal categories", "get")).json()
    places = client.get(path_of("Places the resident", "get")).json()
    body = {"category": categories[0]["id"], "place": places[0]["id"], "text": "电梯停了三天"}
    filed = client.post(filing_path, body)
    assert filed.status_code in {int(code) for code in filing["responses"] if code.startswith("2")}
    appeal_id = filed.json()["id"]
    assert Appeal.objects.filter(pk=appeal_id, text="电梯停了三天").exists()

    one = path_of("One appeal", "get").replace("{appeal_id}", str(appeal_id))
    followed = client.get(one).json()
    assert followed["state"] == "submitted"
    assert followed["events"][0]["kind"] == "filed"
    listed = client.get(path_of("My appeals", "get")).json()
    assert appeal_id in [a["id"] for a in listed["items"]]
