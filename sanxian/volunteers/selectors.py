"""Reads of volunteers, teams, rosters and the hours ledger, scoped to the user.

Who sees what:

- teams, rosters, shifts and the honour roll: everyone whose community (the scope widened
  to whole neighborhoods, so residents see what is on where they live) holds the team, and
  the team's own members;
- who manages a team (edits rosters, marks check-in and check-out, decides swaps and
  hours): its leaders and the leaders of the teams above it, and staff whose scope covers
  the team's place;
- a person's ledger and service record: the person, the leaders of their teams, and staff
  whose scope covers the person or one of their teams.

Everything else answers 404, so ids cannot be probed. Each page's reads are a fixed number
of queries whatever the number of teams, members, shifts or entries.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian.accounts.scope import Scope, get_scope
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import any_subtree_q, widen
from sanxian.volunteers.models import (
    DutyShift,
    HoursEntry,
    HoursState,
    Roster,
    ShiftSignup,
    SignupState,
    SwapRequest,
    SwapState,
    TeamMembership,
    Volunteer,
    VolunteerTeam,
)
from sanxian.volunteers.services import checkin_window

NEIGHBORHOOD_DEPTH = 2
MAX_SHIFTS = 60
ROSTER_DAYS = 14
MAX_PENDING = 100
MAX_ROLL = 50
MAX_LEDGER = 200
MAX_MINE = 20


# --- Who is looking -------------------------------------------------------------------


def volunteer_for_user(user) -> Volunteer | None:
    """The signed-in person's volunteer record: linked to the sign-in, or to its resident."""
    if not user.is_authenticated:
        return None
    found = list(Volunteer.objects.filter(_volunteer_q(user))[:2])
    for v in found:
        if v.user_id == user.pk:
            return v
    return found[0] if found else None


@dataclass
class Viewer:
    user: object
    scope: Scope
    volunteer: Volunteer | None
    # Teams the person belongs to now, and teams they lead (with every team below those).
    member_team_ids: frozenset[int] = frozenset()
    led_team_ids: frozenset[int] = frozenset()

    @property
    def is_leader(self) -> bool:
        return bool(self.led_team_ids)

    @property
    def sees_anything(self) -> bool:
        return bool(self.scope.community_paths) or self.volunteer is not None

    def sees_team(self, team: VolunteerTeam) -> bool:
        return (
            self.scope.in_community(team.path)
            or team.pk in self.member_team_ids
            or team.pk in self.led_team_ids
        )

    def manages_team(self, team: VolunteerTeam) -> bool:
        return team.pk in self.led_team_ids or (
            self.scope.is_staff and self.scope.covers(team.path)
        )

    def community_q(self, field: str = "path") -> Q:
        return self.scope.community_q(field)

    def managed_q(self, team_field: str = "team_id", path_field: str = "path") -> Q:
        """Records of teams the person manages (a filter on ``team_field`` / ``path_field``)."""
        q = Q(**{f"{team_field}__in": list(self.led_team_ids)})
        if self.scope.is_staff:
            q |= self.scope.q(path_field)
        return q


def _descendants(team_ids: set[int], paths: list[str]) -> set[int]:
    """``team_ids`` and every team below them (teams of the same neighborhoods)."""
    if not team_ids:
        return set()
    children: dict[int, list[int]] = defaultdict(list)
    rows = VolunteerTeam.objects.filter(
        any_subtree_q(widen(paths, NEIGHBORHOOD_DEPTH)), parent__isnull=False
    ).values_list("id", "parent_id")
    for pk, parent_id in rows:
        children[parent_id].append(pk)
    result = set(team_ids)
    todo = list(team_ids)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in result:
                result.add(child)
                todo.append(child)
    return result


def _volunteer_q(user, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}user_id": user.pk})
    if user.resident_id is not None:
        q |= Q(**{f"{prefix}resident_id": user.resident_id})
    return q


