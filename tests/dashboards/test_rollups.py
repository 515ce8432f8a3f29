"""The roll-ups equal a live computation over random data, at every node of the drill-down."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxian.activities.models import ActivityState
from sanxian.activities.models import SignupState as ActivitySignupState
from sanxian.appeals.models import AppealState, Rating
from sanxian.appeals.selectors import period_bounds
from sanxian.dashboards.selectors import Measures, Period, grid_node, place_node, read_values
from sanxian.dashboards.services import refresh_rollups
from sanxian.issues.models import MAIN_LINE, ActionRecord, Consultation, IssueState
from sanxian.meetings.models import InviteeGroup, MeetingKind
from sanxian.party.structure import check_structure
from sanxian.places.models import Resident
from sanxian.places.paths import subtree_q
from sanxian.volunteers.models import HoursSource, HoursState
from tests.dashboards.helpers import (
    NOW,
    add_activity,
    add_appeal,
    add_hours,
    add_issue,
    add_meeting,
    at,
    day_of,
    get_category,
    get_volunteer,
    live_for,
)
from tests.world import World

PLACES = [
    "north",
    "south",
    "block",
    "south_block",
    "building",
    "building_group",
    "household",
    "south_household",
]
hours = st.integers(min_value=0, max_value=24 * 150)

appeals = st.lists(
    st.fixed_dictionaries(
        {
            "place": st.sampled_from(PLACES),
            "created": hours,
            "response_hours": st.integers(1, 72),
            "resolution_hours": st.integers(24, 24 * 20),
            "contacted_after": st.none() | st.integers(0, 96),
            "state": st.sampled_from(
                [
                    AppealState.SUBMITTED,
                    AppealState.ACKNOWLEDGED,
                    AppealState.IN_PROGRESS,
                    AppealState.RESOLVED,
                    AppealState.REJECTED,
                ]
            ),
            "closed_after": st.integers(1, 24 * 25),
            "rating": st.sampled_from(
                ["", Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED]
            ),
            "rated_after": st.integers(1, 48),
        }
    ),
    max_size=12,
)
issues = st.lists(
    st.fixed_dictionaries(
        {
            "place": st.sampled_from([p for p in PLACES if "household" not in p]),
            "start": hours,
            "gaps": st.lists(st.integers(1, 24 * 40), max_size=4),
            "shelved": st.booleans(),
            "actions": st.lists(st.tuples(st.booleans(), st.integers(0, 24 * 60)), max_size=4),
            "consultations": st.lists(st.integers(0, 24 * 90), max_size=2),
        }
    ),
    max_size=8,
)
meetings = st.lists(
    st.fixed_dictionaries(
        {
            "place": st.sampled_from(["north", "south"]),
            "kind": st.sampled_from(MeetingKind.values),
            "start": st.integers(-24 * 10, 24 * 150),
            "scheduled": st.booleans(),
            "held": st.booleans(),
            "minutes": st.booleans(),
            "invitees": st.lists(
                st.tuples(st.sampled_from(InviteeGroup.values), st.booleans()), max_size=5
            ),
        }
    ),
    max_size=8,
)

volunteer_hours = st.lists(
    st.fixed_dictionaries(
        {
            "place": st.sampled_from(PLACES),
            "started": hours,
            "quarters": st.integers(1, 40),
            "state": st.sampled_from(HoursState.values),
            "source": st.sampled_from(HoursSource.values),
            "volunteer": st.integers(0, 2),
        }
    ),
    max_size=10,
)
activities = st.lists(
    st.fixed_dictionaries(
        {
            "place": st.sampled_from([p for p in PLACES if "household" not in p]),
            "start": hours,
            "capacity": st.integers(1, 60),
            "state": st.sampled_from(ActivityState.values),
            "signups": st.lists(
                st.tuples(st.sampled_from(ActivitySignupState.values), st.booleans()),
                max_size=4,
            ),
            "helpers": st.lists(st.none() | st.sampled_from(["1.50", "3.00"]), max_size=2),
        }
    ),
    max_size=6,
)

PERIODS = [
    Period((2025, 10), (2025, 10)),
    Period((2025, 9), (2025, 9)),
    Period((2025, 5), (2025, 10)),
]


def build(world: World, data: dict) -> None:
    category = get_category()
    for a in data["appeals"]:
        add_appeal(
            getattr(world, a["place"]),
            category,
            created=at(a["created"]),
            response_hours=a["response_hours"],
            resolution_hours=a["resolution_hours"],
            contacted_after=a["contacted_after"],
            state=a["state"],
            closed_after=a["closed_after"],
            rating=a["rating"],
            rated_after=a["rated_after"],
        )
    for i in data["issues"]:
        moment = at(i["start"])
        steps = [(IssueState.COLLECTED.value, moment)]
        for n, gap in enumerate(i["gaps"]):
            moment = moment + timedelta(hours=gap)
            steps.append((MAIN_LINE[n + 1].value, moment))
        if i["shelved"] and steps[-1][0] != IssueState.DONE:
            steps.append((IssueState.SHELVED.value, moment + timedelta(hours=5)))
        issue = add_issue(getattr(world, i["place"]), steps)
        for is_party, offset in i["actions"]:
            ActionRecord.objects.create(
                issue=issue,
                name="行动者",
                is_party_member=is_party,
                acted_at=at(i["start"]) + timedelta(hours=offset),
                what="清理",
            )
        for offset in i["consultations"]:
            Consultation.objects.create(
                issue=issue,
                held_on=day_of(at(i["start"]) + timedelta(hours=offset)),
                attendees=12,
                summary="居民协商",
            )
    for h in data.get("hours", []):
        add_hours(
            get_volunteer(world.north, f"志愿者{h['volunteer']}"),
            getattr(world, h["place"]),
            started=at(h["started"]),
            hours=f"{h['quarters'] / 4:.2f}",
            state=h["state"],
            source=h["source"],
        )
    for a in data.get("activities", []):
        add_activity(
            getattr(world, a["place"]),
            starts=at(a["start"]),
            capacity=a["capacity"],
            state=a["state"],
            signups=a["signups"],
            helpers=[
                (get_volunteer(world.north, f"帮手{i}"), hours)
                for i, hours in enumerate(a["helpers"])
            ],
        )
    scheduled: set[tuple[str, str, object]] = set()
    for m in data["meetings"]:
        # One scheduled meeting per neighborhood, kind and day (as the cycle makes them).
        key = (m["place"], m["kind"], day_of(at(m["start"])))
        is_scheduled = m["scheduled"] and key not in scheduled
        if is_scheduled:
            scheduled.add(key)
        add_meeting(
            getattr(world, m["place"]),
            m["kind"],
            at(m["start"]),
            scheduled=is_scheduled,
            held=m["held"],
            minutes=m["minutes"],
            invitees=m["invitees"],
        )


def check_node(node, live, appeal_place, period: Period) -> None:  # type: ignore[no-untyped-def]
    values, _day = read_values([node.key], period)
    m = Measures(values[node.key])
    _start_at, end_at = period_bounds(period.first, period.last)
    states = live.states_at(end_at)
    assert {s["state"]: s["count"] for s in m.states} == {
        s.value: states.get(s.value, 0) for s in IssueState
    }, node.name
    got = {k: (r.numerator, r.denominator) for k, r in m.appeal_rates.items()}
    assert got == live.appeals(appeal_place, period.first, period.last), node.name
    cycle = live.cycle(period.first, period.last)
    assert m.total("due:") == cycle.get("due", 0)
    assert m.total("on_schedule:") == cycle.get("on_schedule", 0)
    assert m.total("held:") == cycle.get("held", 0)
    assert m.total("minutes:") == cycle.get("minutes", 0)
    assert m.total("invited:") == cycle.get("invited", 0)
    assert m.total("attended:") == cycle.get("attended", 0)
    issues_live = live.issues(period.first, period.last)
    assert m.total("stage_exits:") == issues_live.get("exits", 0)
    assert m.total("stage_seconds:") == issues_live.get("seconds", 0)
    assert m.total("moves:") == issues_live.get("moves", 0)
    assert m.acted_first.denominator == issues_live.get("first_actions", 0)
    assert m.acted_first.numerator == issues_live.get("party_first", 0)
    assert m.consensus_first.denominator == issues_live.get("consulted", 0)
    assert m.consensus_first.numerator == issues_live.get("consensus_first", 0)
    assert m.plan_rate.denominator == issues_live.get("actions", 0)
    volunteers = live.volunteers(period.first, period.last)
    assert m.total("hours_centi:") == volunteers["hours_centi"], node.name
    assert m.volunteer_services == volunteers["services"], node.name
    acts = live.activities(period.first, period.last)
    for metric in ("held", "seats", "confirmed", "checkins", "helpers", "helper_centi"):
        assert m.get(metric) == acts.get(metric, 0), (node.name, metric)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.fixed_dictionaries(
        {
            "appeals": appeals,
            "issues": issues,
            "meetings": meetings,
            "hours": volunteer_hours,
            "activities": activities,
        }
    )
)
def test_rollups_equal_live_computation(world: World, data: dict) -> None:
    with transaction.atomic():
        build(world, data)
        refresh_rollups(date(2025, 1, 1), date(2025, 12, 31), now=NOW)
        nodes = [
            (place_node(world.subdistrict), live_for(world.subdistrict), world.subdistrict),
            (place_node(world.north), live_for(world.north), world.north),
            (place_node(world.south), live_for(world.south), world.south),
            (place_node(world.block), live_for(world.block), world.block),
            (grid_node(world.grid), live_for(grid=world.grid), world.building_group),
        ]
        for period in PERIODS:
            for node, live, appeal_place in nodes:
                check_node(node, live, appeal_place, period)
        transaction.set_rollback(True)


def test_structure_snapshot_counts(world: World) -> None:
    refresh_rollups(date(2025, 10, 1), date(2025, 10, 31), now=NOW)
    period = Period((2025, 10), (2025, 10))
    for place in (world.subdistrict, world.north, world.block):
        node = place_node(place)
        values, day = read_values([node.key], period)
        m = Measures(values[node.key], day)
        assert day == date(2025, 10, 20)
        assert m.get("residents") == Resident.objects.filter(subtree_q(place.path)).count()
        gaps = check_structure(place) if place == world.subdistrict else None
        if gaps is not None:
            assert m.gap_errors + m.gap_warnings == len(gaps)
    grid = grid_node(world.grid)
    values, _day = read_values([grid.key], period)
    m = Measures(values[grid.key])
    assert m.get("grids") == 1
    assert m.party_group_coverage.percent == 100.0
    assert m.team_coverage.percent == 100.0


def test_refresh_is_idempotent_and_replaces_its_days(world: World) -> None:
    from sanxian.dashboards.models import DailyRollup

    add_issue(
        world.building, [(IssueState.COLLECTED.value, at(30)), (IssueState.THINK.value, at(2))]
    )
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    first = sorted(DailyRollup.objects.values_list("node", "day", "metric", "value"))
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    assert sorted(DailyRollup.objects.values_list("node", "day", "metric", "value")) == first
    assert first


def test_refresh_of_one_tree_leaves_the_others(world: World) -> None:
    from sanxian.dashboards.models import DailyRollup
    from sanxian.places.services import create_subdistrict

    other = create_subdistrict(name="另一街道", district="测试区")
    add_issue(world.building, [(IssueState.COLLECTED.value, at(30))])
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    before = DailyRollup.objects.filter(root=world.subdistrict.path).count()
    DailyRollup.objects.create(
        node=other.path,
        kind="subdistrict",
        root=other.path,
        day=date(2025, 10, 1),
        family="issues",
        metric="raised",
        value=7,
    )
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), [world.north], now=NOW)
    assert DailyRollup.objects.filter(root=world.subdistrict.path).count() == before
    assert DailyRollup.objects.get(node=other.path, metric="raised").value == 7


def test_party_first_checks(world: World) -> None:
    """先议 on the consultation's own day counts; a consultation before the party's
    consensus does not. 先行: a party member's action first counts; a resident first not."""
    same_day = add_issue(
        world.building,
        [
            (IssueState.COLLECTED.value, at(200)),
            (IssueState.THINK.value, at(100)),
            (IssueState.DELIBERATE.value, at(50)),
        ],
    )
    too_early = add_issue(
        world.building,
        [
            (IssueState.COLLECTED.value, at(200)),
            (IssueState.THINK.value, at(100)),
            (IssueState.DELIBERATE.value, at(10)),
        ],
    )
    Consultation.objects.create(issue=same_day, held_on=day_of(at(50)), attendees=9, summary="x")
    Consultation.objects.create(issue=too_early, held_on=day_of(at(80)), attendees=9, summary="x")
    for issue, party_at, resident_at in ((same_day, 40, 30), (too_early, 20, 30)):
        ActionRecord.objects.create(
            issue=issue, name="党员", is_party_member=True, acted_at=at(party_at), what="先做"
        )
        ActionRecord.objects.create(
            issue=issue, name="居民", is_party_member=False, acted_at=at(resident_at), what="跟进"
        )
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    node = place_node(world.north)
    values, _day = read_values([node.key], Period((2025, 9), (2025, 10)))
    m = Measures(values[node.key])
    assert (m.consensus_first.numerator, m.consensus_first.denominator) == (1, 2)
    assert (m.acted_first.numerator, m.acted_first.denominator) == (1, 2)
    assert (m.party_first.numerator, m.party_first.denominator) == (2, 4)
    assert m.xing == 25.0  # average of 0 % under an adopted plan and 50 % compliance


