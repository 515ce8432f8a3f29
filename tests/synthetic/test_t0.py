"""The T0 tier (one neighborhood) generated once for this module: its sizes, its shape, the
tree invariants, the structure check and the dashboards on it, and what the command says
when there is nothing to do or the input is bad."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.urls import reverse

from sanxian.accounts.models import User
from sanxian.activities.models import Activity, ActivitySignup, ActivityState
from sanxian.activities.models import SignupState as ActivitySignupState
from sanxian.appeals.models import Appeal, AppealState, EscalationLevel
from sanxian.grids.models import Grid, GridTeamTerm
from sanxian.issues.gates import missing_for, with_facts
from sanxian.issues.models import Issue, IssueEvent, IssueState
from sanxian.meetings.models import Invitation, Meeting
from sanxian.party.models import PartyMember, PartyOrg
from sanxian.party.structure import check_structure
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH, subtree_q
from sanxian.synthetic.generate import Report, synthetic_roots
from sanxian.synthetic.texts import username
from sanxian.volunteers.models import DutyShift, HoursEntry, ShiftSignup, Volunteer

pytestmark = pytest.mark.django_db

# docs/quality.md, "Data tiers": T0 is one neighborhood of ~4k residents, 1.5k households,
# 10 grids, 350 party members, 1k issues and 3k appeals. The generator draws each
# neighborhood's sizes around those numbers; every count must lie within 15 % of them.
QUALITY_T0 = {
    "residents": 4000,
    "households": 1500,
    "grids": 10,
    "party members": 350,
    "issues": 1000,
    "appeals": 3000,
}
TOLERANCE = 0.15


def _hood() -> Place:
    root = synthetic_roots()[0]
    return Place.objects.get(subtree_q(root.path), kind=PlaceKind.NEIGHBORHOOD)


def test_t0_has_the_sizes_of_the_tier(t0: Report) -> None:
    assert t0.created == [(1, 1)]
    under = subtree_q(_hood().path)
    got = {
        "residents": Resident.objects.filter(under).count(),
        "households": Place.objects.filter(under, kind=PlaceKind.HOUSEHOLD).count(),
        "grids": Grid.objects.filter(under).count(),
        "party members": PartyMember.objects.filter(under).count(),
        "issues": Issue.objects.filter(under).count(),
        "appeals": Appeal.objects.filter(under).count(),
    }
    for name, target in QUALITY_T0.items():
        assert abs(got[name] - target) <= TOLERANCE * target, (name, got[name], target)
    assert got["grids"] == 10
    # party members are about 8 % of the residents
    assert 0.07 <= got["party members"] / got["residents"] <= 0.09
    # the report counts what was written
    assert t0.rows["places.Resident"] == got["residents"]
    assert t0.rows["appeals.Appeal"] == got["appeals"]


def test_t0_has_the_shape_of_the_demo(t0: Report) -> None:
    hood = _hood()
    under = subtree_q(hood.path)
    floors = Place.objects.filter(under, kind=PlaceKind.BUILDING).values_list("floors", flat=True)
    assert floors and all(6 <= f <= 20 for f in floors)
    # every building group spans floors of its building and lies in a grid of its block
    for group in Place.objects.filter(under, kind=PlaceKind.BUILDING_GROUP).select_related("grid"):
        assert group.floor_from is not None and group.floor_to is not None
        assert 1 <= group.floor_from <= group.floor_to
        assert group.grid is not None and group.path.startswith(group.grid.path)
    # each grid has its three-person team, the party group leader a party member
    members = set(
        PartyMember.objects.filter(under, resident__isnull=False).values_list(
            "resident_id", flat=True
        )
    )
    for grid in Grid.objects.filter(under):
        team = {
            t.role: t.resident_id
            for t in GridTeamTerm.objects.filter(grid=grid, ends_on__isnull=True)
        }
        assert len(team) == 3
        assert team["party_group_leader"] in members
    # residents: names, genders, birth years, relations; some sealed numbers
    residents = Resident.objects.filter(under)
    assert set(residents.values_list("gender", flat=True)) == {"female", "male"}
    assert set(residents.values_list("relation", flat=True)) == {"owner", "family", "tenant"}
    sealed = residents.exclude(id_number_digest="").count()
    phones = residents.exclude(phone_digest="").count()
    assert 0.2 * residents.count() < sealed < 0.5 * residents.count()
    assert 0.2 * residents.count() < phones < 0.5 * residents.count()
    # issues in every state, with their events
    issue_states = Counter(Issue.objects.filter(under).values_list("state", flat=True))
    assert set(issue_states) == set(IssueState.values)
    assert issue_states[IssueState.DONE] > issue_states[IssueState.COLLECTED]
    no_events = Issue.objects.filter(under).annotate(n=Count("events")).filter(n=0)
    assert not no_events.exists()
    # appeals in every state; rated, escalated, merged into issues
    appeal_states = Counter(Appeal.objects.filter(under).values_list("state", flat=True))
    assert set(appeal_states) == set(AppealState.values)
    appeals = Appeal.objects.filter(under)
    assert appeals.exclude(rating="").count() > appeals.count() // 2
    assert appeals.filter(escalation_level=EscalationLevel.SUBDISTRICT).exists()
    assert not appeals.filter(state=AppealState.MERGED, issue__isnull=True).exists()
    # meetings on the 5th, 15th and 25th (before the holiday shift), with attendance
    meetings = Meeting.objects.filter(under)
    assert {d.day for d in meetings.values_list("scheduled_for", flat=True)} == {5, 15, 25}
    assert meetings.filter(held=True).count() >= 30
    attended = Invitation.objects.filter(meeting__path=hood.path, attended=True).count()
    assert attended > Invitation.objects.filter(meeting__path=hood.path).count() // 3
    # volunteers with hours, activities with sign-ups
    assert Volunteer.objects.filter(under).count() > 60
    assert HoursEntry.objects.filter(under, state="approved").count() > 500
    assert Activity.objects.filter(under, state=ActivityState.HELD).count() >= 20
    assert ActivitySignup.objects.filter(activity__path__startswith=hood.path).count() > 500


def test_gates_hold_on_the_record(t0: Report) -> None:
    """An issue that left a gated state did so with its gate satisfied on the record."""
    under = subtree_q(_hood().path)
    passed = {
        IssueState.DELIBERATE: [IssueState.DELIBERATE, IssueState.ACT, IssueState.DONE],
        IssueState.ACT: [IssueState.ACT, IssueState.DONE],
        IssueState.DONE: [IssueState.DONE],
    }
    for target, states in passed.items():
        issues = with_facts(Issue.objects.filter(under, state__in=states))
        blocked = [(i.pk, missing_for(i, target)) for i in issues if missing_for(i, target)]
        assert not blocked, (target, blocked[:3])


def test_tree_invariants(t0: Report) -> None:
    for model in (Place, PartyOrg):
        assert all(not problems for problems in model.objects.find_problems()), model
        # numchild is the number of children, for every node
        paths = list(model.objects.values_list("path", "numchild"))
        children = Counter(path[:-STEP_LENGTH] for path, _n in paths if len(path) > STEP_LENGTH)
        wrong = [(p, n) for p, n in paths if children.get(p, 0) != n]
        assert not wrong, (model, wrong[:5])
    root = synthetic_roots()[0]
    assert root.numchild == 1
    assert check_structure(root) == []
    # counters that pages read
    activities = Activity.objects.filter(subtree_q(root.path)).annotate(
        confirmed=Count("signups", filter=Q(signups__state=ActivitySignupState.CONFIRMED))
    )
    assert all(a.taken == a.confirmed <= a.capacity for a in activities)
    shifts = DutyShift.objects.filter(subtree_q(root.path, "roster__path")).annotate(
        signed=Count("signups", filter=Q(signups__state="signed"))
    )
    assert all(s.taken == s.signed <= s.capacity for s in shifts)
    assert not ShiftSignup.objects.filter(
        checked_out_at__isnull=False, hours_entry__isnull=True
    ).exists()
    # events are in time order with the issue's current state last
    last = {}
    for issue_id, to_state in IssueEvent.objects.order_by("issue_id", "at", "id").values_list(
        "issue_id", "to_state"
    ):
        last[issue_id] = to_state
    assert all(last[pk] == state for pk, state in Issue.objects.values_list("id", "state"))


def test_structure_check_and_dashboards_render(t0: Report, client) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("refresh_rollups", stdout=out)
    assert "full:" in out.getvalue()
    hood = _hood()
    root = synthetic_roots()[0]
    grid = Grid.objects.filter(subtree_q(hood.path)).order_by("number").first()
    assert grid is not None
    pages = {
        username(1, 0, "admin"): [
            reverse("party:structure", args=[root.pk]),
            reverse("party:structure", args=[hood.pk]),
            reverse("dashboards:place", args=[root.pk]),
            reverse("dashboards:place", args=[hood.pk]),
            reverse("dashboards:grid", args=[grid.pk]),
        ],
        username(1, 1, "secretary"): [
            reverse("party:structure", args=[hood.pk]),
            reverse("dashboards:place", args=[hood.pk]),
        ],
    }
    for name, urls in pages.items():
        client.force_login(User.objects.get(username=name))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (name, url)
    # the dashboard shows the neighborhood's data (roll-ups were written for it)
    response = client.get(reverse("dashboards:place", args=[hood.pk]))
    assert hood.name in response.content.decode()


def test_same_tier_again_adds_nothing_and_says_so(t0: Report) -> None:
    before = (Resident.objects.count(), Appeal.objects.count(), Place.objects.count())
    out = io.StringIO()
    call_command("generate_synthetic", "--tier", "T0", "--seed", "1", stdout=out)
    assert "already complete" in out.getvalue()
    assert (Resident.objects.count(), Appeal.objects.count(), Place.objects.count()) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tier", "T0", "--seed", "2"], "seed 1"),
        (["--tier", "T0", "--seed", "1", "--today", "2026-02-30"], "--today"),
        (["--tier", "T0", "--seed", "1", "--today", "2025-06-30"], "as of 2026-06-30"),
        (["--tier", "T9", "--seed", "1"], "T9"),
        (["--tier", "T0", "--seed", "x"], "seed"),
        (["--tier", "T0", "--seed", "-1"], "whole number"),
        (["--tier", "T0", "--seed", "1", "--workers", "-1"], "workers"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(t0: Report, args, message) -> None:  # type: ignore[no-untyped-def]
    before = (Resident.objects.count(), Place.objects.count())
    with pytest.raises(CommandError) as refused:
        call_command("generate_synthetic", *args, stdout=io.StringIO())
    assert message in str(refused.value)
    assert (Resident.objects.count(), Place.objects.count()) == before


def test_sign_ins_are_a_handful_per_neighborhood(t0: Report) -> None:
    names = set(User.objects.filter(username__startswith="s01").values_list("username", flat=True))
    assert {username(1, 0, "admin"), username(1, 1, "secretary")} <= names
    assert 5 <= len(names) <= 20
    # one password hash for all of them
    assert User.objects.filter(username__in=names).values("password").distinct().count() == 1