def get_viewer(user) -> Viewer:
    """Who is looking: scope, volunteer record, teams (one query for a team member)."""
    cached = getattr(user, "_sanxian_volunteer_viewer", None)
    if cached is not None:
        return cached
    scope = get_scope(user)
    volunteer: Volunteer | None = None
    member_ids: set[int] = set()
    led: set[int] = set()
    led_paths: list[str] = []
    if user.is_authenticated:
        rows = list(
            TeamMembership.objects.filter(
                _volunteer_q(user, "volunteer__"), left_on__isnull=True
            ).select_related("volunteer", "team")
        )
        # A sign-in linked both ways prefers the volunteer linked to the sign-in itself.
        volunteers = {m.volunteer.pk: m.volunteer for m in rows}
        volunteer = next(
            (v for v in volunteers.values() if v.user_id == user.pk),
            next(iter(volunteers.values()), None),
        )
        if volunteer is None:
            volunteer = volunteer_for_user(user)
        for m in rows:
            if m.volunteer_id != getattr(volunteer, "pk", None):
                continue
            member_ids.add(m.team_id)
            if m.is_leader:
                led.add(m.team_id)
                led_paths.append(m.team.path)
    viewer = Viewer(
        user=user,
        scope=scope,
        volunteer=volunteer,
        member_team_ids=frozenset(member_ids),
        led_team_ids=frozenset(_descendants(led, led_paths)),
    )
    if user.is_authenticated:
        user._sanxian_volunteer_viewer = viewer
    return viewer


def require_viewer(user) -> Viewer:
    """The viewer, or 404 for someone with nothing to see here (the auditor, no roles)."""
    viewer = get_viewer(user)
    if not viewer.sees_anything:
        raise Http404
    return viewer


# --- Access helpers (404 outside the scope) ---------------------------------------------


def get_team_for_user(user, pk: int, *, manage: bool = False) -> VolunteerTeam:
    viewer = get_viewer(user)
    team = VolunteerTeam.objects.select_related("place", "parent").filter(pk=pk).first()
    if team is None or not viewer.sees_team(team):
        raise Http404
    if manage and not viewer.manages_team(team):
        raise Http404
    return team


def get_roster_for_user(user, pk: int, *, manage: bool = False) -> Roster:
    viewer = get_viewer(user)
    roster = Roster.objects.select_related("team", "team__parent", "place").filter(pk=pk).first()
    if roster is None or not viewer.sees_team(roster.team):
        raise Http404
    if manage and not viewer.manages_team(roster.team):
        raise Http404
    return roster


def get_shift_for_user(user, pk: int, *, manage: bool = False) -> DutyShift:
    viewer = get_viewer(user)
    shift = (
        DutyShift.objects.select_related("roster", "roster__team", "roster__place")
        .filter(pk=pk)
        .first()
    )
    if shift is None or not viewer.sees_team(shift.roster.team):
        raise Http404
    if manage and not viewer.manages_team(shift.roster.team):
        raise Http404
    return shift


def get_signup_for_user(user, pk: int, *, own: bool = False, manage: bool = False) -> ShiftSignup:
    """A sign-up: ``own`` — the person's own; ``manage`` — one of a team they manage."""
    viewer = get_viewer(user)
    signup = (
        ShiftSignup.objects.select_related(
            "shift", "shift__roster", "shift__roster__team", "volunteer"
        )
        .filter(pk=pk)
        .first()
    )
    if signup is None:
        raise Http404
    team = signup.shift.roster.team
    if own and (viewer.volunteer is None or signup.volunteer_id != viewer.volunteer.pk):
        raise Http404
    if manage and not viewer.manages_team(team):
        raise Http404
    if not viewer.sees_team(team):
        raise Http404
    return signup


def _volunteer_team_paths(volunteer: Volunteer) -> list[tuple[int, str]]:
    return list(
        TeamMembership.objects.filter(volunteer=volunteer).values_list("team_id", "team__path")
    )


def get_volunteer_for_user(user, pk: int) -> Volunteer:
    """A person's ledger and service record: the person, their team leaders, staff."""
    viewer = get_viewer(user)
    volunteer = Volunteer.objects.select_related("place", "resident").filter(pk=pk).first()
    if volunteer is None:
        raise Http404
    if viewer.volunteer is not None and viewer.volunteer.pk == volunteer.pk:
        return volunteer
    teams = _volunteer_team_paths(volunteer)
    if any(team_id in viewer.led_team_ids for team_id, _p in teams):
        return volunteer
    scope = viewer.scope
    if scope.is_staff and (scope.covers(volunteer.path) or any(scope.covers(p) for _t, p in teams)):
        return volunteer
    raise Http404


