"""The "Export to Excel" of every list: each workbook parses, speaks Chinese, holds what the
page lists for the same filters (every page of it) and only what the user may see, keeps
text that looks like a formula as text, leaves an audit entry with its row count, and
costs a fixed number of queries whatever the data. Residents' rosters hold masked
numbers only, and political status only for party roles."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from sanxian.activities import services as activity_services
from sanxian.activities.models import Activity, OrganiserKind
from sanxian.appeals.models import Appeal, AppealCategory, AppealState
from sanxian.appeals.services import acknowledge_appeal, file_appeal, seed_default_categories
from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.issues.models import IssueSource
from sanxian.issues.services import create_issue
from sanxian.meetings.models import MeetingKind
from sanxian.meetings.services import create_meeting, record_minutes
from sanxian.party.models import MemberCategory, PartyMember
from sanxian.party.services import register_party_member
from sanxian.places.models import Gender, Place, Relation, Resident
from sanxian.places.services import create_resident, set_personal_numbers
from sanxian.spreadsheets import XLSX_CONTENT_TYPE
from sanxian.volunteers import services as volunteer_services
from sanxian.volunteers.models import HoursEntry, HoursSource, VolunteerTeam
from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays
from tests.world import World, grow

CJK = re.compile(r"[\u4e00-\u9fff]")
FORMULA_STARTS = ("=", "+", "-", "@")
MAX_QUERIES = 15
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
CALLBACK_PHONE = "13900001234"


# --- Data --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _calendar_and_categories(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_cache()
    year = timezone.localdate().year
    seed_holidays([year - 1, year, year + 1])
    seed_default_categories()
    yield
    clear_cache()


@dataclass
class Data:
    north_activity: Activity
    south_activity: Activity
    north_team: VolunteerTeam
    south_team: VolunteerTeam
    roll_period: str
    counter: int = 0


def _category() -> AppealCategory:
    category = AppealCategory.objects.filter(active=True).order_by("position", "id").first()
    assert category is not None
    return category


def _south_resident(world: World) -> Resident:
    resident = Resident.objects.filter(household=world.south_household).order_by("id").first()
    assert resident is not None
    return resident


def _appeal(world: World, text: str, *, south: bool = False, phone: str = "") -> Appeal:
    resident = _south_resident(world) if south else world.resident
    return file_appeal(
        category=_category(),
        text=text,
        place=resident.household,
        resident=resident,
        filed_by=world.users["outsider" if south else "secretary"],
        on_behalf=True,
        contact_phone=phone,
    )


def _activity(world: World, title: str, *, place: Place, hours: int) -> Activity:
    starts = timezone.now() + timedelta(hours=hours)
    extra: dict[str, Any] = {}
    if hours < 0:
        extra["signup_closes_at"] = starts + timedelta(hours=1)
    return activity_services.create_activity(
        place=place,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=2,
        organiser_kind=OrganiserKind.COMMITTEE,
        actor=world.users["admin"],
        **extra,
    )


def _hours(volunteer, team: VolunteerTeam, service: str, day: datetime) -> HoursEntry:  # type: ignore[no-untyped-def]
    return volunteer_services.credit_hours(
        volunteer=volunteer,
        team=team,
        service=service,
        started_at=day,
        ended_at=day + timedelta(hours=2, minutes=30),
        path=team.path,
        source=HoursSource.MANUAL,
    )


@pytest.fixture
def data(world: World) -> Data:
    """Rows of both neighborhoods in every list; texts that look like formulas in 北苑."""
    now = timezone.now()
    # Issues.
    create_issue(
        place=world.building_group,
        title='=HYPERLINK("http://evil.example","点我")',
        source=IssueSource.STAFF,
        actor=None,
    )
    create_issue(place=world.north, title="北苑楼道堆物", source=IssueSource.STAFF, actor=None)
    create_issue(place=world.south, title="南苑停车难", source=IssueSource.STAFF, actor=None)
    # Appeals (one acknowledged, to filter on).
    first = _appeal(world, "+SUM(1,2) 楼道灯坏了", phone=CALLBACK_PHONE)
    acknowledge_appeal(appeal=first, actor=world.users["secretary"])
    _appeal(world, "北苑垃圾房漏水")
    _appeal(world, "南苑路灯不亮", south=True)
    # Meetings: upcoming and past in 北苑 (one for party roles only), one in 南苑.
    create_meeting(
        place=world.north,
        kind=MeetingKind.COLLECTION,
        starts_at=now + timedelta(days=3),
        title="@北苑议题征集会",
    )
    past = create_meeting(
        place=world.north,
        kind=MeetingKind.JOINT_CONSULTATION,
        starts_at=now - timedelta(days=10),
        title="北苑亲邻合议推进会",
    )
    record_minutes(meeting=past, chair="张书记", recorder="李社工", minutes="议定加装扶手")
    create_meeting(
        place=world.north,
        kind=MeetingKind.PARTY_DELIBERATION,
        starts_at=now + timedelta(days=5),
        title="北苑党内民主恳谈会",
    )
    create_meeting(
        place=world.south,
        kind=MeetingKind.COLLECTION,
        starts_at=now + timedelta(days=4),
        title="南苑议题征集会",
    )
    # Activities and sign-ups (two seats: the third of the household waits).
    north_activity = _activity(world, "-2+3 猜灯谜", place=world.north, hours=48)
    _activity(world, "北苑年夜饭", place=world.north, hours=-72)
    south_activity = _activity(world, "南苑包粽子", place=world.south, hours=72)
    household = list(Resident.objects.filter(household=world.household).order_by("id"))
    activity_services.sign_up(
        activity=north_activity, residents=household, actor=world.users["resident"]
    )
    # Volunteers: a team per neighborhood, members, pending and approved hours.
    north_team = volunteer_services.create_team(place=world.north, name="=北苑巡逻队")
    south_team = volunteer_services.create_team(place=world.south, name="南苑巡逻队")
    north_volunteer = volunteer_services.volunteer_for_resident(world.resident)
    leader = volunteer_services.volunteer_for_resident(world.leader)
    south_volunteer = volunteer_services.volunteer_for_resident(_south_resident(world))
    volunteer_services.join_team(team=north_team, volunteer=leader, leader=True)
    volunteer_services.join_team(team=north_team, volunteer=north_volunteer)
    volunteer_services.join_team(team=south_team, volunteer=south_volunteer)
    day = timezone.make_aware(datetime(now.year, 1, 10, 19, 0))
    _hours(north_volunteer, north_team, "-夜间巡逻", day)
    _hours(south_volunteer, south_team, "南苑夜间巡逻", day)
    for volunteer, team, user in (
        (north_volunteer, north_team, "secretary"),
        (leader, north_team, "secretary"),
        (south_volunteer, south_team, "outsider"),
    ):
        entry = _hours(volunteer, team, "巡逻", day - timedelta(days=1))
        volunteer_services.approve_hours(entry=entry, actor=world.users[user])
    # Residents: full numbers recorded; a name that looks like a formula; a party member
    # in no party group (a gap of the structure check).
    set_personal_numbers(resident=world.resident, id_number=ID_NUMBER, phone=PHONE)
    odd = create_resident(
        household=world.household,
        name="=李四",
        gender=Gender.MALE,
        relation=Relation.TENANT,
        birth_year=1980,
        moved_in=date(2020, 5, 1),
    )
    register_party_member(name=odd.name, category=MemberCategory.RETIRED, resident=odd)
    activity_services.sign_up(
        activity=north_activity, residents=[odd], actor=world.users["secretary"], on_behalf=True
    )
    return Data(
        north_activity=north_activity,
        south_activity=south_activity,
        north_team=north_team,
        south_team=south_team,
        roll_period=str(now.year),
    )


def more_rows(world: World, data: Data, n: int = 3) -> None:
    """More of everything every export lists (and grow(world) for places and people)."""
    grow(world)
    now = timezone.now()
    for _ in range(n):
        data.counter += 1
        i = data.counter
        create_issue(place=world.north, title=f"更多议题{i}", source=IssueSource.STAFF, actor=None)
        _appeal(world, f"更多诉求{i}", phone=PHONE)
        create_meeting(
            place=world.north,
            kind=MeetingKind.COLLECTION,
            starts_at=now + timedelta(days=20 + i),
            title=f"更多会议{i}",
        )
        _activity(world, f"更多活动{i}", place=world.north, hours=100 + i)
        resident = create_resident(
            household=world.household, name=f"报名{i}", gender=Gender.FEMALE, relation="family"
        )
        activity_services.sign_up(
            activity=data.north_activity,
            residents=[resident],
            actor=world.users["secretary"],
            on_behalf=True,
        )
        team = volunteer_services.create_team(
            place=world.north, name=f"更多团队{i}", parent=data.north_team
        )
        volunteer = volunteer_services.volunteer_for_resident(resident)
        volunteer_services.join_team(team=data.north_team, volunteer=volunteer)
        volunteer_services.join_team(team=team, volunteer=volunteer)
        day = timezone.make_aware(datetime(now.year, 1, 11, 8, 0)) + timedelta(hours=i)
        _hours(volunteer, data.north_team, f"更多服务{i}", day)
        approved = _hours(volunteer, data.north_team, f"已审核{i}", day - timedelta(days=2))
        volunteer_services.approve_hours(entry=approved, actor=world.users["secretary"])
        register_party_member(
            name=f"在职党员{i}",
            category=MemberCategory.EMPLOYED_REGISTERED,
            serving_grid=world.grid,
        )


# --- Reading a download ------------------------------------------------------------------


def sheet_of(response) -> Worksheet:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and "filename*=UTF-8''" in disposition
    assert response["Cache-Control"] == "private, no-store"
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert isinstance(ws, Worksheet)
    return ws


def header(ws: Worksheet) -> list[str]:
    return [str(c.value) for c in ws[1]]


def body(ws: Worksheet) -> list[tuple[Any, ...]]:
    return list(ws.iter_rows(min_row=2, values_only=True))


def column(ws: Worksheet, name: str) -> list[Any]:
    index = header(ws).index(name)
    return [row[index] for row in body(ws)]


def xml_text(response) -> str:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def last_export(what: str) -> AuditEvent:
    entry = (
        AuditEvent.objects.filter(action=AuditAction.EXPORT, detail__export=what)
        .order_by("-id")
        .first()
    )
    assert entry is not None, what
    return entry


# --- The exports, each with who may and who may not ---------------------------------------


@dataclass(frozen=True)
class Export:
    what: str
    url: Callable[[World, Data], str]
    persona: str  # who exports in the shared tests
    refused: tuple[str, ...]  # 404 for these
    path: Callable[[World, Data], str]
    marker: str = ""  # a text of 北苑 that looks like a formula, found in the sheet


EXPORTS = {
    "issues": Export(
        "issues",
        lambda w, d: reverse("issues:list_xlsx"),
        "secretary",
        ("resident", "auditor", "nobody"),
        lambda w, d: w.north.path,
        '=HYPERLINK("http://evil.example","点我")',
    ),
    "appeals": Export(
        "appeals",
        lambda w, d: reverse("appeals:list_xlsx"),
        "secretary",
        ("resident", "party_member", "auditor", "nobody"),
        lambda w, d: w.north.path,
        "+SUM(1,2) 楼道灯坏了",
    ),
    "meetings": Export(
        "meetings",
        lambda w, d: reverse("meetings:list_xlsx"),
        "secretary",
        ("resident", "auditor", "nobody"),
        lambda w, d: w.north.path,
        "@北苑议题征集会",
    ),
    "activities": Export(
        "activities",
        lambda w, d: reverse("activities:list_xlsx"),
        "secretary",
        ("auditor", "nobody"),
        lambda w, d: w.north.path,
        "-2+3 猜灯谜",
    ),
    "sign-ups": Export(
        "activity sign-ups",
        lambda w, d: reverse("activities:signups_xlsx", args=[d.north_activity.pk]),
        "secretary",
        ("outsider", "resident", "party_member", "auditor", "nobody"),
        lambda w, d: d.north_activity.path,
        "=李四",
    ),
    "teams": Export(
        "volunteer teams",
        lambda w, d: reverse("volunteers:teams_xlsx"),
        "secretary",
        ("auditor", "nobody"),
        lambda w, d: w.north.path,
        "=北苑巡逻队",
    ),
    "members": Export(
        "volunteer team members",
        lambda w, d: reverse("volunteers:members_xlsx", args=[d.north_team.pk]),
        "secretary",
        ("outsider", "auditor", "nobody"),
        lambda w, d: d.north_team.path,
    ),
    "honour roll": Export(
        "honour roll",
        lambda w, d: reverse("volunteers:honour_roll_xlsx") + f"?period={d.roll_period}",
        "secretary",
        ("auditor", "nobody"),
        lambda w, d: w.north.path,
    ),
    "pending hours": Export(
        "hours awaiting approval",
        lambda w, d: reverse("volunteers:pending_xlsx"),
        "secretary",
        ("resident", "party_member", "auditor", "nobody"),
        lambda w, d: w.north.path,
        "-夜间巡逻",
    ),
    "residents": Export(
        "residents",
        lambda w, d: reverse("places:residents_xlsx", args=[w.north.pk]),
        "secretary",
        ("outsider", "group_leader", "party_member", "resident", "auditor", "nobody"),
        lambda w, d: w.north.path,
        "=李四",
    ),
    "party members": Export(
        "party members",
        lambda w, d: reverse("places:party_members_xlsx", args=[w.north.pk]),
        "secretary",
        (
            "outsider",
            "social_worker",
            "group_leader",
            "party_member",
            "resident",
            "auditor",
            "nobody",
        ),
        lambda w, d: w.north.path,
        "=李四",
    ),
    "structure gaps": Export(
        "structure gaps",
        lambda w, d: reverse("party:structure_xlsx", args=[w.north.pk]),
        "secretary",
        ("outsider", "group_leader", "party_member", "resident", "auditor", "nobody"),
        lambda w, d: w.north.path,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(EXPORTS))
def test_workbook_parses_in_chinese_and_is_audited(
    login, world: World, data: Data, name: str
) -> None:
    export = EXPORTS[name]
    client = login(export.persona)
    response = client.get(export.url(world, data))
    ws = sheet_of(response)
    labels = header(ws)
    assert labels and all(CJK.search(label) for label in labels), labels
    assert ws.freeze_panes == "A2"
    assert all(cell.font.b for cell in ws[1])
    rows = body(ws)
    assert rows, name
    # Nothing in the file is a formula: text that looks like one stays text.
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", (name, cell.value)
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_STARTS), (name, cell.value)
    if export.marker:
        texts = {v for row in rows for v in row if isinstance(v, str)}
        assert "'" + export.marker in texts or export.marker in texts, (name, texts)
        if export.marker.startswith(FORMULA_STARTS):
            assert "'" + export.marker in texts
    entry = last_export(export.what)
    assert entry.actor_id == world.users[export.persona].pk
    assert entry.detail["rows"] == len(rows)
    assert entry.path == export.path(world, data)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(EXPORTS))
def test_refused_users_get_404_and_nothing_is_recorded(
    login, client: Client, world: World, data: Data, name: str
) -> None:
    export = EXPORTS[name]
    url = export.url(world, data)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for persona in export.refused:
        assert login(persona).get(url).status_code == 404, persona
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(EXPORTS))
def test_query_count_does_not_grow_with_the_data(
    login, world: World, data: Data, name: str
) -> None:
    export = EXPORTS[name]
    client = login(export.persona)
    url = export.url(world, data)
    before = count_queries(client, url)
    rows_before = last_export(export.what).detail["rows"]
    more_rows(world, data)
    client = login(export.persona)
    after = count_queries(client, url)
    rows_after = last_export(export.what).detail["rows"]
    assert after == before, (name, before, after)
    assert after <= MAX_QUERIES
    if name != "structure gaps":
        assert rows_after > rows_before, (name, rows_before, rows_after)


# --- Rows: what the page lists, in scope ----------------------------------------------------


def _issue_ids_on_pages(client: Client, query: dict[str, str]) -> list[int]:
    ids: list[int] = []
    params = dict(query)
    while True:
        listing = client.get(reverse("issues:list"), params).context["listing"]
        ids += [i.pk for i in listing.items]
        if listing.next_after is None:
            return ids
        params["after"] = str(listing.next_after)


@pytest.mark.django_db
def test_issue_export_holds_every_page_for_the_filter(login, world: World, data: Data) -> None:
    for i in range(22):  # more than one page
        create_issue(place=world.north, title=f"议题{i}", source=IssueSource.STAFF, actor=None)
    client = login("secretary")
    for query in ({}, {"state": "collected"}, {"state": "done"}):
        ws = sheet_of(client.get(reverse("issues:list_xlsx"), query))
        exported = column(ws, "编号")
        assert exported == _issue_ids_on_pages(client, query), query
    assert len(exported) == 0  # nothing is done yet
    everything = column(sheet_of(client.get(reverse("issues:list_xlsx"))), "标题")
    assert "南苑停车难" not in everything and "北苑楼道堆物" in everything
    assert last_export("issues").detail["filters"] == {}
    # The administrator of the sub-district sees both neighborhoods.
    admin_titles = column(sheet_of(login("admin").get(reverse("issues:list_xlsx"))), "标题")
    assert "南苑停车难" in admin_titles
    south = column(sheet_of(login("outsider").get(reverse("issues:list_xlsx"))), "标题")
    assert south == ["南苑停车难"]


def _appeal_ids_on_pages(client: Client, query: dict[str, str]) -> list[int]:
    ids: list[int] = []
    params = dict(query)
    while True:
        page = client.get(reverse("appeals:list"), params).context["page"]
        ids += [a.pk for a in page.appeals]
        if page.next_before is None:
            return ids
        params["before"] = str(page.next_before)


@pytest.mark.django_db
def test_appeal_export_holds_every_page_for_the_filters(login, world: World, data: Data) -> None:
    for i in range(21):
        _appeal(world, f"诉求{i}")
    client = login("secretary")
    category = _category()
    for query in (
        {},
        {"state": AppealState.ACKNOWLEDGED},
        {"state": "open", "category": str(category.pk)},
        {"overdue": "on"},
    ):
        ws = sheet_of(client.get(reverse("appeals:list_xlsx"), query))
        assert column(ws, "编号") == _appeal_ids_on_pages(client, query), query
    ws = sheet_of(client.get(reverse("appeals:list_xlsx"), {"state": "acknowledged"}))
    assert column(ws, "状态") == ["已受理"]
    entry = last_export("appeals")
    assert entry.detail["filters"] == {"state": "acknowledged"} and entry.detail["rows"] == 1
    texts = column(sheet_of(client.get(reverse("appeals:list_xlsx"))), "诉求内容")
    assert "南苑路灯不亮" not in texts and "北苑垃圾房漏水" in texts


@pytest.mark.django_db
def test_appeal_export_shows_the_callback_phone_as_last_four_only(
    login, world: World, data: Data
) -> None:
    response = login("secretary").get(reverse("appeals:list_xlsx"))
    ws = sheet_of(response)
    assert "*******1234" in column(ws, "回访电话")
    assert CALLBACK_PHONE not in xml_text(response)


@pytest.mark.django_db
def test_appeal_export_with_bad_filters_exports_nothing(login, world: World, data: Data) -> None:
    client = login("secretary")
    response = client.get(reverse("appeals:list_xlsx"), {"state": "nonsense"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("appeals:list"))
    page = client.get(response["Location"])
    assert "没有导出任何内容" in page.text
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def _meeting_titles_on_page(client: Client) -> list[str]:
    data = client.get(reverse("meetings:list")).context["data"]
    return [m.title for group in [*data.upcoming, *data.past] for m in group.meetings]


@pytest.mark.django_db
def test_meeting_export_holds_the_list_in_scope(login, world: World, data: Data) -> None:
    for persona in ("secretary", "social_worker", "admin", "outsider"):
        client = login(persona)
        ws = sheet_of(client.get(reverse("meetings:list_xlsx")))
        titles = [t.removeprefix("'") for t in column(ws, "标题")]
        assert titles == _meeting_titles_on_page(client), persona
    secretary = column(sheet_of(login("secretary").get(reverse("meetings:list_xlsx"))), "标题")
    assert "北苑党内民主恳谈会" in secretary and "南苑议题征集会" not in secretary
    # The 15th is for party roles only.
    social = column(sheet_of(login("social_worker").get(reverse("meetings:list_xlsx"))), "标题")
    assert "北苑党内民主恳谈会" not in social and "北苑亲邻合议推进会" in social
    ws = sheet_of(login("secretary").get(reverse("meetings:list_xlsx")))
    minutes = dict(zip(column(ws, "标题"), column(ws, "纪要归档"), strict=True))
    assert minutes["北苑亲邻合议推进会"] == "是" and minutes["'@北苑议题征集会"] == "否"
    starts = column(ws, "开始时间")
    assert all(isinstance(s, datetime) for s in starts)
    assert ws.cell(row=2, column=header(ws).index("开始时间") + 1).number_format == (
        'yyyy"年"m"月"d"日" hh:mm'
    )


@pytest.mark.django_db
def test_meeting_export_is_not_offered_to_residents(login, world: World, data: Data) -> None:
    page = login("resident").get(reverse("meetings:list"))
    assert page.status_code == 200 and 'data-testid="export-xlsx"' not in page.text
    page = login("secretary").get(reverse("meetings:list"))
    assert 'data-testid="export-xlsx"' in page.text


def _activity_titles_on_page(client: Client) -> list[str]:
    data = client.get(reverse("activities:list")).context["data"]
    return [a.title for a in [*data.soon, *data.later, *data.past]]


@pytest.mark.django_db
def test_activity_export_holds_the_list_in_scope(login, world: World, data: Data) -> None:
    for persona in ("secretary", "resident", "outsider", "admin"):
        client = login(persona)
        ws = sheet_of(client.get(reverse("activities:list_xlsx")))
        assert [t.lstrip("'") for t in column(ws, "标题")] == _activity_titles_on_page(client)
    ws = sheet_of(login("secretary").get(reverse("activities:list_xlsx")))
    titles = column(ws, "标题")
    assert "南苑包粽子" not in titles and "北苑年夜饭" in titles
    row = dict(zip(header(ws), body(ws)[0], strict=True))
    assert row["名额"] == 2 and row["已报名额"] == 2 and row["候补"] == 2


@pytest.mark.django_db
def test_signup_export_holds_the_organisers_list(login, world: World, data: Data) -> None:
    client = login("secretary")
    ws = sheet_of(client.get(reverse("activities:signups_xlsx", args=[data.north_activity.pk])))
    rows = client.get(reverse("activities:signups", args=[data.north_activity.pk])).context["rows"]
    assert [n.lstrip("'") for n in column(ws, "居民")] == [s.resident.name for s in rows]
    assert column(ws, "楼栋") == ["1号楼"] * len(rows)
    assert column(ws, "住户") == ["101室"] * len(rows)
    assert column(ws, "状态")[-1] == "候补中"
    # Only organisers: the other neighborhood's secretary may not, even by guessing.
    south = login("outsider").get(reverse("activities:signups_xlsx", args=[data.south_activity.pk]))
    assert sheet_of(south) and body(sheet_of(south)) == []


@pytest.mark.django_db
def test_volunteer_exports_hold_their_lists(login, world: World, data: Data) -> None:
    client = login("secretary")
    teams = column(sheet_of(client.get(reverse("volunteers:teams_xlsx"))), "名称")
    page_rows = client.get(reverse("volunteers:teams")).context["rows"]
    assert teams == [
        "'" + r.team.name if r.team.name.startswith("=") else r.team.name for r in page_rows
    ]
    assert "南苑巡逻队" not in teams

    ws = sheet_of(client.get(reverse("volunteers:members_xlsx", args=[data.north_team.pk])))
    page = client.get(reverse("volunteers:team", args=[data.north_team.pk])).context["page"]
    assert column(ws, "志愿者") == [m.volunteer.name for m in page.memberships]
    assert column(ws, "队长") == ["是", "否"]

    url = reverse("volunteers:honour_roll_xlsx") + f"?period={data.roll_period}"
    ws = sheet_of(client.get(url))
    roll = client.get(reverse("volunteers:honour_roll"), {"period": data.roll_period}).context[
        "roll"
    ]
    assert column(ws, header(ws)[1]) == [r.name for r in roll.rows]
    assert [Decimal(str(h)) for h in column(ws, header(ws)[2])] == [r.hours for r in roll.rows]
    assert _south_resident(world).name not in column(ws, header(ws)[1])
    assert last_export("honour roll").detail["filters"] == {"period": data.roll_period}

    ws = sheet_of(client.get(reverse("volunteers:pending_xlsx")))
    entries = client.get(reverse("volunteers:approvals")).context["page"].entries
    assert [s.lstrip("'") for s in column(ws, "服务内容")] == [e.service for e in entries]
    assert "南苑夜间巡逻" not in column(ws, "服务内容")
    south = column(sheet_of(login("outsider").get(reverse("volunteers:pending_xlsx"))), "服务内容")
    assert south == ["南苑夜间巡逻"]


@pytest.mark.django_db
def test_honour_roll_export_holds_more_than_the_page(
    login, world: World, data: Data, monkeypatch
) -> None:
    monkeypatch.setattr("sanxian.volunteers.selectors.MAX_ROLL", 1)
    client = login("secretary")
    url = reverse("volunteers:honour_roll_xlsx") + f"?period={data.roll_period}"
    assert len(body(sheet_of(client.get(url)))) == 2
    bad = client.get(reverse("volunteers:honour_roll_xlsx"), {"period": "someday"})
    assert bad.status_code == 302
    assert last_export("honour roll").detail["rows"] == 2
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1


@pytest.mark.django_db
def test_structure_export_lists_the_gaps_of_the_page(login, world: World, data: Data) -> None:
    client = login("secretary")
    gaps = client.get(reverse("party:structure", args=[world.north.pk])).context["groups"]
    ws = sheet_of(client.get(reverse("party:structure_xlsx", args=[world.north.pk])))
    expected = [g.fix for group in gaps for g in group.gaps]
    assert [f.lstrip("'") for f in column(ws, "改进建议")] == expected
    assert any("=李四" in (m or "") for m in column(ws, "问题"))


# --- The residents' roster and party members -------------------------------------------------


@pytest.mark.django_db
def test_resident_roster_masks_numbers_and_lists_the_subtree(
    login, world: World, data: Data
) -> None:
    response = login("secretary").get(reverse("places:residents_xlsx", args=[world.north.pk]))
    ws = sheet_of(response)
    xml = xml_text(response)
    assert ID_NUMBER not in xml and PHONE not in xml
    assert ID_NUMBER[:-4] not in xml and PHONE[:-4] not in xml
    names = [n.lstrip("'") for n in column(ws, "姓名")]
    current = Resident.objects.filter(path__startswith=world.north.path)
    assert sorted(names) == sorted(current.values_list("name", flat=True))
    assert not set(names) & set(
        Resident.objects.filter(path__startswith=world.south.path).values_list("name", flat=True)
    )
    row = dict(zip(header(ws), body(ws)[names.index(world.resident.name)], strict=True))
    assert row["身份证号码"] == "*" * 14 + ID_NUMBER[-4:]
    assert row["电话"] == "*" * 7 + PHONE[-4:]
    assert row["楼栋"] == "1号楼" and row["楼组"] == "1单元" and row["房号"] == "101"
    odd = dict(zip(header(ws), body(ws)[names.index("=李四")], strict=True))
    assert odd["入住日期"] == datetime(2020, 5, 1)
    assert ws.cell(row=names.index("=李四") + 2, column=header(ws).index("入住日期") + 1).is_date
    assert odd["政治面貌"] == "党员" and row["政治面貌"] in ("", None)
    # The page says how many residents; the roster has as many rows.
    page = login("secretary").get(reverse("places:detail", args=[world.north.pk]))
    assert len(names) == page.context["totals"]["residents"]


@pytest.mark.django_db
def test_resident_roster_has_no_political_status_for_non_party_roles(
    login, world: World, data: Data
) -> None:
    response = login("social_worker").get(reverse("places:residents_xlsx", args=[world.block.pk]))
    ws = sheet_of(response)
    assert "政治面貌" not in header(ws)
    assert "党员" not in xml_text(response)
    assert last_export("residents").detail["filters"] == {}
    party = sheet_of(
        login("secretary").get(reverse("places:residents_xlsx", args=[world.block.pk]))
    )
    assert "政治面貌" in header(party)


@pytest.mark.django_db
def test_roster_of_a_building_and_of_a_building_group(login, world: World, data: Data) -> None:
    client = login("secretary")
    for place in (world.building, world.building_group):
        ws = sheet_of(client.get(reverse("places:residents_xlsx", args=[place.pk])))
        expected = Resident.objects.filter(path__startswith=place.path).count()
        assert len(body(ws)) == expected
    # A sub-district or a household has no roster export.
    admin = login("admin")
    for place in (world.subdistrict, world.household):
        assert admin.get(reverse("places:residents_xlsx", args=[place.pk])).status_code == 404


@pytest.mark.django_db
def test_party_member_export(login, world: World, data: Data) -> None:
    register_party_member(
        name="在职党员甲", category=MemberCategory.EMPLOYED_REGISTERED, serving_grid=world.grid
    )
    ws = sheet_of(
        login("secretary").get(reverse("places:party_members_xlsx", args=[world.north.pk]))
    )
    names = [n.lstrip("'") for n in column(ws, "姓名")]
    expected = PartyMember.objects.filter(path__startswith=world.north.path)
    assert sorted(names) == sorted(expected.values_list("name", flat=True))
    assert "在职党员甲" in names
    rows = {n: dict(zip(header(ws), r, strict=True)) for n, r in zip(names, body(ws), strict=True)}
    assert rows["在职党员甲"]["服务网格"] == world.grid.name
    assert rows[world.leader.name]["服务网格"] == world.grid.name
    assert rows[world.leader.name]["党小组"].endswith("党小组")
    assert rows["=李四"]["党小组"] in ("", None)
    south = PartyMember.objects.filter(path__startswith=world.south.path).values_list(
        "name", flat=True
    )
    assert not set(names) & set(south)


@pytest.mark.django_db
def test_export_links_are_where_the_lists_are(login, world: World, data: Data) -> None:
    secretary = login("secretary")
    pages = [
        reverse("issues:list"),
        reverse("appeals:list"),
        reverse("meetings:list"),
        reverse("activities:list"),
        reverse("activities:signups", args=[data.north_activity.pk]),
        reverse("volunteers:teams"),
        reverse("volunteers:team", args=[data.north_team.pk]),
        reverse("volunteers:honour_roll"),
        reverse("volunteers:approvals"),
        reverse("party:structure", args=[world.north.pk]),
    ]
    for url in pages:
        page = secretary.get(url)
        assert "导出 Excel" in page.text and 'data-testid="export-xlsx"' in page.text, url
    for place in (world.north, world.block, world.building, world.building_group):
        page = secretary.get(reverse("places:detail", args=[place.pk])).text
        assert 'data-testid="residents-xlsx"' in page and 'data-testid="party-members-xlsx"' in page
    social = login("social_worker").get(reverse("places:detail", args=[world.north.pk])).text
    assert 'data-testid="residents-xlsx"' in social
    assert 'data-testid="party-members-xlsx"' not in social
    admin = login("admin").get(reverse("places:detail", args=[world.subdistrict.pk])).text
    assert 'data-testid="residents-xlsx"' not in admin
    # Residents' own pages have none.
    resident = login("resident")
    for url in (reverse("appeals:mine"), reverse("activities:mine"), reverse("volunteers:mine")):
        assert 'data-testid="export-xlsx"' not in resident.get(url).text, url


@pytest.mark.django_db
def test_export_in_english_uses_english_headers_and_iso_dates(
    client: Client, login, world: World, data: Data
) -> None:
    client = login("secretary")
    client.cookies["sanxian_language"] = "en"
    response = client.get(reverse("issues:list_xlsx"))
    ws = sheet_of(response)
    assert header(ws)[:3] == ["Serial number", "Title", "State"]
    index = header(ws).index("Raised at") + 1
    assert ws.cell(row=2, column=index).number_format == "yyyy-mm-dd hh:mm"
    assert "filename*=UTF-8''Issues%20" in response["Content-Disposition"]


# --- The shared writer -------------------------------------------------------------------


def test_writer_keeps_text_as_text_and_dates_as_dates(monkeypatch) -> None:
    from sanxian import spreadsheets

    monkeypatch.setattr(spreadsheets, "EXCEL_MAX_ROWS", 5)
    rows = [
        ["=1+1", "+86", -3, Decimal("2.50"), date(2026, 3, 5), True, None, "a\x0bb"],
        *[[f"行{i}"] for i in range(5)],
    ]
    content, count = spreadsheets.write_xlsx(
        sheet_title="名单: 3/5 [草稿]", header=["甲", "乙"], rows=rows
    )
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    assert ws.title == "名单 3 5 草稿"
    assert count == 3  # a sheet of five rows: the header, three rows and a note
    first = list(ws[2])
    assert [c.value for c in first[:4]] == ["'=1+1", "'+86", -3, 2.5]
    assert first[2].data_type == "n" and first[0].data_type == "s"
    assert first[4].is_date and first[4].number_format == 'yyyy"年"m"月"d"日"'
    assert [c.value for c in first[5:]] == ["是", None, "ab"]
    assert "3" in str(ws.cell(row=5, column=1).value)  # three rows left out, said so


def test_download_names() -> None:
    from sanxian.spreadsheets import common_path, content_disposition, file_name

    assert content_disposition("诉求 2026-03-05.xlsx", "appeals-2026-03-05.xlsx") == (
        'attachment; filename="appeals-2026-03-05.xlsx"; '
        "filename*=UTF-8''%E8%AF%89%E6%B1%82%202026-03-05.xlsx"
    )
    assert file_name('a/b:c*"d".xlsx') == "a b c d .xlsx"
    assert common_path(["00010002", "000100020001"]) == "00010002"
    assert common_path(["00010002", "00010003"]) == "0001"
    assert common_path([]) == ""
