"""Residents who move away (迁出): the rules of recording and cancelling a departure, who may
do it, how departed residents drop out of every "who lives here now" count and list, and the
retention limit after which their personal data is erased (个人信息保护法)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from stdnum.cn import ric

from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.dashboards.measures import SHANGHAI
from sanxian.dashboards.selectors import Measures, Period, place_node, read_values
from sanxian.dashboards.services import refresh_rollups
from sanxian.grids.selectors import grid_places, grid_resident_count
from sanxian.periodic.jobs import JOBS
from sanxian.places import selectors
from sanxian.places.errors import DomainError
from sanxian.places.models import Resident
from sanxian.places.paths import subtree_q
from sanxian.places.services import (
    ERASED_NAME,
    cancel_departure,
    erase_departed,
    record_departure,
    set_personal_numbers,
)
from sanxian.places.tasks import erase_departed_residents
from tests.test_query_counts import count_queries
from tests.world import World, grow

pytestmark = pytest.mark.django_db

BODY = "31010419520315123"
ID_NUMBER = BODY + ric.calc_check_digit(BODY + "0")
PHONE = "13912345678"
RETENTION = 730


def fresh(resident: Resident) -> Resident:
    return Resident.objects.get(pk=resident.pk)


def english(client):  # type: ignore[no-untyped-def]
    client.cookies["sanxian_language"] = "en"
    return client


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


# --- The rules ------------------------------------------------------------------------


def test_departure_rules_and_messages(world: World) -> None:
    translation.activate("en")
    actor = world.users["secretary"]
    today = timezone.localdate()
    resident = world.resident
    Resident.objects.filter(pk=resident.pk).update(moved_in=date(2020, 5, 1))
    resident = fresh(resident)

    with pytest.raises(DomainError) as info:
        record_departure(resident=resident, on=today + timedelta(days=1), actor=actor)
    assert "cannot be in the future" in info.value.message
    with pytest.raises(DomainError) as info:
        record_departure(resident=resident, on=date(2020, 4, 30), actor=actor)
    assert "before" in info.value.message and "moved in" in info.value.message
    assert "2020" in info.value.message
    with pytest.raises(DomainError) as info:
        cancel_departure(resident=resident, actor=actor)
    assert "is not recorded as moved out" in info.value.message
    assert fresh(resident).moved_out is None
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED).exists()

    # The day they moved in and today are both allowed.
    record_departure(resident=resident, on=date(2020, 5, 1), actor=actor)
    assert fresh(resident).moved_out == date(2020, 5, 1)
    with pytest.raises(DomainError) as info:
        record_departure(resident=resident, on=today, actor=actor)
    assert "already recorded as moved out" in info.value.message
    assert fresh(resident).moved_out == date(2020, 5, 1)  # unchanged

    cancel_departure(resident=resident, actor=actor)
    assert fresh(resident).moved_out is None
    record_departure(resident=resident, on=today, actor=actor)
    assert fresh(resident).moved_out == today

    entries = list(
        AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED).order_by("at", "id")
    )
    assert [e.detail["change"] for e in entries] == [
        "moved_out",
        "moved_out_cancelled",
        "moved_out",
    ]
    assert {e.target for e in entries} == {f"places.Resident#{resident.pk}"}
    assert {e.username for e in entries} == {"secretary"}
    assert {e.path for e in entries} == {resident.path}
    assert entries[1].detail["moved_out"] == "2020-05-01"


def test_no_cancelling_after_erasure(world: World) -> None:
    translation.activate("en")
    actor = world.users["admin"]
    record_departure(resident=world.resident, on=date(2020, 1, 1), actor=actor)
    assert erase_departed(today=date(2022, 1, 2)) == 1
    with pytest.raises(DomainError) as info:
        cancel_departure(resident=fresh(world.resident), actor=actor)
    assert "erased" in info.value.message
    assert fresh(world.resident).moved_out == date(2020, 1, 1)


# --- Who lives here now -----------------------------------------------------------------


def test_counts_and_lists_exclude_departed(world: World) -> None:
    grow(world)
    north, household = world.north, world.household
    in_household = Resident.objects.filter(household=household).count()
    before_children = {
        r.place.pk: r.residents for r in selectors.children_with_counts(north, with_party=True)
    }
    before_totals = selectors.place_totals(world.subdistrict, with_party=False)
    before_grid = grid_resident_count([world.building_group])

    record_departure(resident=world.resident, on=date(2024, 6, 1), actor=None)

    block_row = next(
        r for r in selectors.children_with_counts(north, with_party=True) if r.place == world.block
    )
    assert block_row.residents == before_children[world.block.pk] - 1
    assert selectors.place_totals(world.subdistrict, with_party=False)["residents"] == (
        before_totals["residents"] - 1
    )
    under = subtree_q(world.block.path)
    assert block_row.residents == Resident.objects.current().filter(under).count()
    assert block_row.residents == Resident.objects.filter(under).count() - 1
    assert list(Resident.objects.departed()) == [fresh(world.resident)]

    people = selectors.household_people(household)
    assert world.resident not in people.current
    assert [r.pk for r in people.departed] == [world.resident.pk]
    assert len(people.current) == in_household - 1
    assert selectors.household_members(household) == people.current

    floors = selectors.building_floors(world.building)
    counted = {h.pk: h.resident_count for row in floors for h in row.households}
    assert counted[household.pk] == in_household - 1

    assert grid_resident_count([world.building_group]) == before_grid - 1
    (_bg, homes), *_ = grid_places(world.grid).households
    assert next(h for h in homes if h.pk == household.pk).resident_count == in_household - 1


def test_structure_check_does_not_suggest_departed_residents(world: World) -> None:
    from sanxian.grids.models import GridRole, GridTeamTerm
    from sanxian.party.structure import check_structure

    # The south grid loses its resident group leader: the check suggests people living
    # in its building group, never one who moved away.
    south_people = list(Resident.objects.filter(subtree_q(world.south.path)).order_by("id"))
    GridTeamTerm.objects.filter(grid=world.south_grid, role=GridRole.RESIDENT_GROUP_LEADER).delete()
    departed = south_people[-1]
    record_departure(resident=departed, on=date(2024, 6, 1), actor=None)
    gaps = [g for g in check_structure(world.south) if g.code == "grid_role_vacant"]
    assert gaps
    fixes = " ".join(g.fix for g in gaps)
    assert departed.name not in fixes
    assert any(r.name in fixes for r in south_people[:-1])


def test_dashboard_snapshot_counts_current_residents(world: World) -> None:
    now = timezone.now()
    today = timezone.localdate()
    refresh_rollups(today, today, now=now, families=["structure"])
    period = Period((today.year, today.month), (today.year, today.month))
    key = place_node(world.north).key
    values, _day = read_values([key], period)
    before = Measures(values[key]).get("residents")
    assert before == Resident.objects.filter(subtree_q(world.north.path)).count()

    record_departure(resident=world.resident, on=today, actor=None)
    refresh_rollups(today, today, now=now, families=["structure"])
    values, _day = read_values([key], period)
    measures = Measures(values[key])
    assert measures.get("residents") == before - 1
    # The per-100-residents measures divide by the residents living here now.
    assert measures.residents_count == before - 1


def test_search_marks_departed_and_drops_erased(login, world: World) -> None:
    from sanxian.accounts.scope import get_scope

    scope = get_scope(world.users["secretary"])
    query = "101"
    everyone = {r.pk for r in selectors.search_residents(scope, query)}
    assert world.resident.pk in everyone
    record_departure(resident=world.resident, on=date(2024, 6, 1), actor=None)

    # Lists that pick someone living here (filing an appeal for them, signing them up)
    # no longer offer them.
    assert world.resident.pk not in {r.pk for r in selectors.search_residents(scope, query)}
    # The search page still finds them, after the current residents, marked as moved out.
    found = selectors.search_residents(scope, query, include_departed=True)
    assert [r.pk for r in found][-1] == world.resident.pk
    assert {r.pk for r in found} == everyone
    client = english(login("secretary"))
    page = client.get(reverse("places:search") + "?q=101").content.decode()
    assert world.resident.name in page
    assert page.count("Moved out") == 1
    appeal_search = client.get(reverse("appeals:new_for") + "?q=101").content.decode()
    assert world.resident.name not in appeal_search

    erase_departed(today=date(2026, 6, 3))
    found = selectors.search_residents(scope, query, include_departed=True)
    assert world.resident.pk not in {r.pk for r in found}
    assert client.get(reverse("places:search") + "?q=已迁出").context["results"] == []


def test_query_counts_unchanged_by_departures(login, world: World) -> None:
    grow(world)
    departing = list(Resident.objects.filter(household=world.household).order_by("id")[:2])
    pages = [
        ("secretary", reverse("accounts:home")),
        ("secretary", reverse("places:detail", args=[world.north.pk])),
        ("secretary", reverse("places:detail", args=[world.building.pk])),
        ("secretary", reverse("places:detail", args=[world.household.pk])),
        ("resident", reverse("places:detail", args=[world.household.pk])),
        ("secretary", reverse("places:resident", args=[departing[0].pk])),
        ("secretary", reverse("grids:detail", args=[world.grid.pk])),
        ("secretary", reverse("places:search") + "?q=101"),
        ("secretary", reverse("party:structure", args=[world.north.pk])),
    ]

    def counts() -> list[int]:
        return [count_queries(login(persona), url) for persona, url in pages]

    before = counts()
    for r in departing:
        record_departure(resident=r, on=date(2024, 6, 1), actor=None)
    after = counts()
    assert after == before
    assert max(after) <= 15


# --- Retention and erasure --------------------------------------------------------------


def test_erasure_only_after_the_retention_period(world: World, settings) -> None:
    settings.SANXIAN_DEPARTED_RETENTION_DAYS = RETENTION
    moved_out = date(2023, 3, 1)
    record_departure(resident=world.resident, on=moved_out, actor=None)
    last_kept = moved_out + timedelta(days=RETENTION)
    assert erase_departed(today=last_kept) == 0
    assert fresh(world.resident).erased_at is None
    assert erase_departed(today=last_kept + timedelta(days=1)) == 1
    assert fresh(world.resident).erased_at is not None

    # The default "today" is the local date: travel in time instead of passing it.
    record_departure(resident=world.leader, on=moved_out + timedelta(days=10), actor=None)
    due = datetime.combine(last_kept + timedelta(days=11), datetime.min.time(), SHANGHAI)
    with time_machine.travel(due - timedelta(hours=1), tick=False):
        assert erase_departed() == 0
    with time_machine.travel(due + timedelta(hours=1), tick=False):
        assert erase_departed() == 1
    # A current resident is never erased, however long ago they moved in.
    assert fresh(world.member_resident).erased_at is None


def test_retention_period_is_a_setting(world: World, settings) -> None:
    settings.SANXIAN_DEPARTED_RETENTION_DAYS = 30
    record_departure(resident=world.resident, on=date(2024, 1, 1), actor=None)
    assert erase_departed(today=date(2024, 1, 31)) == 0
    assert erase_departed(today=date(2024, 2, 1)) == 1


def test_nothing_identifying_is_left_and_rerunning_erases_nothing_more(world: World) -> None:
    resident = world.resident
    set_personal_numbers(resident=resident, id_number=ID_NUMBER, phone=PHONE)
    resident = fresh(resident)
    identifying = [
        resident.name,
        resident.name_pinyin,
        resident.id_number_sealed,
        resident.id_number_digest,
        resident.phone_sealed,
        resident.phone_digest,
        ID_NUMBER,
        PHONE,
    ]
    assert resident.birth_year is not None
    last4 = {resident.id_number_last4, resident.phone_last4}
    record_departure(resident=resident, on=date(2020, 1, 1), actor=None)
    record_departure(resident=world.leader, on=date(2020, 2, 1), actor=None)
    assert erase_departed(today=date(2024, 1, 1)) == 2

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, name_pinyin, name_initials, birth_year, id_number_sealed, "
            "id_number_digest, id_number_last4, phone_sealed, phone_digest, phone_last4, "
            "moved_out, erased_at, household_id, path "
            "FROM places_resident WHERE id = %s",
            [resident.pk],
        )
        row = cursor.fetchone()
        cursor.execute("SELECT * FROM places_resident WHERE id = %s", [resident.pk])
        whole = " ".join(str(v) for v in cursor.fetchone())
    name, pinyin, initials, birth_year, *numbers, moved_out, erased_at, home, path = row
    assert name == f"{ERASED_NAME} {resident.pk}"
    assert (pinyin, initials, birth_year) == ("", "", None)
    assert numbers == ["", "", "", "", "", ""]
    assert erased_at is not None and moved_out is not None
    # The record itself stays where it was: appeals, hours and party history point at it.
    assert (home, path) == (resident.household_id, resident.path)
    for value in identifying:
        assert value not in whole, value
    for value in last4:
        assert value not in whole.replace(str(resident.pk), "")

    erased = fresh(resident)
    assert erased.erased and erased.departed
    entries = list(AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_ERASED))
    assert [e.detail["erased"] for e in entries] == [2]
    assert entries[0].detail["retention_days"] == RETENTION

    # Running again erases nothing more and leaves the erased rows as they were.
    assert erase_departed(today=date(2024, 1, 2)) == 0
    again = fresh(resident)
    assert (again.name, again.erased_at) == (erased.name, erased.erased_at)
    counts = [
        e.detail["erased"]
        for e in AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_ERASED).order_by(
            "at", "id"
        )
    ]
    assert counts == [2, 0]


def test_erasure_works_in_chunks(world: World, monkeypatch) -> None:
    from sanxian.places import services

    monkeypatch.setattr(services, "ERASE_CHUNK", 2)
    people = list(Resident.objects.filter(subtree_q(world.north.path)).order_by("id"))
    for r in people:
        record_departure(resident=r, on=date(2020, 1, 1), actor=None)
    assert len(people) > 2
    assert erase_departed(today=date(2023, 1, 1)) == len(people)
    assert Resident.objects.filter(erased_at__isnull=True, moved_out__isnull=False).count() == 0
    assert AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_ERASED).count() == 1


def test_command_dry_run_and_daily_job(world: World, capsys) -> None:
    record_departure(resident=world.resident, on=date(2020, 1, 1), actor=None)
    call_command("erase_departed", dry_run=True)
    assert "1 departed resident(s)" in capsys.readouterr().out
    assert fresh(world.resident).erased_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_ERASED).exists()
    call_command("erase_departed")
    assert "1 departed resident(s) erased" in capsys.readouterr().out
    assert fresh(world.resident).erased_at is not None
    call_command("erase_departed", dry_run=True)
    assert "0 departed resident(s)" in capsys.readouterr().out

    job = next(j for j in JOBS if j.name == "erase_departed_residents")
    assert job.task_path == "sanxian.places.tasks.erase_departed_residents"
    assert job.every == timedelta(days=1)
    record_departure(resident=world.leader, on=date(2020, 1, 1), actor=None)
    assert erase_departed_residents.call() == 1


# --- Pages and permissions --------------------------------------------------------------


def test_who_may_record_a_departure(login, world: World) -> None:
    url = reverse("places:resident_departure", args=[world.resident.pk])
    cancel = reverse("places:resident_departure_cancel", args=[world.resident.pk])
    day = {"moved_out": "2024-06-01"}
    # The resident themself, staff without the roster, another neighborhood's secretary,
    # a party member of the household and someone with no role: refused, nothing changes.
    for persona in ("resident", "group_leader", "party_member", "outsider", "auditor", "nobody"):
        client = login(persona)
        assert client.post(url, day).status_code == 404, persona
        assert fresh(world.resident).moved_out is None
    client.logout()
    assert client.post(url, day).status_code == 302  # to sign in
    assert fresh(world.resident).moved_out is None
    # The staff keeping the roster may.
    for persona in ("secretary", "social_worker", "admin"):
        client = login(persona)
        assert client.get(url).status_code == 405
        response = client.post(url, day)
        assert response.status_code == 302, persona
        assert response["Location"] == reverse("places:resident", args=[world.resident.pk])
        assert fresh(world.resident).moved_out == date(2024, 6, 1)
        for refused in ("resident", "group_leader", "outsider"):
            assert login(refused).post(cancel).status_code == 404
            assert fresh(world.resident).moved_out == date(2024, 6, 1)
        assert login(persona).post(cancel).status_code == 302
        assert fresh(world.resident).moved_out is None
    # The outsider keeps the roster of the other neighborhood, not of this one.
    south = Resident.objects.filter(subtree_q(world.south.path)).first()
    assert south is not None
    south_url = reverse("places:resident_departure", args=[south.pk])
    assert login("secretary").post(south_url, day).status_code == 404
    assert login("outsider").post(south_url, day).status_code == 302
    assert fresh(south).moved_out == date(2024, 6, 1)


def test_form_offered_to_roster_staff_only(login, world: World) -> None:
    url = reverse("places:resident", args=[world.resident.pk])
    for persona in ("secretary", "social_worker", "admin"):
        page = login(persona).get(url)
        assert 'data-testid="departure-form"' in page.content.decode(), persona
        form = page.context["departure_form"]
        assert form["moved_out"].value() == timezone.localdate()  # today by default
    for persona in ("group_leader", "resident"):
        page = login(persona).get(url).content.decode()
        assert 'data-testid="departure"' not in page, persona


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("2999-01-01", "cannot be in the future"),
        ("2020-04-30", "before"),
        ("", "Please give the date"),
        ("1 June", "year-month-day"),
        ("2024-02-30", "year-month-day"),
    ],
)
def test_bad_dates_give_a_message_and_change_nothing(
    login, world: World, value: str, fragment: str
) -> None:
    Resident.objects.filter(pk=world.resident.pk).update(moved_in=date(2020, 5, 1))
    client = english(login("secretary"))
    response = client.post(
        reverse("places:resident_departure", args=[world.resident.pk]), {"moved_out": value}
    )
    assert response.status_code == 400
    shown = messages_of(response)
    assert len(shown) == 1 and fragment in shown[0], shown
    assert fragment in response.content.decode().replace("&#x27;", "'")
    assert fresh(world.resident).moved_out is None
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED).exists()
    # The form stays open with what was typed.
    assert 'data-testid="departure-form"' in response.content.decode()


def test_recording_twice_and_cancelling_through_the_page(login, world: World) -> None:
    client = english(login("secretary"))
    url = reverse("places:resident_departure", args=[world.resident.pk])
    response = client.post(url, {"moved_out": "2024-06-01"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert any("recorded as moved out" in m for m in messages_of(response))
    assert 'data-testid="departed-tag"' in page
    assert 'data-testid="cancel-departure-form"' in page
    assert 'data-testid="departure-form"' not in page

    response = client.post(url, {"moved_out": "2024-07-01"})
    assert response.status_code == 400
    assert "already recorded as moved out" in messages_of(response)[0]
    assert fresh(world.resident).moved_out == date(2024, 6, 1)

    cancel = reverse("places:resident_departure_cancel", args=[world.resident.pk])
    response = client.post(cancel, follow=True)
    assert any("cancelled" in m for m in messages_of(response))
    assert fresh(world.resident).moved_out is None
    response = client.post(cancel)
    assert response.status_code == 400
    assert "not recorded as moved out" in messages_of(response)[0]

    # After erasure the page says so and offers neither form.
    client.post(url, {"moved_out": "2020-01-01"})
    erase_departed(today=date(2023, 1, 1))
    page = client.get(reverse("places:resident", args=[world.resident.pk])).content.decode()
    assert "Personal data erased" in page
    assert 'data-testid="departure"' not in page
    response = client.post(cancel)
    assert response.status_code == 400
    assert "erased" in messages_of(response)[0]


def test_household_page_lists_departed_separately_for_staff(login, world: World) -> None:
    record_departure(resident=world.leader, on=date(2024, 6, 1), actor=None)
    url = reverse("places:detail", args=[world.household.pk])
    for persona in ("secretary", "group_leader"):
        staff = english(login(persona)).get(url)
        current = [r.pk for r in staff.context["members"]]
        assert world.leader.pk not in current and world.resident.pk in current
        assert [r.pk for r in staff.context["departed"]] == [world.leader.pk]
        page = staff.content.decode()
        start = page.index('data-testid="household-departed"')
        assert world.leader.name in page[start:] and "Moved out (1)" in page[start:]
        assert world.leader.name not in page[:start]

    # Whoever lives there now does not see who moved out, nor opens their page.
    neighbour = login("resident")
    response = neighbour.get(url)
    assert [r.pk for r in response.context["members"]] == current
    assert response.context["departed"] == []
    assert 'data-testid="household-departed"' not in response.content.decode()
    assert neighbour.get(reverse("places:resident", args=[world.leader.pk])).status_code == 404
    housemates = neighbour.get(reverse("places:resident", args=[world.resident.pk]))
    assert world.leader.pk not in [r.pk for r in housemates.context["housemates"]]


def test_departed_residents_page_and_sign_in(login, world: World) -> None:
    """A departed resident still signs in and sees their own record; the people still
    living in the household no longer open the departed person's page."""
    record_departure(resident=world.leader, on=date(2024, 6, 1), actor=None)
    record_departure(resident=world.resident, on=date(2024, 6, 1), actor=None)
    client = login("resident")  # world.resident, now departed
    assert client.get(reverse("accounts:home")).status_code == 200
    assert client.get(reverse("places:resident", args=[world.resident.pk])).status_code == 200
    household = client.get(reverse("places:detail", args=[world.household.pk]))
    assert household.status_code == 200
    assert household.context["departed"] == []
    # Another departed member of the household is closed to a resident.
    assert client.get(reverse("places:resident", args=[world.leader.pk])).status_code == 404
    # Staff still open both.
    staff = login("group_leader")
    assert staff.get(reverse("places:resident", args=[world.leader.pk])).status_code == 200


def test_erasure_reaches_the_copies_of_the_name(world: World) -> None:
    """The party record and the sign-in of a departed party member carry the name too."""
    member = world.member_resident
    original = member.name
    record_departure(resident=member, on=date(2020, 1, 1), actor=None)
    assert erase_departed(today=date(2024, 1, 1)) == 1
    placeholder = f"{ERASED_NAME} {member.pk}"
    member.party_member.refresh_from_db()
    assert member.party_member.name == placeholder
    user = world.users["party_member"]
    user.refresh_from_db()
    assert user.display_name == placeholder
    assert original not in (member.party_member.name, user.display_name)
