"""Records written straight to the tables (with chosen times) for the roll-up tests, and a
live computation of the dashboard's measures to compare the roll-ups with."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from sanxian.activities.models import (
    Activity,
    ActivityHelper,
    ActivitySignup,
    ActivityState,
    OrganiserKind,
)
from sanxian.activities.models import SignupState as ActivitySignupState
from sanxian.appeals.models import Appeal, AppealCategory, AppealState, Rating
from sanxian.appeals.selectors import appeal_rates, period_bounds
from sanxian.grids.models import Grid
from sanxian.issues.gates import party_acted_first
from sanxian.issues.models import (
    MAIN_LINE,
    ActionRecord,
    Issue,
    IssueEvent,
    IssueSource,
    IssueState,
)
from sanxian.meetings.models import Invitation, InviteeGroup, Meeting, MeetingKind
from sanxian.meetings.services import rule_for, shift_for_holidays
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.places.paths import any_subtree_q, subtree_q
from sanxian.volunteers.models import HoursEntry, HoursSource, HoursState, Volunteer
from sanxian.workdays.selectors import SHANGHAI

NOW = datetime(2025, 10, 20, 12, 0, tzinfo=SHANGHAI)


def at(hours_before: float) -> datetime:
    return NOW - timedelta(hours=hours_before)


def day_of(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def get_category() -> AppealCategory:
    return AppealCategory.objects.get_or_create(
        name="楼道堆物", defaults={"response_hours": 24, "resolution_working_days": 5}
    )[0]


def add_appeal(
    place: Place,
    category: AppealCategory,
    *,
    created: datetime,
    response_hours: float,
    resolution_hours: float,
    contacted_after: float | None,
    state: str,
    closed_after: float | None,
    rating: str,
    rated_after: float | None,
) -> Appeal:
    closed = state in (AppealState.RESOLVED, AppealState.REJECTED)
    closed_at = created + timedelta(hours=closed_after or 1) if closed else None
    rated_at = None
    if closed and rating and closed_at is not None:
        rated_at = closed_at + timedelta(hours=rated_after or 1)
    return Appeal.objects.create(
        category=category,
        text="楼道里堆满了杂物",
        place=place,
        path=place.path,
        state=state,
        created_at=created,
        state_changed_at=closed_at or created,
        response_due_at=created + timedelta(hours=response_hours),
        resolution_due_at=created + timedelta(hours=resolution_hours),
        first_contacted_at=(
            created + timedelta(hours=contacted_after) if contacted_after is not None else None
        ),
        closed_at=closed_at,
        rating=rating if rated_at else "",
        rating_state=state if rated_at else "",
        rated_at=rated_at,
    )


def add_issue(place: Place, steps: list[tuple[str, datetime]]) -> Issue:
    """An issue whose history is ``steps`` (state entered, when), first one collected."""
    issue = Issue.objects.create(
        place=place,
        path=place.path,
        title="议题",
        source=IssueSource.STAFF,
        state=steps[-1][0],
        goals="目标",
    )
    previous = ""
    for state, when in steps:
        event = IssueEvent.objects.create(issue=issue, from_state=previous, to_state=state)
        IssueEvent.objects.filter(pk=event.pk).update(at=when)
        previous = state
    return issue


def add_meeting(
    place: Place,
    kind: str,
    starts_at: datetime,
    *,
    scheduled: bool,
    held: bool,
    minutes: bool,
    invitees: list[tuple[str, bool]],
) -> Meeting:
    meeting = Meeting.objects.create(
        kind=kind,
        place=place,
        path=place.path,
        title="会议",
        starts_at=starts_at,
        scheduled_for=starts_at.astimezone(SHANGHAI).date() if scheduled else None,
        held=held,
        minutes="纪要" if minutes else "",
    )
    Invitation.objects.bulk_create(
        Invitation(meeting=meeting, name=f"人{i}", role=role, attended=came)
        for i, (role, came) in enumerate(invitees)
    )
    return meeting


def get_volunteer(place: Place, name: str = "志愿者") -> Volunteer:
    return Volunteer.objects.get_or_create(
        name=name, place=place, defaults={"path": place.path, "registered_on": date(2024, 1, 1)}
    )[0]


def add_hours(
    volunteer: Volunteer,
    place: Place,
    *,
    started: datetime,
    hours: str,
    state: str = HoursState.APPROVED,
    source: str = HoursSource.SHIFT,
) -> HoursEntry:
    return HoursEntry.objects.create(
        volunteer=volunteer,
        path=place.path,
        service="值班",
        started_at=started,
        ended_at=started + timedelta(hours=max(float(hours), 0.5)),
        hours=Decimal(hours),
        source=source,
        state=state,
        decided_at=started + timedelta(days=1) if state != HoursState.PENDING else None,
    )


def add_activity(
    place: Place,
    *,
    starts: datetime,
    capacity: int,
    state: str = ActivityState.HELD,
    signups: list[tuple[str, bool]] = (),  # type: ignore[assignment]
    helpers: list[tuple[Volunteer, str | None]] = (),  # type: ignore[assignment]
    title: str = "",
) -> Activity:
    """An activity with sign-ups (state, checked in) of the residents under ``place``."""
    activity = Activity.objects.create(
        place=place,
        path=place.path,
        title=title or f"活动{Activity.objects.count() + 1}",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
        signup_closes_at=starts,
        organiser_kind=OrganiserKind.COMMITTEE,
        state=state,
    )
    residents = list(Resident.objects.filter(subtree_q(place.path)).order_by("id"))
    for resident, (signup_state, came) in zip(residents, signups, strict=False):
        ActivitySignup.objects.create(
            activity=activity,
            resident=resident,
            state=signup_state,
            checked_in_at=starts if came else None,
        )
    for volunteer, hours in helpers:
        ActivityHelper.objects.create(
            activity=activity, volunteer=volunteer, hours=Decimal(hours) if hours else None
        )
    return activity


# --- The live computation ---------------------------------------------------------------


@dataclass
class Live:
    """The measures of one node computed from the records themselves."""

    where: object  # a Q over ``path``

    def states_at(self, end_at: datetime) -> Counter:
        events = (
            IssueEvent.objects.filter(at__lt=end_at)
            .filter(self._q("issue__path"))
            .order_by("issue_id", "at", "id")
            .values_list("issue_id", "to_state")
        )
        last: dict[int, str] = {}
        for issue_id, state in events:
            last[issue_id] = state
        return Counter(last.values())

    def _q(self, field: str):  # type: ignore[no-untyped-def]
        paths = self.where
        assert isinstance(paths, list)
        return any_subtree_q(paths, field)

    def appeals(self, place: Place | None, start: date, end: date) -> dict[str, tuple[int, int]]:
        assert place is not None
        rates = appeal_rates(place, start, end, now=NOW)
        return {k: (int(v["numerator"]), int(v["denominator"])) for k, v in rates.items()}  # type: ignore[call-overload]

    def cycle(self, start: date, end: date) -> dict[str, int]:
        start_at, end_at = period_bounds(start, end)
        out: Counter = Counter()
        meetings = Meeting.objects.filter(
            self._q("path"), starts_at__gte=start_at, starts_at__lt=end_at
        )
        for m in meetings.select_related("place"):
            if m.held:
                out["held"] += 1
                out["minutes"] += bool(m.minutes.strip())
            if m.scheduled_for is not None and m.starts_at <= NOW:
                out["due"] += 1
                policy = rule_for(m.place).holiday_policy
                if m.held and day_of(m.starts_at) == shift_for_holidays(m.scheduled_for, policy):
                    out["on_schedule"] += 1
            if m.held:
                for inv in m.invitations.all():
                    out["invited"] += 1
                    out["attended"] += int(inv.attended)
        return dict(out)

    def issues(self, start: date, end: date) -> dict[str, int]:
        start_at, end_at = period_bounds(start, end)
        out: Counter = Counter()
        for issue in Issue.objects.filter(self._q("path")):
            events = list(issue.events.order_by("at", "id"))
            for prev, event in pairwise(events):
                if start_at <= event.at < end_at:
                    out["exits"] += 1
                    out["seconds"] += int((event.at - prev.at).total_seconds())
                    i = MAIN_LINE.index(event.from_state) if event.from_state in MAIN_LINE else -1
                    if i >= 0 and i + 1 < len(MAIN_LINE) and MAIN_LINE[i + 1] == event.to_state:
                        out["moves"] += 1
            actions = list(issue.actions.order_by("acted_at", "id"))
            if actions and start_at <= actions[0].acted_at < end_at:
                out["first_actions"] += 1
                party = next((a.acted_at for a in actions if a.is_party_member), None)
                resident = next((a.acted_at for a in actions if not a.is_party_member), None)
                out["party_first"] += int(party_acted_first(party, resident))
            for a in actions:
                if start_at <= a.acted_at < end_at:
                    out["actions"] += 1
            held = sorted(c.held_on for c in issue.consultations.all())
            if held and start_at.date() <= held[0] <= end_at.date() - timedelta(days=1):
                out["consulted"] += 1
                entered = next((e.at for e in events if e.to_state == IssueState.DELIBERATE), None)
                out["consensus_first"] += int(entered is not None and day_of(entered) <= held[0])
        return dict(out)

    def volunteers(self, start: date, end: date) -> dict[str, int]:
        start_at, end_at = period_bounds(start, end)
        entries = HoursEntry.objects.filter(
            self._q("path"),
            state=HoursState.APPROVED,
            started_at__gte=start_at,
            started_at__lt=end_at,
        )
        return {
            "hours_centi": sum(int(e.hours * 100) for e in entries),
            "services": entries.count(),
        }

    def activities(self, start: date, end: date) -> dict[str, int]:
        start_at, end_at = period_bounds(start, end)
        out: Counter = Counter()
        held = Activity.objects.filter(
            self._q("path"),
            state=ActivityState.HELD,
            starts_at__gte=start_at,
            starts_at__lt=end_at,
        )
        for a in held:
            out["held"] += 1
            out["seats"] += a.capacity
            for s in a.signups.filter(state=ActivitySignupState.CONFIRMED):
                out["confirmed"] += 1
                out["checkins"] += s.checked_in_at is not None
            for h in a.helpers.all():
                hours = h.hours if h.hours is not None else Decimal(2)
                out["helpers"] += 1
                out["helper_centi"] += int(hours * 100)
        return dict(out)


def live_for(place: Place | None = None, grid: Grid | None = None) -> Live:
    if grid is not None:
        paths = list(
            Place.objects.filter(grid=grid, kind=PlaceKind.BUILDING_GROUP).values_list(
                "path", flat=True
            )
        )
        return Live(paths)
    assert place is not None
    return Live([place.path])


__all__ = [
    "NOW",
    "ActionRecord",
    "InviteeGroup",
    "IssueState",
    "MeetingKind",
    "Rating",
    "add_activity",
    "add_appeal",
    "add_hours",
    "add_issue",
    "add_meeting",
    "at",
    "day_of",
    "get_volunteer",
    "live_for",
    "subtree_q",
]
