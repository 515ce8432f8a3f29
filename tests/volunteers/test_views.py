"""Volunteer pages: the permission matrix, forms, QR check-in, the honour roll, the
service record workbook, and query budgets."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from sanxian.places.models import Resident
from sanxian.volunteers import services
from sanxian.volunteers.models import (
    DutyShift,
    HoursEntry,
    HoursSource,
    HoursState,
    Roster,
    ShiftSignup,
    SignupState,
    SwapRequest,
)
from tests.volunteers.conftest import Crew, aware, shift_at
from tests.world import World, grow

pytestmark = pytest.mark.django_db

PERSONAS = [
    "admin",
    "secretary",
    "social_worker",
    "group_leader",
    "party_member",
    "resident",
    "vleader",
    "outsider",
    "auditor",
    "nobody",
]
COMMUNITY = {
    "admin",
    "secretary",
    "social_worker",
    "group_leader",
    "party_member",
    "resident",
    "vleader",
}
# Pages open to anyone with a community (the outsider sees their own, empty).
LISTS = COMMUNITY | {"outsider"}
MANAGERS = {"admin", "secretary", "social_worker", "vleader"}
APPROVERS = MANAGERS | {"group_leader", "outsider"}  # staff see the page (maybe empty)
# The resident's ledger: the person, their team leader, staff covering them.
LEDGER = {"admin", "secretary", "social_worker", "group_leader", "resident", "vleader"}


def running_shift(crew: Crew) -> DutyShift:
    return shift_at(crew, timezone.now() - timedelta(minutes=10), hours=2)


def status(client, url: str) -> int:  # type: ignore[no-untyped-def]
    return client.get(url).status_code


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(world: World, crew: Crew, login, persona: str) -> None:
    shift = running_shift(crew)
    signup = ShiftSignup.objects.create(shift=shift, volunteer=crew.resident)
    shift.taken = 1
    shift.save(update_fields=["taken"])
    client = login(persona)
    ok = lambda allowed: 200 if persona in allowed else 404  # noqa: E731
    assert status(client, reverse("volunteers:teams")) == ok(LISTS)
    assert status(client, reverse("volunteers:honour_roll")) == ok(LISTS)
    assert status(client, reverse("volunteers:mine")) == ok(LISTS)
    assert status(client, reverse("volunteers:approvals")) == ok(APPROVERS)
    for name, pk in (
        ("team", crew.top.pk),
        ("team", crew.patrol.pk),
        ("roster", crew.roster.pk),
        ("shift", shift.pk),
    ):
        assert status(client, reverse(f"volunteers:{name}", args=[pk])) == ok(COMMUNITY), name
    assert status(client, reverse("volunteers:shift_qr", args=[shift.pk])) == ok(MANAGERS)
    for name in ("ledger", "record", "record_xlsx"):
        url = reverse(f"volunteers:{name}", args=[crew.resident.pk])
        assert status(client, url) == ok(LEDGER), name
    # Writes of managers: each answers 302 for them, 404 for everyone else.
    writes = [
        (reverse("volunteers:mark", args=[signup.pk]), {"action": "in"}),
        (
            reverse("volunteers:roster_edit", args=[crew.roster.pk]),
            {"title": "t", "service": "s", "weekdays": ["1"], "start_time": "20:00"},
        ),
        (
            reverse("volunteers:roster_create", args=[crew.patrol.pk]),
            {"title": "t"},
        ),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == (302 if persona in MANAGERS else 404), url
        assert client.get(url).status_code in (404, 405)
    checked_in = ShiftSignup.objects.get(pk=signup.pk).checked_in_at is not None
    assert checked_in == (persona in MANAGERS)


def test_guessed_ids_answer_404(world: World, crew: Crew, login) -> None:
    client = login("outsider")
    for name in ("team", "roster", "shift", "ledger", "record"):
        assert status(client, reverse(f"volunteers:{name}", args=[999999])) == 404
    assert client.post(reverse("volunteers:team_join", args=[crew.patrol.pk])).status_code == 404
    assert (
        client.post(reverse("volunteers:approvals_swap", args=[999999]), {"action": "approve"})
    ).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, world: World, crew: Crew) -> None:
    for url in (
        reverse("volunteers:teams"),
        reverse("volunteers:team", args=[crew.top.pk]),
        reverse("volunteers:mine"),
        reverse("volunteers:record_xlsx", args=[crew.resident.pk]),
    ):
        assert client.get(url).status_code == 302


def test_teams_page_lists_the_tree(world: World, crew: Crew, login) -> None:
    page = login("resident").get(reverse("volunteers:teams")).text
    assert f'data-testid="top-team-{crew.top.pk}"' in page
    assert f'data-testid="team-{crew.patrol.pk}"' in page
    south = login("outsider").get(reverse("volunteers:teams")).text
    assert "北苑匠心舫" not in south


def test_join_leave_and_sign_up_through_the_pages(world: World, crew: Crew, login) -> None:
    client = login("group_leader")  # lives in 北苑, not yet a volunteer
    team_url = reverse("volunteers:team", args=[crew.patrol.pk])
    assert 'data-testid="join-team"' in client.get(team_url).text
    r = client.post(reverse("volunteers:team_join", args=[crew.patrol.pk]))
    assert r.status_code == 302
    assert 'data-testid="leave-team"' in client.get(team_url).text
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    r = client.post(reverse("volunteers:sign_up", args=[shift.pk]), follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["success"]
    # Twice: a message, nothing changes.
    r = client.post(reverse("volunteers:sign_up", args=[shift.pk]), follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    shift.refresh_from_db()
    assert shift.taken == 1
    r = client.post(reverse("volunteers:team_leave", args=[crew.patrol.pk]))
    shift.refresh_from_db()
    assert shift.taken == 0


def test_staff_without_a_resident_cannot_join(world: World, crew: Crew, login) -> None:
    client = login("secretary")
    r = client.post(reverse("volunteers:team_join", args=[crew.patrol.pk]), follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]


def test_bad_roster_form_changes_nothing(world: World, crew: Crew, login) -> None:
    client = login("vleader")
    before = Roster.objects.count()
    r = client.post(
        reverse("volunteers:roster_create", args=[crew.patrol.pk]),
        {
            "title": "白天值守",
            "service": "值守",
            "start_date": "2030-01-10",
            "end_date": "2030-01-01",
            "weekdays": ["1", "3"],
            "start_time": "08:00",
            "end_time": "12:00",
            "capacity": "2",
        },
        follow=True,
    )
    assert r.status_code == 200
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    assert Roster.objects.count() == before
    r = client.post(
        reverse("volunteers:roster_create", args=[crew.patrol.pk]),
        {
            "title": "白天值守",
            "service": "值守",
            "start_date": "2030-01-01",
            "weekdays": ["1", "3"],
            "start_time": "08:00",
            "end_time": "12:00",
            "capacity": "2",
        },
    )
    roster = Roster.objects.get(title="白天值守")
    assert r.status_code == 302 and r["Location"] == reverse("volunteers:roster", args=[roster.pk])
    assert roster.weekdays == "13"


def test_qr_check_in_and_out(world: World, crew: Crew, login) -> None:
    shift = running_shift(crew)
    ShiftSignup.objects.create(shift=shift, volunteer=crew.resident)
    client = login("resident")
    url = reverse("volunteers:checkin", args=[services.checkin_token(shift)])
    assert 'data-testid="check-in"' in client.get(url).text
    client.post(url, {"action": "in"})
    assert 'data-testid="check-out"' in client.get(url).text
    client.post(url, {"action": "out"})
    page = client.get(url).text
    assert 'data-testid="checkin-done"' in page
    entry = HoursEntry.objects.get(volunteer=crew.resident, source=HoursSource.SHIFT)
    assert entry.state == HoursState.PENDING
    # Someone not on the shift, a forged code, a code before its window.
    assert login("party_member").get(url).status_code == 400
    with translation.override("en"):
        assert client.get(reverse("volunteers:checkin", args=["abc:def"])).status_code == 400
    later = shift_at(crew, timezone.now() + timedelta(hours=5))
    assert (
        client.get(reverse("volunteers:checkin", args=[services.checkin_token(later)])).status_code
        == 400
    )


def test_leader_approves_pending_hours_of_every_source(world: World, crew: Crew, login) -> None:
    start = aware(date(2026, 1, 5), 20)
    shift_entry = services.credit_hours(
        volunteer=crew.resident,
        service="夜间安全巡逻",
        started_at=start,
        ended_at=start + timedelta(hours=4, minutes=30),
        path=crew.roster.path,
        source=HoursSource.SHIFT,
        source_ref=1,
        team=crew.patrol,
    )
    activity_entry = services.credit_hours(
        volunteer=crew.member,
        service="猜灯谜",
        started_at=start,
        ended_at=start + timedelta(hours=2),
        path=crew.patrol.path,
        source=HoursSource.ACTIVITY,
        source_ref=7,
        team=crew.patrol,
    )
    client = login("vleader")
    page = client.get(reverse("volunteers:approvals")).text
    assert f'data-testid="entry-{shift_entry.pk}"' in page
    assert f'data-testid="entry-{activity_entry.pk}"' in page
    # The resident cannot approve their own hours.
    assert (
        login("resident")
        .post(
            reverse("volunteers:approvals_hours"), {"entry": [shift_entry.pk], "action": "approve"}
        )
        .status_code
        == 404
    )
    client = login("vleader")
    r = client.post(
        reverse("volunteers:approvals_hours"),
        {"entry": [shift_entry.pk, activity_entry.pk], "action": "approve"},
        follow=True,
    )
    assert [m.level_tag for m in r.context["messages"]] == ["success"]
    assert set(HoursEntry.objects.values_list("state", flat=True)) == {HoursState.APPROVED}
    # Nothing ticked: a message.
    r = client.post(reverse("volunteers:approvals_hours"), {"action": "approve"}, follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    # The outsider (staff elsewhere) cannot decide them.
    outsider = login("outsider")
    entry = services.credit_hours(
        volunteer=crew.member,
        service="x",
        started_at=start,
        ended_at=start + timedelta(hours=1),
        path=crew.patrol.path,
        source=HoursSource.MANUAL,
        team=crew.patrol,
    )
    outsider.post(reverse("volunteers:approvals_hours"), {"entry": [entry.pk], "action": "reject"})
    entry.refresh_from_db()
    assert entry.state == HoursState.PENDING


def test_swap_through_the_pages(world: World, crew: Crew, login) -> None:
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    signup = services.sign_up(shift=shift, volunteer=crew.resident)
    client = login("resident")
    page = client.get(reverse("volunteers:shift", args=[shift.pk])).text
    assert 'data-testid="request-swap"' in page
    r = client.post(
        reverse("volunteers:swap", args=[signup.pk]), {"to_volunteer": str(crew.leader.pk + 999)}
    )
    assert not SwapRequest.objects.exists()
    r = client.post(reverse("volunteers:swap", args=[signup.pk]), {"to_volunteer": crew.member.pk})
    assert r.status_code == 302
    swap = SwapRequest.objects.get()
    leader = login("vleader")
    assert f'data-testid="swap-{swap.pk}"' in leader.get(reverse("volunteers:approvals")).text
    leader.post(reverse("volunteers:approvals_swap", args=[swap.pk]), {"action": "approve"})
    assert ShiftSignup.objects.get(shift=shift, state=SignupState.SIGNED).volunteer == crew.member


def _approved(crew: Crew, day: date, hours: int, volunteer=None) -> HoursEntry:  # type: ignore[no-untyped-def]
    start = aware(day, 20)
    entry = services.credit_hours(
        volunteer=volunteer or crew.resident,
        service="夜间安全巡逻",
        started_at=start,
        ended_at=start + timedelta(hours=hours),
        path=crew.roster.path,
        source=HoursSource.MANUAL,
        team=crew.patrol,
    )
    services.approve_hours(entry=entry, actor=crew.leader_user)
    return entry


def test_honour_roll_periods(world: World, crew: Crew, login) -> None:
    _approved(crew, date(2024, 3, 2), 3)
    _approved(crew, date(2024, 7, 2), 2)
    _approved(crew, date(2024, 7, 9), 4, crew.member)
    client = login("resident")
    # Nothing this year: the latest year with data.
    r = client.get(reverse("volunteers:honour_roll"))
    assert r.context["roll"].fell_back
    assert r.context["roll"].period.key == "2024"
    rows = r.context["roll"].rows
    assert [(row.name, row.hours) for row in rows] == [
        (crew.resident.name, Decimal("5.00")),
        (crew.member.name, Decimal("4.00")),
    ]
    r = client.get(reverse("volunteers:honour_roll") + "?period=2024-Q3")
    assert [row.hours for row in r.context["roll"].rows] == [Decimal("4.00"), Decimal("2.00")]
    r = client.get(reverse("volunteers:honour_roll") + "?period=2024-03")
    assert [row.hours for row in r.context["roll"].rows] == [Decimal("3.00")]
    for team in (crew.top, crew.patrol):
        r = client.get(reverse("volunteers:honour_roll") + f"?period=2024&team={team.pk}")
        assert len(r.context["roll"].rows) == 2
    other = services.create_team(place=world.north, name="绿化队", parent=crew.top)
    r = client.get(reverse("volunteers:honour_roll") + f"?period=2024&team={other.pk}")
    assert r.context["roll"].rows == []
    r = client.get(reverse("volunteers:honour_roll") + f"?period=2024&place={world.north.pk}")
    assert len(r.context["roll"].rows) == 2
    r = client.get(reverse("volunteers:honour_roll") + "?period=nonsense", follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    assert r.context["roll"].period.key == "2024"  # the default: latest year with hours
    # Only approved hours count; the outsider sees none of 北苑.
    r = login("outsider").get(reverse("volunteers:honour_roll") + "?period=2024")
    assert r.context["roll"].rows == []


def test_service_record_workbook_matches_the_ledger(world: World, crew: Crew, login) -> None:
    _approved(crew, date(2024, 3, 2), 3)
    _approved(crew, date(2025, 7, 2), 2)
    midnight = shift_at(crew, aware(date(2025, 8, 1), 20), hours=4.5)
    signup = ShiftSignup.objects.create(shift=midnight, volunteer=crew.resident)
    services.check_in(signup=signup, now=aware(date(2025, 8, 1), 20))
    entry = services.check_out(signup=signup, now=aware(date(2025, 8, 2), 0, 30))
    services.approve_hours(entry=entry, actor=crew.leader_user)
    pending = services.credit_hours(
        volunteer=crew.resident,
        service="=HYPERLINK(1)",
        started_at=aware(date(2025, 9, 1), 9),
        ended_at=aware(date(2025, 9, 1), 11),
        path=crew.roster.path,
        source=HoursSource.MANUAL,
    )
    assert pending.state == HoursState.PENDING
    approved_total = sum(
        HoursEntry.objects.filter(volunteer=crew.resident, state=HoursState.APPROVED).values_list(
            "hours", flat=True
        ),
        Decimal("0"),
    )
    assert approved_total == Decimal("9.50")
    client = login("resident")
    r = client.get(reverse("volunteers:record_xlsx", args=[crew.resident.pk]))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    labels = {row[0]: row[1] for row in rows if row and row[0] is not None}
    hours = [row[6] for row in rows if isinstance(row[0], (date,))]
    assert len(hours) == 3
    assert Decimal(str(sum(hours))) == approved_total
    assert rows[-1][6] == float(approved_total)
    assert crew.resident.name in labels.values()
    assert any("北苑匠心舫" in str(v) for v in labels.values())
    assert not any(str(c).startswith("=") for row in rows for c in row if c is not None)
    # A period: only 2025.
    r = client.get(
        reverse("volunteers:record_xlsx", args=[crew.resident.pk])
        + "?start=2025-01-01&end=2025-12-31"
    )
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert rows[-1][6] == 6.5
    # The printable page shows the same total.
    page = client.get(reverse("volunteers:record", args=[crew.resident.pk]))
    assert page.context["record"].total == approved_total
    assert 'data-testid="record-total">9.50<' in page.text
    # A reversed period: a message, back to the ledger.
    r = client.get(
        reverse("volunteers:record", args=[crew.resident.pk]) + "?start=2025-02-01&end=2025-01-01"
    )
    assert r.status_code == 302


def count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def _more(world: World, crew: Crew, n: int, residents: list[Resident]) -> None:
    """More teams, members, shifts, sign-ups, hours and swaps."""
    for i in range(n):
        team = services.create_team(place=world.north, name=f"第{i}服务队", parent=crew.top)
        services.join_team(
            team=team, volunteer=services.register_volunteer(name=f"队员{i}", place=world.north)
        )
    people = [services.volunteer_for_resident(r) for r in residents]
    for v in people:
        if not v.memberships.filter(team=crew.patrol, left_on__isnull=True).exists():
            services.join_team(team=crew.patrol, volunteer=v)
    shifts = list(DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1:6])
    for shift, v in zip(shifts, people, strict=False):
        services.sign_up(shift=shift, volunteer=v)
    for k, v in enumerate(people):
        _approved(crew, date(2024, 5, 1 + k % 20), 2 + k % 3, v)
        start = aware(date(2025, 5, 1 + k % 20), 9)
        services.credit_hours(
            volunteer=v,
            service="楼道清洁",
            started_at=start,
            ended_at=start + timedelta(hours=1),
            path=crew.roster.path,
            source=HoursSource.MANUAL,
            team=crew.patrol,
        )
    signup = services.sign_up(
        shift=DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[8],
        volunteer=crew.resident,
    )
    services.request_swap(signup=signup, to_volunteer=crew.member)


PAGES = [
    ("resident", lambda c, s: reverse("volunteers:teams")),
    ("resident", lambda c, s: reverse("volunteers:team", args=[c.top.pk])),
    ("resident", lambda c, s: reverse("volunteers:team", args=[c.patrol.pk])),
    ("resident", lambda c, s: reverse("volunteers:roster", args=[c.roster.pk])),
    ("resident", lambda c, s: reverse("volunteers:shift", args=[s.pk])),
    ("resident", lambda c, s: reverse("volunteers:mine")),
    ("resident", lambda c, s: reverse("volunteers:honour_roll")),
    ("resident", lambda c, s: reverse("volunteers:honour_roll") + "?period=2024-Q2"),
    ("resident", lambda c, s: reverse("volunteers:ledger", args=[c.resident.pk])),
    ("resident", lambda c, s: reverse("volunteers:record", args=[c.resident.pk])),
    ("vleader", lambda c, s: reverse("volunteers:teams")),
    ("vleader", lambda c, s: reverse("volunteers:team", args=[c.patrol.pk])),
    ("vleader", lambda c, s: reverse("volunteers:roster", args=[c.roster.pk])),
    ("vleader", lambda c, s: reverse("volunteers:shift", args=[s.pk])),
    ("vleader", lambda c, s: reverse("volunteers:approvals")),
    ("vleader", lambda c, s: reverse("volunteers:mine")),
    ("secretary", lambda c, s: reverse("volunteers:approvals")),
    ("secretary", lambda c, s: reverse("volunteers:shift", args=[s.pk])),
    ("admin", lambda c, s: reverse("volunteers:honour_roll") + f"?team={c.top.pk}"),
    ("admin", lambda c, s: reverse("volunteers:ledger", args=[c.resident.pk])),
    ("admin", lambda c, s: reverse("volunteers:record_xlsx", args=[c.resident.pk])),
    ("resident", lambda c, s: reverse("volunteers:checkin", args=[services.checkin_token(s)])),
]


def test_query_budgets(world: World, crew: Crew, login) -> None:
    from sanxian.places.models import Resident

    world.north_residents = (
        lambda: list(  # type: ignore[attr-defined]
            Resident.objects.filter(world.north.subtree()).order_by("id")[:12]
        )
    )
    shift = running_shift(crew)
    services.sign_up(
        shift=DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1],
        volunteer=crew.resident,
    )
    ShiftSignup.objects.create(shift=shift, volunteer=crew.resident)
    _approved(crew, date(2024, 4, 1), 2)

    def measure() -> dict[tuple[str, int], int]:
        result = {}
        for i, (persona, url_of) in enumerate(PAGES):
            client = login(persona)
            result[(persona, i)] = count(client, url_of(crew, shift))
        return result

    before = measure()
    grow(world)
    residents = list(Resident.objects.filter(world.north.subtree()).order_by("id")[:12])
    _more(world, crew, 6, residents)
    for r in residents[:2]:
        volunteer = services.volunteer_for_resident(r)
        ShiftSignup.objects.create(shift=shift, volunteer=volunteer)
    after = measure()
    grown = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not grown, f"query counts changed with the data: {grown}"
    too_many = {k: v for k, v in after.items() if v > 15}
    assert not too_many, too_many


def test_sign_up_goes_back_only_to_our_own_pages(world: World, crew: Crew, login) -> None:
    shift = DutyShift.objects.filter(roster=crew.roster).order_by("starts_at")[1]
    client = login("resident")
    url = reverse("volunteers:sign_up", args=[shift.pk])
    roster_url = reverse("volunteers:roster", args=[crew.roster.pk])
    assert client.post(url, {"next": roster_url})["Location"] == roster_url
    services.cancel_signup(signup=ShiftSignup.objects.get(shift=shift))
    for evil in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        response = client.post(url, {"next": evil})
        assert response["Location"] == reverse("volunteers:shift", args=[shift.pk]), evil
        services.cancel_signup(signup=ShiftSignup.objects.get(shift=shift, state="signed"))