def _decidable_entries(viewer: Viewer) -> QuerySet[HoursEntry]:
    return HoursEntry.objects.filter(viewer.managed_q("team_id", "path"))


def get_entries_for_decision(user, ids: list[int]) -> list[HoursEntry]:
    """The pending entries among ``ids`` that the user may decide (others are ignored)."""
    viewer = get_viewer(user)
    if not (viewer.is_leader or viewer.scope.is_staff):
        raise Http404
    return list(_decidable_entries(viewer).filter(pk__in=ids, state=HoursState.PENDING))


def get_swap_for_decision(user, pk: int) -> SwapRequest:
    viewer = get_viewer(user)
    swap = (
        SwapRequest.objects.select_related(
            "signup",
            "signup__shift",
            "signup__shift__roster",
            "signup__shift__roster__team",
            "to_volunteer",
        )
        .filter(pk=pk)
        .first()
    )
    if swap is None or not viewer.manages_team(swap.signup.shift.roster.team):
        raise Http404
    return swap


# --- Teams ------------------------------------------------------------------------------


@dataclass
class TeamRow:
    team: VolunteerTeam
    members: int
    mine: bool
    children: list[TeamRow] = field(default_factory=list)


def _member_count() -> Count:
    return Count("memberships", filter=Q(memberships__left_on__isnull=True), distinct=True)


def team_list(user) -> list[TeamRow]:
    """Visible teams as a forest: top teams first, each with its teams below."""
    viewer = require_viewer(user)
    teams = list(
        VolunteerTeam.objects.filter(viewer.community_q() | Q(pk__in=list(viewer.member_team_ids)))
        .select_related("place", "parent")
        .annotate(n=_member_count())
        .order_by("path", "created_on", "name", "id")
    )
    rows = {t.pk: TeamRow(t, t.n, t.pk in viewer.member_team_ids) for t in teams}
    roots: list[TeamRow] = []
    for t in teams:
        row = rows[t.pk]
        if t.parent_id in rows:
            rows[t.parent_id].children.append(row)
        else:
            roots.append(row)
    return roots


@dataclass
class TeamPage:
    team: VolunteerTeam
    children: Sequence[VolunteerTeam]
    memberships: list[TeamMembership]
    rosters: list[Roster]
    approved_hours: Decimal
    can_manage: bool
    membership: TeamMembership | None  # the viewer's own, if a member
    can_join: bool


def team_members(team: VolunteerTeam) -> QuerySet[TeamMembership]:
    """The team's current members, leaders first, with their skills: the page and its
    export."""
    return (
        TeamMembership.objects.filter(team=team, left_on__isnull=True)
        .select_related("volunteer")
        .prefetch_related("volunteer__skills")
        .order_by("-is_leader", "joined_on", "id")
    )


def team_page(user, team: VolunteerTeam) -> TeamPage:
    viewer = get_viewer(user)
    children = list(
        VolunteerTeam.objects.filter(parent=team).annotate(n=_member_count()).order_by("name")
    )
    memberships = list(team_members(team))
    rosters = list(
        Roster.objects.filter(team=team)
        .select_related("place")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "id")
    )
    hours = HoursEntry.objects.filter(
        Q(team=team) | Q(team__parent=team), state=HoursState.APPROVED
    ).aggregate(total=Sum("hours"))["total"] or Decimal("0")
    own = None
    if viewer.volunteer is not None:
        own = next((m for m in memberships if m.volunteer_id == viewer.volunteer.pk), None)
    user_can_volunteer = viewer.volunteer is not None or getattr(user, "resident_id", None)
    return TeamPage(
        team=team,
        children=children,
        memberships=memberships,
        rosters=rosters,
        approved_hours=hours,
        can_manage=viewer.manages_team(team),
        membership=own,
        can_join=own is None and bool(user_can_volunteer) and viewer.scope.in_community(team.path),
    )


# --- Rosters and shifts -----------------------------------------------------------------


@dataclass
class ShiftRow:
    shift: DutyShift
    names: list[str]
    mine: ShiftSignup | None


