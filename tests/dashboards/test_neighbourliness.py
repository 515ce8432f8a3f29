"""邻有助 and 亲有度: the volunteer and activity families and the formulas of the two parts,
with hand-computed values."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from sanxian.activities.models import ActivitySignup, ActivityState
from sanxian.activities.models import SignupState as ActivitySignupState
from sanxian.appeals.models import Appeal, AppealState, Rating
from sanxian.dashboards.models import DailyRollup
from sanxian.dashboards.selectors import (
    Measures,
    Period,
    dashboard,
    grid_node,
    place_node,
    read_values,
)
from sanxian.dashboards.services import refresh_all, refresh_changed, refresh_rollups
from sanxian.issues.models import ActionRecord, IssueState
from sanxian.volunteers.models import HoursEntry, HoursSource, HoursState
from tests.dashboards.helpers import (
    NOW,
    add_activity,
    add_appeal,
    add_hours,
    add_issue,
    at,
    get_category,
    get_volunteer,
)
from tests.world import World

OCTOBER = Period((2025, 10), (2025, 10))


def test_neighbours_help_formula() -> None:
    m = Measures(
        {
            "residents": 200,
            "hours_centi:shift": 15000,
            "hours_centi:activity": 5000,
            "services:shift": 30,
            "residents_help": 1,
            "closed": 4,
        },
        months=2,
    )
    assert m.volunteer_hours == 200
    assert m.hours_per_100 == 100.0  # 200 h ÷ 200 residents × 100
    # Target: 100 h per 100 residents a month × 2 months = 400 h.
    assert (m.hours_score.amount, m.hours_score.target) == (200, 400)
    assert m.hours_score.percent == 50.0
    assert m.residents_help.percent == 25.0  # 1 ÷ 4 appeals closed
    assert m.lin == 37.5
    # Above the target the hours count as 100.
    more = Measures({"residents": 200, "hours_centi:manual": 100000}, months=1)
    assert more.hours_score.percent == 100.0
    assert more.lin == 100.0  # no appeal closed: the hours alone
    assert Measures({}).lin is None


def test_closeness_formula() -> None:
    m = Measures(
        {
            "residents": 200,
            "checkins": 30,
            "confirmed": 40,
            "rated": 10,
            "satisfaction_num": 8,
            "survey:satisfied": 4,
            "survey:basically_satisfied": 1,
            "survey:unsatisfied": 5,
        },
        months=2,
    )
    assert m.participation == 15.0  # 30 check-ins ÷ 200 residents × 100
    assert m.attendance_rate_activities.percent == 75.0  # 30 ÷ 40 confirmed
    # Target: 10 check-ins per 100 residents a month × 2 months = 40.
    assert (m.participation_score.amount, m.participation_score.target) == (30, 40)
    assert m.participation_score.percent == 75.0
    # (8 appeals + 5 residents surveyed satisfied) ÷ (10 rated + 10 surveyed).
    assert (m.satisfaction.numerator, m.satisfaction.denominator) == (13, 20)
    assert m.qin == 70.0
    # No volunteer hours against a target of 400 h: 邻有助 is 0, and the index the average
    # of the parts that have a value (议有序 and 行有矩 have nothing to count).
    assert m.lin == 0.0
    assert m.index == 35.0
    both = Measures({**m.values, "residents_help": 1, "closed": 4}, months=2)
    assert both.lin == 12.5  # 0 hours → 0 against the target; 25 % with residents' help
    assert both.index == 41.2  # (12.5 + 70) ÷ 2 = 41.25


def _measures(node, period: Period = OCTOBER) -> Measures:  # type: ignore[no-untyped-def]
    values, _day = read_values([node.key], period)
    return Measures(values[node.key])


def test_only_approved_hours_count_where_the_service_happened(world: World) -> None:
    home = get_volunteer(world.south_household, "李阿姨")
    add_hours(home, world.building_group, started=at(30), hours="2.50")
    add_hours(home, world.building_group, started=at(60), hours="1.25", source=HoursSource.MANUAL)
    add_hours(home, world.building_group, started=at(20), hours="4", state=HoursState.PENDING)
    add_hours(home, world.building_group, started=at(10), hours="3", state=HoursState.REJECTED)
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    north = _measures(place_node(world.north))
    assert north.volunteer_hours == 3.75
    assert north.volunteer_services == 2
    assert {r["source"]: r["hours"] for r in north.hours_by_source}["manual"] == 1.25
    assert _measures(grid_node(world.grid)).volunteer_hours == 3.75
    # The volunteer lives in the south: the hours count where the service happened.
    assert _measures(place_node(world.south)).volunteer_hours == 0


def test_residents_help_counts_merged_appeals_whose_issue_residents_acted_on(
    world: World,
) -> None:
    category = get_category()
    helped = add_issue(world.building, [(IssueState.COLLECTED.value, at(100))])
    party_only = add_issue(world.building, [(IssueState.COLLECTED.value, at(100))])
    ActionRecord.objects.create(
        issue=helped, name="党员", is_party_member=True, acted_at=at(50), what="先做"
    )
    ActionRecord.objects.create(
        issue=helped, name="居民", is_party_member=False, acted_at=at(40), what="跟进"
    )
    ActionRecord.objects.create(
        issue=party_only, name="党员", is_party_member=True, acted_at=at(50), what="先做"
    )
    appeals = [
        add_appeal(
            world.household,
            category,
            created=at(90),
            response_hours=24,
            resolution_hours=24 * 5,
            contacted_after=1,
            state=state,
            closed_after=10,
            rating=Rating.SATISFIED if state == AppealState.RESOLVED else "",
            rated_after=1,
        )
        for state in (AppealState.IN_PROGRESS,) * 3 + (AppealState.RESOLVED,)
    ]
    for appeal, issue in zip(appeals, (helped, helped, party_only), strict=False):
        Appeal.objects.filter(pk=appeal.pk).update(
            state=AppealState.MERGED, closed_at=at(80), issue=issue
        )
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    m = _measures(place_node(world.north))
    assert (m.residents_help.numerator, m.residents_help.denominator) == (2, 4)
    assert m.residents_help.percent == 50.0


def test_activity_family_and_distinct_counts(world: World, login) -> None:  # type: ignore[no-untyped-def]
    helper = get_volunteer(world.north, "王师傅")
    add_activity(
        world.building,
        starts=at(48),
        capacity=10,
        signups=[
            (ActivitySignupState.CONFIRMED, True),
            (ActivitySignupState.CONFIRMED, True),
            (ActivitySignupState.CONFIRMED, False),
            (ActivitySignupState.WAITING, False),
        ],
        helpers=[(helper, "3.50"), (get_volunteer(world.north, "赵阿姨"), None)],
    )
    add_activity(
        world.building,
        starts=at(24),
        capacity=5,
        state=ActivityState.PLANNED,
        signups=[(ActivitySignupState.CONFIRMED, False)],
    )
    add_hours(helper, world.building, started=at(48), hours="3.5", source=HoursSource.ACTIVITY)
    add_hours(helper, world.block, started=at(200), hours="2")
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    m = _measures(place_node(world.north))
    assert (m.activities_held, m.get("seats"), m.get("confirmed"), m.checkins) == (1, 10, 3, 2)
    assert m.get("helpers") == 2
    assert m.helper_hours == 5.5  # 3.5 h set, and the two-hour activity for the other
    assert m.attendance_rate_activities.percent == 66.7
    board = dashboard(world.users["admin"], place_node(world.north), OCTOBER, now=NOW)
    assert board.measures.volunteers_serving == 1  # one person, two days, two places
    checked_in = ActivitySignup.objects.filter(checked_in_at__isnull=False)
    households = {s.resident.household_id for s in checked_in}
    assert board.measures.households_attending == len(households)


def test_incremental_refresh_follows_approvals_and_check_ins(world: World) -> None:
    now = timezone.now()
    volunteer = get_volunteer(world.north)
    entry = add_hours(
        volunteer, world.building, started=now - timedelta(days=50), hours="2", state="pending"
    )
    activity = add_activity(
        world.building,
        starts=now - timedelta(days=20),
        capacity=4,
        signups=[(ActivitySignupState.CONFIRMED, False)],
    )
    issue = add_issue(world.building, [(IssueState.COLLECTED.value, now - timedelta(days=70))])
    appeal = add_appeal(
        world.household,
        get_category(),
        created=now - timedelta(days=65),
        response_hours=24,
        resolution_hours=24 * 5,
        contacted_after=1,
        state=AppealState.IN_PROGRESS,
        closed_after=None,
        rating="",
        rated_after=None,
    )
    Appeal.objects.filter(pk=appeal.pk).update(
        state=AppealState.MERGED, closed_at=now - timedelta(days=60), issue=issue
    )
    refresh_all()
    HoursEntry.objects.filter(pk=entry.pk).update(
        state=HoursState.APPROVED, decided_at=timezone.now()
    )
    ActivitySignup.objects.filter(activity=activity).update(checked_in_at=activity.starts_at)
    # Residents act on the issue today: the appeal merged 60 days ago was solved with help.
    ActionRecord.objects.create(
        issue=issue, name="居民", is_party_member=False, acted_at=timezone.now(), what="跟进"
    )
    refresh_changed()
    incremental = set(DailyRollup.objects.values_list("node", "day", "metric", "value"))
    refresh_all()
    full = set(DailyRollup.objects.values_list("node", "day", "metric", "value"))
    assert incremental == full
    metrics = {row[2] for row in full}
    assert {"hours_centi:shift", "checkins", "residents_help"} <= metrics
