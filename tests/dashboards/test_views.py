"""Dashboard pages, refresh, monthly reports: the permission matrix, query budgets, the
workbook read back, and bad input."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from sanxian.activities.models import Activity
from sanxian.activities.models import SignupState as ActivitySignupState
from sanxian.appeals.models import Appeal, AppealEvent, AppealState, EventKind, Rating
from sanxian.dashboards.models import DailyRollup, RollupRun
from sanxian.dashboards.services import refresh_all, refresh_changed
from sanxian.dashboards.tasks import refresh_rollups_task
from sanxian.issues.models import Issue, IssueEvent, IssueState
from sanxian.meetings.models import InviteeGroup, MeetingKind
from sanxian.spreadsheets import safe_cell as safe_text
from tests.dashboards.helpers import (
    add_activity,
    add_appeal,
    add_hours,
    add_issue,
    add_meeting,
    get_category,
    get_volunteer,
)
from tests.world import World, grow

# The pages show this month by default; the data lies in the last eleven days.
pytestmark = pytest.mark.usefixtures("mid_month")

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
# Roll-ups (values, trend, residents by month), overdue appeals, distinct volunteers and
# households, session, user, roles, last run …
MAX_QUERIES = 15


def urls(world: World) -> dict[str, tuple[str, set[str]]]:
    """Each page with the personas who may open it."""
    month = timezone.localdate().strftime("%Y-%m")
    north = {"admin", "secretary", "social_worker"}
    return {
        "subdistrict": (reverse("dashboards:place", args=[world.subdistrict.pk]), {"admin"}),
        "north": (reverse("dashboards:place", args=[world.north.pk]), north),
        "block": (reverse("dashboards:place", args=[world.block.pk]), north),
        "grid": (reverse("dashboards:grid", args=[world.grid.pk]), north | {"group_leader"}),
        "south_grid": (
            reverse("dashboards:grid", args=[world.south_grid.pk]),
            {"admin", "outsider"},
        ),
        "report": (reverse("dashboards:report", args=[world.north.pk, month]), north),
        "report_xlsx": (reverse("dashboards:report_xlsx", args=[world.north.pk, month]), north),
        "sub_report": (
            reverse("dashboards:report", args=[world.subdistrict.pk, month]),
            {"admin"},
        ),
        # Blocks and buildings have no monthly report; buildings have no dashboard.
        "block_report": (reverse("dashboards:report", args=[world.block.pk, month]), set()),
        "building": (reverse("dashboards:place", args=[world.building.pk]), set()),
    }


def some_data(world: World) -> None:
    now = timezone.now()
    category = get_category()
    for i, state in enumerate([AppealState.RESOLVED, AppealState.IN_PROGRESS]):
        add_appeal(
            world.building_group,
            category,
            created=now - timedelta(days=10 + i),
            response_hours=24,
            resolution_hours=48,
            contacted_after=2,
            state=state,
            closed_after=30,
            rating=Rating.SATISFIED,
            rated_after=3,
        )
    add_issue(
        world.building,
        [
            (IssueState.COLLECTED.value, now - timedelta(days=9)),
            (IssueState.THINK.value, now - timedelta(days=4)),
        ],
    )
    add_meeting(
        world.north,
        MeetingKind.COLLECTION,
        now - timedelta(days=3),
        scheduled=False,
        held=True,
        minutes=True,
        invitees=[(InviteeGroup.GRID_TEAMS, True), (InviteeGroup.PARTY_MEMBERS, False)],
    )
    volunteer = get_volunteer(world.north, f"志愿者{Activity.objects.count()}")
    add_hours(volunteer, world.building_group, started=now - timedelta(days=2), hours="3.5")
    add_activity(
        world.building,
        starts=now - timedelta(days=1),
        capacity=10,
        signups=[(ActivitySignupState.CONFIRMED, True), (ActivitySignupState.CONFIRMED, False)],
        helpers=[(volunteer, "2")],
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(world: World, login, persona: str) -> None:
    refresh_all()
    client = login(persona)
    for name, (url, allowed) in urls(world).items():
        response = client.get(url)
        assert response.status_code == (200 if persona in allowed else 404), (name, persona)
    for name, target in (("north", world.north), ("subdistrict", world.subdistrict)):
        refresh = reverse("dashboards:refresh", args=[target.pk])
        allowed = urls(world)[name][1]
        assert client.post(refresh).status_code == (302 if persona in allowed else 404)
        assert client.get(refresh).status_code == 405
    grid_refresh = reverse("dashboards:refresh_grid", args=[world.grid.pk])
    allowed = urls(world)["grid"][1]
    assert client.post(grid_refresh).status_code == (302 if persona in allowed else 404)


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    client = Client()
    for url, _allowed in urls(world).values():
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("admin", "subdistrict"),
        ("secretary", "north"),
        ("social_worker", "north"),
        ("group_leader", "grid"),
        ("outsider", "south"),
    ],
)
def test_home_redirects_to_the_top_node(world: World, login, persona: str, target: str) -> None:
    client = login(persona)
    response = client.get(reverse("dashboards:home"))
    expected = (
        reverse("dashboards:grid", args=[world.grid.pk])
        if target == "grid"
        else reverse("dashboards:place", args=[getattr(world, target).pk])
    )
    assert response.status_code == 302
    assert response["Location"] == expected


@pytest.mark.parametrize("persona", ["party_member", "resident", "auditor", "nobody"])
def test_home_is_404_without_a_staff_role(world: World, login, persona: str) -> None:
    assert login(persona).get(reverse("dashboards:home")).status_code == 404


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_subtree(world: World, login) -> None:
    some_data(world)
    refresh_all()
    cases = [
        ("admin", reverse("dashboards:place", args=[world.subdistrict.pk]) + "?period=last_12"),
        ("secretary", reverse("dashboards:place", args=[world.north.pk])),
        ("secretary", reverse("dashboards:place", args=[world.block.pk]) + "?period=last_3"),
        ("group_leader", reverse("dashboards:grid", args=[world.grid.pk])),
        (
            "secretary",
            reverse(
                "dashboards:report", args=[world.north.pk, timezone.localdate().strftime("%Y-%m")]
            ),
        ),
    ]
    before = {(p, u): _count(login(p), u) for p, u in cases}
    grow(world)
    grow(world, buildings=5)
    some_data(world)
    refresh_all()
    after = {(p, u): _count(login(p), u) for p, u in cases}
    assert before == after
    assert max(after.values()) <= MAX_QUERIES, after


def test_dashboard_shows_the_numbers_charts_and_formulas(world: World, login) -> None:
    some_data(world)
    refresh_all()
    client = login("secretary")
    client.cookies["sanxian_language"] = "en"
    html = client.get(reverse("dashboards:place", args=[world.north.pk])).text
    assert 'data-testid="rate-satisfaction">100%<' in html
    assert 'data-testid="minutes-rate">100%<' in html
    assert 'data-chart="states"' in html
    assert 'id="table-states"' in html
    assert '<details class="formula" data-testid="formula-yi">' in html
    for part in ("lin", "qin", "volunteers", "activities", "index"):
        assert f'data-testid="formula-{part}"' in html
    assert 'data-testid="volunteer-hours">3.5<' in html
    assert 'data-testid="activity-checkins">1<' in html
    assert 'data-testid="activity-attendance">50%<' in html
    assert "Last updated:" in html
    # The JSON data island holds the chart data; the table the same numbers.
    island = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html)
    assert island is not None
    data = json.loads(island.group(1))
    states = dict(
        zip(data["states"]["categories"], data["states"]["series"][0]["data"], strict=True)
    )
    assert states["Think first"] == 1
    assert ["Think first", "1"] in data["states"]["rows"]
    for key in ("volunteers", "activities", "trend-yi", "trend-xing", "trend-lin", "trend-qin"):
        assert f'data-chart="{key}"' in html and f'id="table-{key}"' in html
    assert data["volunteers"]["series"][0]["data"][-1] == 3.5
    assert data["activities"]["series"][1]["data"][-1] == 1
    assert len(data["index"]["series"]) == 4
    # Drill-down: the block links to its grids, the neighborhood to its block.
    assert reverse("dashboards:place", args=[world.block.pk]) in html
    block = login("secretary").get(reverse("dashboards:place", args=[world.block.pk])).text
    assert reverse("dashboards:grid", args=[world.grid.pk]) in block


@pytest.mark.parametrize(
    "query",
    [
        "?from=2025-13&to=2025-14",
        "?from=abcd&to=2025-01",
        "?from=1999-01&to=1999-02",
        "?from=2020-01&to=2025-12",
        "?from=2999-01&to=2999-02",
        "?period=forever",
        "?from=2025-10",
    ],
)
def test_bad_periods_show_a_message(world: World, login, query: str) -> None:
    client = login("secretary")
    with translation.override("en"):
        response = client.get(reverse("dashboards:place", args=[world.north.pk]) + query)
    assert response.status_code == 200
    if query != "?from=2025-10":
        assert 'class="message message-warning"' in response.text, query


def test_custom_period(world: World, login) -> None:
    with translation.override("en"):
        response = login("secretary").get(
            reverse("dashboards:place", args=[world.north.pk]) + "?from=2025-05&to=2025-10"
        )
    assert response.status_code == 200
    assert 'name="from" value="2025-05"' in response.text
    assert 'name="to" value="2025-10"' in response.text


@pytest.mark.parametrize("month", ["2025-13", "2025-1x", "abc", "2999-01", "1999-12"])
def test_bad_report_month_is_a_clear_400(world: World, login, month: str) -> None:
    client = login("secretary")
    for name in ("dashboards:report", "dashboards:report_xlsx"):
        response = client.get(reverse(name, args=[world.north.pk, month]))
        assert response.status_code == 400
        assert 'data-testid="bad-month"' in response.text


def test_refresh_now_records_a_run(world: World, login) -> None:
    some_data(world)
    client = login("secretary")
    response = client.post(
        reverse("dashboards:refresh", args=[world.north.pk]), {"period": "last_3"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?period=last_3")
    run = RollupRun.objects.get()
    assert run.finished_at is not None and run.mode == "full"
    assert DailyRollup.objects.exists()
    # A second click right after reuses that run.
    client.post(reverse("dashboards:refresh", args=[world.north.pk]))
    assert RollupRun.objects.count() == 1


def test_incremental_refresh_equals_a_full_rebuild(world: World) -> None:
    some_data(world)
    now = timezone.now()
    issue = add_issue(world.south_block, [(IssueState.COLLECTED.value, now - timedelta(days=40))])
    appeal = add_appeal(
        world.south_household,
        get_category(),
        created=now - timedelta(days=20),
        response_hours=24,
        resolution_hours=24 * 9,
        contacted_after=30,
        state=AppealState.IN_PROGRESS,
        closed_after=None,
        rating="",
        rated_after=None,
    )
    refresh_all()
    # After the first run: the issue moves on, the appeal is resolved and rated (with the
    # events the services append).
    now = timezone.now()
    IssueEvent.objects.create(
        issue=issue, from_state=IssueState.COLLECTED, to_state=IssueState.THINK
    )
    Issue.objects.filter(pk=issue.pk).update(state=IssueState.THINK)
    Appeal.objects.filter(pk=appeal.pk).update(
        state=AppealState.RESOLVED,
        closed_at=now,
        rating=Rating.UNSATISFIED,
        rating_state=AppealState.RESOLVED,
        rated_at=now,
    )
    AppealEvent.objects.create(
        appeal=appeal, kind=EventKind.RATED, at=now, from_state="", to_state=AppealState.RESOLVED
    )
    refresh_changed()
    incremental = set(DailyRollup.objects.values_list("node", "day", "metric", "value"))
    refresh_all()
    full = set(DailyRollup.objects.values_list("node", "day", "metric", "value"))
    assert incremental == full
    assert ("0001", timezone.localdate(), "rated", 1) in full or any(
        row[2] == "rated" for row in full
    )
    assert RollupRun.objects.filter(mode="changed").exists()


def test_command_and_task(world: World) -> None:
    some_data(world)
    out = io.StringIO()
    call_command("refresh_rollups", stdout=out)
    assert out.getvalue().startswith("full:")
    call_command("refresh_rollups", "--days", "7", stdout=out)
    call_command("refresh_rollups", "--changed", stdout=out)
    assert RollupRun.objects.count() == 3
    result = refresh_rollups_task.call()
    assert result["mode"] == "changed"


def _english(client: Client) -> Client:
    client.cookies["sanxian_language"] = "en"
    return client


def test_xlsx_report_reads_back(world: World, login) -> None:
    some_data(world)
    refresh_all()
    month = timezone.localdate().strftime("%Y-%m")
    client = _english(login("secretary"))
    response = client.get(reverse("dashboards:report_xlsx", args=[world.north.pk, month]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert wb.sheetnames == [
        "Overview",
        "Structure",
        "Meetings",
        "Issues",
        "Appeals",
        "Volunteers",
        "Activities",
        "By place",
        "Neighbourliness index",
    ]
    summary = list(wb["Overview"].iter_rows(values_only=True))
    assert "北苑" in summary[0][0] and "monthly report" in summary[0][0]
    rows = {r[0]: r for r in summary if r and r[0]}
    assert rows["Satisfaction rate"][1:] == (100, 1, 1)  # numbers stored as numbers
    assert rows["Minutes filed"][1:] == (100, 1, 1)
    appeals = list(wb["Appeals"].iter_rows(values_only=True))
    assert appeals[0] == ("Rate", "Numerator", "Denominator", "Value (%)")
    structure = {r[0]: r[1] for r in wb["Structure"].iter_rows(values_only=True)}
    assert isinstance(structure["Residents"], int) and structure["Residents"] > 0
    children = list(wb["By place"].iter_rows(values_only=True))
    assert children[1][0] == "第一块区"
    issues = list(wb["Issues"].iter_rows(values_only=True))
    states = {r[0]: r[1] for r in issues[1:8]}
    assert states["Think first"] == 1
    assert states["Collected"] == 0
    volunteers = {r[0]: r[1:] for r in wb["Volunteers"].iter_rows(values_only=True) if r and r[0]}
    assert volunteers["Duty shift"][:2] == (3.5, 1)
    assert volunteers["Total"][:2] == (3.5, 1)
    assert volunteers["Volunteers serving"][0] == 1
    residents = volunteers["Residents"][0]
    assert isinstance(residents, int) and residents > 0
    assert volunteers["Hours per 100 residents"][0] == round(3.5 / residents * 100, 2)
    activities = {r[0]: r[1] for r in wb["Activities"].iter_rows(values_only=True) if r and r[0]}
    assert activities["Activities held"] == 1
    assert activities["Confirmed sign-ups"] == 2
    assert activities["Check-ins"] == 1
    assert activities["Attendance rate (%)"] == 50
    assert activities["Helpers' hours"] == 2
    assert activities["Check-ins per 100 residents"] == round(1 / residents * 100, 2)
    index = list(wb["Neighbourliness index"].iter_rows(values_only=True))
    assert index[0] == (
        "Month",
        "Deliberation in order",
        "Action within rules",
        "Neighbours help",
        "Closeness with measure",
        "Neighbourliness index",
    )
    assert all(isinstance(v, int | float) for v in index[-1][3:])
    assert rows["Neighbours help"][1] is not None
    assert rows["Volunteer hours against the target"][2:] == (3.5, residents)


def test_xlsx_report_in_chinese(world: World, login) -> None:
    refresh_all()
    month = timezone.localdate().strftime("%Y-%m")
    response = login("secretary").get(
        reverse("dashboards:report_xlsx", args=[world.north.pk, month])
    )
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(wb.sheetnames) == 9
    title = next(wb.worksheets[0].iter_rows(values_only=True))[0]
    assert title.startswith("北苑")


def test_printable_report(world: World, login) -> None:
    some_data(world)
    refresh_all()
    today = timezone.localdate()
    month = today.strftime("%Y-%m")
    client = login("secretary")
    html = client.get(reverse("dashboards:report", args=[world.north.pk, month])).text
    assert 'data-testid="report-title">北苑' in html
    assert f"{today.year}年{today.month}月" in html
    assert "dashboards.css" in html
    assert 'data-testid="report-meetings"' in html
    for testid in ("report-lin", "report-qin", "report-volunteers", "report-activities"):
        assert f'data-testid="{testid}"' in html
    assert 'data-testid="formula-lin"' in html and 'data-testid="formula-qin"' in html


def test_formula_injection_is_neutralised() -> None:
    for text in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)"):
        assert safe_text(text) == "'" + text
    assert safe_text("楼道") == "楼道"
    assert safe_text(5) == 5