def _shift_rows(shifts: list[DutyShift], viewer: Viewer) -> list[ShiftRow]:
    rows = []
    me = viewer.volunteer.pk if viewer.volunteer is not None else None
    for s in shifts:
        signed = list(s.signed)  # type: ignore[attr-defined]
        rows.append(
            ShiftRow(
                shift=s,
                names=[x.volunteer.name for x in signed],
                mine=next((x for x in signed if x.volunteer_id == me), None),
            )
        )
    return rows


def _signed_prefetch() -> Prefetch:
    return Prefetch(
        "signups",
        queryset=ShiftSignup.objects.filter(state=SignupState.SIGNED)
        .select_related("volunteer")
        .order_by("id"),
        to_attr="signed",
    )


@dataclass
class ServedRow:
    volunteer_id: int
    name: str
    shifts: int
    hours: Decimal


@dataclass
class RosterPage:
    roster: Roster
    shifts: list[ShiftRow]
    can_manage: bool
    can_sign_up: bool
    ended: bool  # the roster's last day has passed: its last shifts are shown
    total_shifts: int
    served: list[ServedRow]


MAX_SERVED = 20


def roster_page(user, roster: Roster, *, now: datetime | None = None) -> RosterPage:
    """Upcoming shifts (the last ones of a roster that has ended), the roster's size and
    who served it most, with their approved hours."""
    viewer = get_viewer(user)
    now = now or timezone.now()
    ended = roster.end_date is not None and roster.end_date < timezone.localdate(now)
    base = DutyShift.objects.filter(roster=roster).prefetch_related(_signed_prefetch())
    if ended:
        shifts = list(reversed(base.order_by("-starts_at")[:ROSTER_DAYS]))
    else:
        until = now + timedelta(days=ROSTER_DAYS)
        shifts = list(
            base.filter(ends_at__gt=now, starts_at__lt=until).order_by("starts_at")[:MAX_SHIFTS]
        )
    served = [
        ServedRow(r["volunteer_id"], r["volunteer__name"], r["n"], r["hours"] or Decimal("0"))
        for r in ShiftSignup.objects.filter(
            shift__roster=roster, state=SignupState.SIGNED, checked_out_at__isnull=False
        )
        .order_by()
        .values("volunteer_id", "volunteer__name")
        .annotate(
            n=Count("id"),
            hours=Sum("hours_entry__hours", filter=Q(hours_entry__state=HoursState.APPROVED)),
        )
        .order_by("-n", "volunteer__name")[:MAX_SERVED]
    ]
    lineage = {roster.team_id, roster.team.parent_id}
    member = bool(lineage & viewer.member_team_ids)
    return RosterPage(
        roster=roster,
        shifts=_shift_rows(shifts, viewer),
        can_manage=viewer.manages_team(roster.team),
        can_sign_up=member and not ended,
        ended=ended,
        total_shifts=DutyShift.objects.filter(roster=roster, starts_at__lt=now).count(),
        served=served,
    )


@dataclass
class ShiftPage:
    shift: DutyShift
    signups: list[ShiftSignup]
    mine: ShiftSignup | None
    can_manage: bool
    can_sign_up: bool
    checkin_open: bool
    swaps: list[SwapRequest]
    swap_choices: list[Volunteer]
    now: datetime

    @property
    def started(self) -> bool:
        return self.shift.starts_at <= self.now

    @property
    def over(self) -> bool:
        return self.shift.ends_at <= self.now