def test_structure_snapshots_are_kept_as_history(world: World) -> None:
    from sanxian.dashboards.models import DailyRollup
    from sanxian.dashboards.services import refresh_all

    earlier = NOW - timedelta(days=40)
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=earlier)
    refresh_all(now=NOW)
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    days = set(
        DailyRollup.objects.filter(family="structure", node=world.north.path).values_list(
            "day", flat=True
        )
    )
    assert days == {day_of(earlier), day_of(NOW)}
    # A period ending before today reads the snapshot of its time.
    node = place_node(world.north)
    _values, day = read_values([node.key], Period((2025, 9), (2025, 9)))
    assert day == day_of(earlier)


def test_long_id_lists_are_read_in_slices(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """SQLite limits the parameters of one statement: a refresh over many issues reads their
    ids in slices and gives what one slice would."""
    from sanxian.dashboards import measures
    from sanxian.dashboards.models import DailyRollup

    for n in range(5):
        add_issue(
            world.building,
            [(IssueState.COLLECTED.value, at(40 + n)), (IssueState.THINK.value, at(3 + n))],
        )
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    whole = sorted(DailyRollup.objects.values_list("node", "day", "metric", "value"))
    monkeypatch.setattr(measures, "ID_SLICE", 2)
    assert list(measures.in_slices({5, 1, 4, 2, 3})) == [[1, 2], [3, 4], [5]]
    refresh_rollups(date(2025, 9, 1), date(2025, 10, 31), now=NOW)
    assert sorted(DailyRollup.objects.values_list("node", "day", "metric", "value")) == whole
    assert any(metric == "moves:think" for _n, _d, metric, _v in whole)
