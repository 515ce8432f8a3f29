"""Open311 GeoReport v2 for appeals: the spec's example requests
(https://wiki.open311.org/GeoReport_v2), in JSON and XML, with its error format."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as SafeET
from django.test import Client

from sanxian.api.services import issue_token
from sanxian.appeals.models import Appeal
from sanxian.appeals.services import acknowledge_appeal, resolve_appeal, start_appeal
from tests.appeals.conftest import MakeAppeal, category
from tests.test_query_counts import count_queries
from tests.world import World

V2 = "/open311/v2"


def _key(world: World, persona: str = "resident") -> str:
    return issue_token(user=world.users[persona], name="open311")[1]


def _xml(response):  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("text/xml")
    return SafeET.fromstring(response.content)


def test_service_list_in_both_formats(world: World) -> None:
    as_json = Client().get(f"{V2}/services.json", {"jurisdiction_id": "sanxian"})
    assert as_json.status_code == 200
    services = as_json.json()
    names = [s["service_name"] for s in services]
    assert "楼道堆物" in names
    first = services[0]
    assert set(first) >= {"service_code", "service_name", "description", "metadata", "type"}
    assert first["metadata"] is False and first["type"] == "realtime"

    root = _xml(Client().get(f"{V2}/services.xml", {"jurisdiction_id": "sanxian"}))
    assert root.tag == "services"
    assert [s.findtext("service_name") for s in root.findall("service")] == names
    assert root.find("service/metadata").text == "false"


def test_service_definition_and_unknown_code(world: World) -> None:
    code = category().pk
    definition = Client().get(f"{V2}/services/{code}.json").json()
    assert definition == {"service_code": str(code), "attributes": []}
    root = _xml(Client().get(f"{V2}/services/{code}.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == str(code)

    missing = Client().get(f"{V2}/services/033.xml")
    assert missing.status_code == 404
    error = _xml(missing)
    assert error.tag == "errors"
    assert error.findtext("error/code") == "404"
    assert error.findtext("error/description")


def _spec_post(world: World, key: str, **overrides: str) -> dict[str, str]:
    """The spec's example POST, with a place of the register as address_id."""
    body = {
        "api_key": key,
        "jurisdiction_id": "sanxian",
        "service_code": str(category().pk),
        "lat": "31.1945",
        "long": "121.4577",
        "address_string": "1234 5th street",
        "address_id": str(world.household.pk),
        "email": "smit333@sfgov.edu",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "john",
        "last_name": "smith",
        "phone": "13812345678",
        "description": "楼道里堆满了纸箱，挡住了消防通道",
        "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
        "attribute[WHISPAWN]": "123456",
    }
    body.update(overrides)
    return body


def test_post_service_request_files_an_appeal(world: World) -> None:
    response = Client().post(f"{V2}/requests.json", _spec_post(world, _key(world)))
    assert response.status_code == 201, response.content
    [answer] = response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    appeal = Appeal.objects.get(pk=int(answer["service_request_id"]))
    assert appeal.resident == world.resident
    assert appeal.place == world.household
    assert appeal.text == "楼道里堆满了纸箱，挡住了消防通道"
    assert appeal.contact_phone_last4 == "5678"
    assert answer["service_notice"]


def test_post_in_xml(world: World) -> None:
    response = Client().post(f"{V2}/requests.xml", _spec_post(world, _key(world)))
    assert response.status_code == 201
    root = _xml(response)
    assert root.tag == "service_requests"
    request_id = root.findtext("request/service_request_id")
    assert Appeal.objects.filter(pk=int(request_id)).exists()


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"address_id": ""}, 400),  # the spec's example places by lat/long only
        ({"address_id": "999999"}, 400),
        ({"service_code": "033"}, 404),
        ({"description": ""}, 400),
        ({"phone": "12345"}, 400),
        ({"api_key": "sx_wrong"}, 403),
        ({"api_key": ""}, 403),
        ({"jurisdiction_id": "city.gov"}, 404),
    ],
)
def test_refused_posts_answer_in_the_error_format_and_file_nothing(
    world: World, overrides: dict[str, str], status: int
) -> None:
    response = Client().post(f"{V2}/requests.json", _spec_post(world, _key(world), **overrides))
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and error["description"]
    assert not Appeal.objects.exists()


def test_a_key_of_someone_neither_resident_nor_staff_cannot_file(world: World) -> None:
    response = Client().post(f"{V2}/requests.json", _spec_post(world, _key(world, "auditor")))
    assert response.status_code == 403
    assert not Appeal.objects.exists()


def _closed(appeal: Appeal, world: World) -> Appeal:
    staff = world.users["secretary"]
    acknowledge_appeal(appeal=appeal, actor=staff)
    start_appeal(appeal=appeal, actor=staff)
    return resolve_appeal(appeal=appeal, actor=staff, note="已清理")