def shift_page(user, shift: DutyShift, *, now: datetime | None = None) -> ShiftPage:
    viewer = get_viewer(user)
    now = now or timezone.now()
    signups = list(
        ShiftSignup.objects.filter(shift=shift)
        .exclude(state=SignupState.CANCELLED)
        .select_related("volunteer", "hours_entry")
        .order_by("id")
    )
    me = viewer.volunteer.pk if viewer.volunteer is not None else None
    mine = next(
        (s for s in signups if s.volunteer_id == me and s.state == SignupState.SIGNED), None
    )
    team = shift.roster.team
    member = bool({team.pk, team.parent_id} & viewer.member_team_ids)
    can_manage = viewer.manages_team(team)
    swaps: list[SwapRequest] = []
    if mine is not None or can_manage:
        swaps = list(
            SwapRequest.objects.filter(signup__shift=shift, state=SwapState.PENDING)
            .select_related("signup__volunteer", "to_volunteer")
            .order_by("id")
        )
    choices: list[Volunteer] = []
    if mine is not None and shift.starts_at > now:
        on_shift = {s.volunteer_id for s in signups if s.state == SignupState.SIGNED}
        choices = [
            v
            for v in Volunteer.objects.filter(
                memberships__team_id__in=[team.pk, team.parent_id or team.pk],
                memberships__left_on__isnull=True,
            )
            .distinct()
            .order_by("name", "id")
            if v.pk not in on_shift
        ]
    opens, closes = checkin_window(shift)
    return ShiftPage(
        shift=shift,
        signups=signups,
        mine=mine,
        can_manage=can_manage,
        can_sign_up=member and mine is None and shift.starts_at > now and shift.free > 0,
        checkin_open=opens <= now <= closes,
        swaps=swaps,
        swap_choices=choices,
        now=now,
    )


# --- My shifts and hours ------------------------------------------------------------------


@dataclass
class Totals:
    approved: Decimal = Decimal("0")
    pending: Decimal = Decimal("0")
    rejected: Decimal = Decimal("0")


def totals_for(volunteer: Volunteer) -> Totals:
    sums = dict(
        HoursEntry.objects.filter(volunteer=volunteer)
        .order_by()
        .values_list("state")
        .annotate(total=Sum("hours"))
        .values_list("state", "total")
    )
    return Totals(
        approved=sums.get(HoursState.APPROVED) or Decimal("0"),
        pending=sums.get(HoursState.PENDING) or Decimal("0"),
        rejected=sums.get(HoursState.REJECTED) or Decimal("0"),
    )


@dataclass
class MinePage:
    volunteer: Volunteer | None
    memberships: list[TeamMembership]
    upcoming: list[ShiftSignup]
    current: list[ShiftSignup]
    swaps_for_me: list[SwapRequest]
    totals: Totals
    recent: list[HoursEntry]
    is_manager: bool


def mine_page(user, *, now: datetime | None = None) -> MinePage:
    viewer = require_viewer(user)
    now = now or timezone.now()
    volunteer = viewer.volunteer
    is_manager = viewer.is_leader or viewer.scope.is_staff
    if volunteer is None:
        return MinePage(None, [], [], [], [], Totals(), [], is_manager)
    memberships = list(
        TeamMembership.objects.filter(volunteer=volunteer, left_on__isnull=True)
        .select_related("team")
        .order_by("team__name")
    )
    signups = list(
        ShiftSignup.objects.filter(
            volunteer=volunteer,
            state=SignupState.SIGNED,
            shift__ends_at__gt=now - timedelta(hours=12),
        )
        .filter(Q(checked_out_at__isnull=True))
        .select_related("shift", "shift__roster")
        .order_by("shift__starts_at")[:MAX_MINE]
    )
    current = [s for s in signups if s.shift.starts_at - timedelta(minutes=30) <= now]
    upcoming = [s for s in signups if s not in current]
    swaps_for_me = list(
        SwapRequest.objects.filter(to_volunteer=volunteer, state=SwapState.PENDING)
        .select_related("signup__shift__roster", "signup__volunteer")
        .order_by("id")[:MAX_MINE]
    )
    recent = list(
        HoursEntry.objects.filter(volunteer=volunteer)
        .select_related("team")
        .order_by("-started_at", "-id")[:10]
    )
    return MinePage(
        volunteer=volunteer,
        memberships=memberships,
        upcoming=upcoming,
        current=current,
        swaps_for_me=swaps_for_me,
        totals=totals_for(volunteer),
        recent=recent,
        is_manager=is_manager,
    )


# --- Approvals ----------------------------------------------------------------------------


@dataclass
class ApprovalsPage:
    entries: list[HoursEntry]
    more: bool
    swaps: list[SwapRequest]


def may_approve(user) -> bool:
    viewer = get_viewer(user)
    return viewer.is_leader or viewer.scope.is_staff


def pending_hours(user) -> QuerySet[HoursEntry]:
    """Every entry awaiting the user's approval, oldest first (404 for someone who
    approves nothing): the approvals page and its export."""
    if not may_approve(user):
        raise Http404
    return (
        _decidable_entries(get_viewer(user))
        .filter(state=HoursState.PENDING)
        .select_related("volunteer", "team")
        .order_by("started_at", "id")
    )


def approvals_page(user) -> ApprovalsPage:
    viewer = get_viewer(user)
    if not (viewer.is_leader or viewer.scope.is_staff):
        raise Http404
    entries = list(pending_hours(user)[: MAX_PENDING + 1])
    swaps = list(
        SwapRequest.objects.filter(
            viewer.managed_q("signup__shift__roster__team_id", "signup__shift__roster__team__path"),
            state=SwapState.PENDING,
        )
        .select_related("signup__shift__roster", "signup__volunteer", "to_volunteer")
        .order_by("signup__shift__starts_at", "id")[:MAX_PENDING]
    )
    return ApprovalsPage(
        entries=entries[:MAX_PENDING], more=len(entries) > MAX_PENDING, swaps=swaps
    )


# --- Honour roll (匠誉榜) -------------------------------------------------------------------

PERIOD_KINDS = ("year", "quarter", "month")


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int = 1  # quarter 1–4 or month 1–12; 1 for a year

    @property
    def start(self) -> date:
        if self.kind == "year":
            return date(self.year, 1, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, self.number, 1)

    @property
    def end(self) -> date:
        """The last day."""
        if self.kind == "year":
            return date(self.year, 12, 31)
        month = 3 * self.number if self.kind == "quarter" else self.number
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def key(self) -> str:
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return _("%(year)d") % {"year": self.year}
        if self.kind == "quarter":
            return _("Q%(q)d %(year)d") % {"q": self.number, "year": self.year}
        return _("%(month)d/%(year)d") % {"month": self.number, "year": self.year}

    def shifted(self, step: int) -> Period:
        if self.kind == "year":
            return Period("year", self.year + step)
        size = 4 if self.kind == "quarter" else 12
        index = self.year * size + self.number - 1 + step
        return Period(self.kind, index // size, index % size + 1)

    def as_kind(self, kind: str) -> Period:
        """The period of ``kind`` that holds this one's first day."""
        return period_of(kind, self.start)

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(self.start, time.min), tz),
            timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz),
        )