def test_get_service_requests_by_id_dates_and_status(world: World, make_appeal: MakeAppeal) -> None:
    open_one = make_appeal(text="路灯坏了")
    closed_one = _closed(make_appeal(text="楼道堆物"), world)
    client, key = Client(), _key(world)

    by_id = client.get(
        f"{V2}/requests.json",
        {"api_key": key, "service_request_id": f"{open_one.pk},{closed_one.pk}"},
    ).json()
    assert {r["service_request_id"] for r in by_id} == {str(open_one.pk), str(closed_one.pk)}
    item = next(r for r in by_id if r["service_request_id"] == str(closed_one.pk))
    assert item["status"] == "closed" and item["status_notes"] == "已清理"
    address = ["测试街道", "北苑", world.building.name, world.household.name]
    assert item["address"].split() == address
    assert item["requested_datetime"].endswith("+08:00")

    only_open = client.get(f"{V2}/requests.json", {"api_key": key, "status": "open"}).json()
    assert [r["service_request_id"] for r in only_open] == [str(open_one.pk)]

    window = client.get(
        f"{V2}/requests.xml",
        {"api_key": key, "start_date": "2010-05-24T00:00:00Z", "end_date": "2010-06-24T00:00:00Z"},
    )
    assert _xml(window).findall("request") == []

    one = client.get(f"{V2}/requests/{open_one.pk}.xml", {"api_key": key})
    root = _xml(one)
    assert root.findtext("request/service_request_id") == str(open_one.pk)
    assert root.findtext("request/status") == "open"


@pytest.mark.parametrize(
    "params",
    [{"start_date": "yesterday"}, {"status": "pending"}, {"service_request_id": "1;2"}],
)
def test_bad_query_parameters_answer_400(world: World, params: dict[str, str]) -> None:
    response = Client().get(f"{V2}/requests.json", {"api_key": _key(world), **params})
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("resident", True), ("secretary", True), ("outsider", False), ("party_member", False)],
)
def test_requests_are_scoped_like_the_pages(
    world: World, make_appeal: MakeAppeal, persona: str, sees: bool
) -> None:
    appeal = make_appeal()
    key = _key(world, persona)
    listed = Client().get(f"{V2}/requests.json", {"api_key": key}).json()
    assert (str(appeal.pk) in [r["service_request_id"] for r in listed]) is sees
    one = Client().get(f"{V2}/requests/{appeal.pk}.json", {"api_key": key})
    assert one.status_code == (200 if sees else 404)


def test_reading_requests_needs_a_key(world: World, make_appeal: MakeAppeal) -> None:
    appeal = make_appeal()
    assert Client().get(f"{V2}/requests.json").status_code == 403
    assert Client().get(f"{V2}/requests/{appeal.pk}.json").status_code == 403


def test_unknown_format_is_not_found(world: World) -> None:
    assert Client().get(f"{V2}/services.csv").status_code == 404


def test_request_list_queries_do_not_grow(world: World, make_appeal: MakeAppeal) -> None:
    key = _key(world, "secretary")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    make_appeal()
    client.get(f"{V2}/requests.json")  # the key's first use is recorded once
    small = count_queries(client, f"{V2}/requests.json")
    for i in range(12):
        make_appeal(text=f"第{i}件")
    assert count_queries(client, f"{V2}/requests.json") == small


def test_a_staff_key_files_on_behalf_by_account_id_or_phone(world: World) -> None:
    """A hotline's ticket system with a staff key: the caller is named by account_id (the
    resident's id) or found by phone among the residents the key looks after."""
    from sanxian.places.services import set_personal_numbers

    key, client = _key(world, "secretary"), Client()
    by_id = client.post(
        f"{V2}/requests.json", _spec_post(world, key, account_id=str(world.resident.pk))
    )
    assert by_id.status_code == 201, by_id.content
    appeal = Appeal.objects.get(pk=by_id.json()[0]["service_request_id"])
    assert (appeal.resident, appeal.filed_by) == (world.resident, world.users["secretary"])
    assert appeal.on_behalf

    set_personal_numbers(resident=world.resident, phone="13900001111")
    by_phone = client.post(
        f"{V2}/requests.json", _spec_post(world, key, account_id="", phone="139 0000 1111")
    )
    assert by_phone.status_code == 201, by_phone.content
    assert Appeal.objects.get(pk=by_phone.json()[0]["service_request_id"]).resident == (
        world.resident
    )


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({}, 404),  # the spec's example account_id 123456: nobody here
        ({"account_id": "abc"}, 400),
        ({"account_id": "", "phone": "13700000000"}, 400),  # no resident with this phone
        ({"account_id": "", "phone": "12345"}, 400),  # not a phone number
        ({"account_id": "", "phone": ""}, 400),  # neither
    ],
)
def test_a_staff_key_naming_nobody_it_looks_after_files_nothing(
    world: World, overrides: dict[str, str], status: int
) -> None:
    body = _spec_post(world, _key(world, "secretary"), **overrides)
    response = Client().post(f"{V2}/requests.json", body)
    assert response.status_code == status
    assert response.json()[0]["description"]
    assert not Appeal.objects.exists()


def test_a_staff_key_cannot_file_for_a_resident_elsewhere(world: World) -> None:
    from sanxian.places.models import Resident

    south = Resident.objects.filter(path__startswith=world.south.path).first()
    assert south is not None
    body = _spec_post(world, _key(world, "secretary"), account_id=str(south.pk))
    assert Client().post(f"{V2}/requests.json", body).status_code == 404
    assert not Appeal.objects.exists()