def period_of(kind: str, day: date) -> Period:
    if kind == "quarter":
        return Period("quarter", day.year, (day.month - 1) // 3 + 1)
    if kind == "month":
        return Period("month", day.year, day.month)
    return Period("year", day.year)


def parse_period(text: str) -> Period | None:
    """``2026``, ``2026-Q4`` or ``2026-11``; None if it is none of these."""
    text = (text or "").strip()
    try:
        if len(text) == 4 and text.isdigit():
            period = Period("year", int(text))
        elif len(text) == 7 and text[4:6] == "-Q" and text[:4].isdigit() and text[6] in "1234":
            period = Period("quarter", int(text[:4]), int(text[6]))
        elif len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
            period = Period("month", int(text[:4]), int(text[5:]))
        else:
            return None
        if not 2000 <= period.year <= 2100:
            return None
        period.start  # noqa: B018 - validates the month
    except ValueError:
        return None
    return period


@dataclass
class RollRow:
    rank: int
    volunteer_id: int
    name: str
    hours: Decimal
    times: int


@dataclass
class HonourRoll:
    period: Period
    requested: bool  # the period was asked for (not the default)
    fell_back: bool  # the default period was empty: showing the latest with data
    rows: list[RollRow]
    teams: list[VolunteerTeam]
    neighborhoods: list[Place]
    team: VolunteerTeam | None
    neighborhood: Place | None
    can_open_ledgers: bool

    @property
    def total(self) -> Decimal:
        return sum((r.hours for r in self.rows), Decimal("0"))


def honour_roll(
    user,
    *,
    period: Period | None = None,
    team_pk: int | None = None,
    place_pk: int | None = None,
    today: date | None = None,
    limit: int | None = MAX_ROLL,
) -> HonourRoll:
    """Approved hours per person in a period, ranked; for a team tree or a neighborhood.
    The page shows the first ``limit``; the export everyone (``limit=None``)."""
    viewer = require_viewer(user)
    today = today or timezone.localdate()
    # Top teams, each followed by the teams below it.
    found = list(VolunteerTeam.objects.filter(viewer.community_q()).order_by("path", "name", "id"))
    below: dict[int | None, list[VolunteerTeam]] = defaultdict(list)
    ids = {t.pk for t in found}
    for t in found:
        below[t.parent_id if t.parent_id in ids else None].append(t)
    teams: list[VolunteerTeam] = []

    def walk(parent: int | None, depth: int) -> None:
        for t in below.get(parent, []):
            t.depth = depth  # type: ignore[attr-defined]
            teams.append(t)
            walk(t.pk, depth + 1)

    walk(None, 0)
    neighborhoods = list(
        Place.objects.filter(
            any_subtree_q(viewer.scope.community_paths), kind=PlaceKind.NEIGHBORHOOD
        ).order_by("path")
    )
    base = HoursEntry.objects.filter(viewer.community_q(), state=HoursState.APPROVED)
    team = next((t for t in teams if t.pk == team_pk), None) if team_pk else None
    neighborhood = next((p for p in neighborhoods if p.pk == place_pk), None) if place_pk else None
    if team is not None:
        base = base.filter(Q(team=team) | Q(team__parent=team) | Q(team__parent__parent=team))
    if neighborhood is not None:
        base = base.filter(neighborhood.subtree())
    requested = period is not None
    period = period or period_of("year", today)
    rows = _ranking(base, period, limit)
    fell_back = False
    if not rows and not requested:
        latest = base.aggregate(latest=Max("started_at"))["latest"]
        if latest is not None:
            period = period_of("year", timezone.localtime(latest).date())
            rows = _ranking(base, period, limit)
            fell_back = True
    return HonourRoll(
        period=period,
        requested=requested,
        fell_back=fell_back,
        rows=rows,
        teams=teams,
        neighborhoods=neighborhoods,
        team=team,
        neighborhood=neighborhood,
        can_open_ledgers=viewer.scope.is_staff,
    )


def _ranking(base: QuerySet[HoursEntry], period: Period, limit: int | None) -> list[RollRow]:
    start, end = period.bounds()
    ranked = (
        base.filter(started_at__gte=start, started_at__lt=end)
        .order_by()
        .values("volunteer_id", "volunteer__name")
        .annotate(total=Sum("hours"), times=Count("id"))
        .order_by("-total", "volunteer__name", "volunteer_id")
    )
    if limit is not None:
        ranked = ranked[:limit]
    rows = []
    rank = 0
    previous: Decimal | None = None
    for i, r in enumerate(ranked, start=1):
        if r["total"] != previous:
            rank, previous = i, r["total"]
        rows.append(RollRow(rank, r["volunteer_id"], r["volunteer__name"], r["total"], r["times"]))
    return rows


# --- Ledger and service record --------------------------------------------------------------


@dataclass
class LedgerPage:
    volunteer: Volunteer
    memberships: list[TeamMembership]
    entries: list[HoursEntry]
    totals: Totals
    more: bool


def ledger_page(volunteer: Volunteer) -> LedgerPage:
    memberships = list(
        TeamMembership.objects.filter(volunteer=volunteer)
        .select_related("team")
        .order_by("left_on", "joined_on", "id")
    )
    entries = list(
        HoursEntry.objects.filter(volunteer=volunteer)
        .select_related("team")
        .order_by("-started_at", "-id")[: MAX_LEDGER + 1]
    )
    return LedgerPage(
        volunteer=volunteer,
        memberships=memberships,
        entries=entries[:MAX_LEDGER],
        totals=totals_for(volunteer),
        more=len(entries) > MAX_LEDGER,
    )


@dataclass
class RecordLine:
    day: date
    service: str
    where: str
    started_at: datetime
    ended_at: datetime
    hours: Decimal
    team: str


@dataclass
class ServiceRecord:
    volunteer: Volunteer
    id_last4: str
    teams: list[str]
    lines: list[RecordLine]
    total: Decimal
    period_start: date | None
    period_end: date | None
    issuers: list[str]
    issued_on: date
    serial: str


def service_record(
    volunteer: Volunteer,
    *,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> ServiceRecord:
    """志愿服务记录证明: every approved entry of the period (all of them by default)."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    entries = HoursEntry.objects.filter(volunteer=volunteer, state=HoursState.APPROVED)
    if start is not None:
        entries = entries.filter(
            started_at__gte=timezone.make_aware(datetime.combine(start, time.min), tz)
        )
    if end is not None:
        entries = entries.filter(
            started_at__lt=timezone.make_aware(
                datetime.combine(end + timedelta(days=1), time.min), tz
            )
        )
    rows = list(entries.select_related("team").order_by("started_at", "id"))
    memberships = list(
        TeamMembership.objects.filter(volunteer=volunteer)
        .select_related("team", "team__parent", "team__parent__parent")
        .order_by("joined_on", "id")
    )
    # Places named in the record: where each service happened and the neighborhoods.
    paths = {e.path for e in rows} | {volunteer.path[: NEIGHBORHOOD_DEPTH * 4]}
    paths |= {m.team.path[: NEIGHBORHOOD_DEPTH * 4] for m in memberships}
    names = dict(Place.objects.filter(path__in=paths).values_list("path", "name"))
    lines = [
        RecordLine(
            day=timezone.localtime(e.started_at).date(),
            service=e.service,
            where=names.get(e.path, ""),
            started_at=e.started_at,
            ended_at=e.ended_at,
            hours=e.hours,
            team=e.team.name if e.team is not None else "",
        )
        for e in rows
    ]
    teams: list[str] = []
    issuers: list[str] = []
    for m in memberships:
        if m.team.name not in teams:
            teams.append(m.team.name)
        top = m.team
        while top.parent is not None:
            top = top.parent
        if top.name not in issuers:
            issuers.append(top.name)
    hood_paths = [volunteer.path[: NEIGHBORHOOD_DEPTH * 4]]
    hood_paths += [m.team.path[: NEIGHBORHOOD_DEPTH * 4] for m in memberships]
    for p in hood_paths:
        name = names.get(p)
        if name:
            committee = _("%(neighborhood)s residents' committee") % {"neighborhood": name}
            if committee not in issuers:
                issuers.append(committee)
            break
    return ServiceRecord(
        volunteer=volunteer,
        id_last4="",
        teams=teams,
        lines=lines,
        total=sum((line.hours for line in lines), Decimal("0")),
        period_start=start or (lines[0].day if lines else None),
        period_end=end or (lines[-1].day if lines else None),
        issuers=issuers,
        issued_on=today,
        serial=f"ZYFW-{today:%Y%m%d}-{volunteer.pk:06d}-{len(lines):04d}",
    )


# --- Shifts open to me, my sign-up of a shift -------------------------------------------------


def open_shifts(user, *, now: datetime | None = None) -> list[DutyShift]:
    """Shifts of the coming ``ROSTER_DAYS`` days that the person may take: shifts of the
    rosters of their teams and of the teams below those (as on a roster's page), not yet
    started, with a seat left, and not already theirs. Soonest first, at most
    ``MAX_SHIFTS`` (one query whatever the number of teams and shifts)."""
    viewer = get_viewer(user)
    if viewer.volunteer is None or not viewer.member_team_ids:
        return []
    now = now or timezone.now()
    teams = list(viewer.member_team_ids)
    mine = ShiftSignup.objects.filter(volunteer=viewer.volunteer, state=SignupState.SIGNED)
    return list(
        DutyShift.objects.filter(
            Q(roster__team_id__in=teams) | Q(roster__team__parent_id__in=teams),
            starts_at__gt=now,
            starts_at__lt=now + timedelta(days=ROSTER_DAYS),
            taken__lt=F("capacity"),
        )
        .exclude(pk__in=mine.values("shift_id"))
        .select_related("roster", "roster__team")
        .order_by("starts_at", "id")[:MAX_SHIFTS]
    )


def own_shift_signup(user, shift_pk: int) -> ShiftSignup | None:
    """The person's live sign-up of a shift (what its QR code checks in and out)."""
    viewer = get_viewer(user)
    if viewer.volunteer is None:
        return None
    return (
        ShiftSignup.objects.select_related("shift", "shift__roster", "shift__roster__team")
        .filter(shift_id=shift_pk, volunteer=viewer.volunteer, state=SignupState.SIGNED)
        .first()
    )
