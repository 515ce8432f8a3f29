"""Reads of meetings, scoped to the user.

Who sees a meeting: staff and party roles whose scope covers its neighborhood; party
roles living in the neighborhood; and invitees (their own resident invited). The 15th
(party deliberation) and its minutes are for party roles only. Everyone else gets 404, so
nothing can be probed by guessing ids. Who writes (agenda, attendance, minutes, decisions,
votes, the QR code): staff whose scope covers the neighborhood (party roles too for the 15th).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from sanxian.accounts.models import Role
from sanxian.accounts.scope import Scope, get_scope
from sanxian.meetings.models import (
    PARTY_ONLY_KINDS,
    REMIND_AHEAD,
    AgendaItem,
    CycleRule,
    Invitation,
    InviteeGroup,
    Meeting,
    MeetingDecision,
    MeetingVote,
)
from sanxian.meetings.services import invite, neighborhood_issues, refresh_agenda, rule_for
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import ancestor_paths, any_subtree_q

MAX_LIST = 60
MAX_REMINDERS = 10


def _own_member_path(user) -> str:
    from sanxian.issues.selectors import own_party_member

    member = own_party_member(user)
    return member.path if member is not None else ""


def visible_q(user, scope: Scope) -> Q:
    """Meetings the user may open (in one filter)."""
    if not (scope.is_staff or scope.is_party):
        q = Q(pk__in=[])
    else:
        q = scope.q()
        if scope.is_party:
            home = _own_member_path(user)
            if home:
                q |= Q(path__in=ancestor_paths(home))
    if user.is_authenticated and user.resident_id is not None:
        q |= Q(invitations__resident_id=user.resident_id)
    if not scope.is_party:
        q &= ~Q(kind__in=list(PARTY_ONLY_KINDS))
    return q


def can_write(scope: Scope, meeting: Meeting) -> bool:
    if meeting.party_only and not scope.is_party:
        return False
    return scope.is_staff and scope.covers(meeting.path)


def get_meeting_for_user(user, pk: int, *, write: bool = False) -> Meeting:
    """The meeting if the user may see it (``write``: change it), else 404."""
    scope = get_scope(user)
    meeting = Meeting.objects.select_related("place").filter(pk=pk).first()
    if meeting is None:
        raise Http404
    if meeting.party_only and not scope.is_party:
        raise Http404
    if write:
        if not can_write(scope, meeting):
            raise Http404
        return meeting
    if (scope.is_staff or scope.is_party) and scope.covers(meeting.path):
        return meeting
    if scope.is_party:
        home = _own_member_path(user)
        if home and home.startswith(meeting.path):
            return meeting
    if (
        user.resident_id is not None
        and Invitation.objects.filter(meeting=meeting, resident_id=user.resident_id).exists()
    ):
        return meeting
    raise Http404


# --- List -------------------------------------------------------------------------------


@dataclass
class MonthGroup:
    month: date
    meetings: list[Meeting]


@dataclass
class MeetingList:
    upcoming: list[MonthGroup]
    past: list[MonthGroup]
    # Meetings the user is invited to that start within a day (what they were reminded of).
    reminders: list[Meeting]


def _by_month(meetings: list[Meeting]) -> list[MonthGroup]:
    groups: dict[date, list[Meeting]] = {}
    for m in meetings:
        day = timezone.localtime(m.starts_at).date().replace(day=1)
        groups.setdefault(day, []).append(m)
    return [MonthGroup(k, v) for k, v in groups.items()]


def may_export_list(scope: Scope) -> bool:
    """Staff and party roles export the list; a resident's list is only their invitations."""
    return scope.is_staff or scope.is_party


def listed_meetings(
    user, now: datetime | None = None
) -> tuple[QuerySet[Meeting], QuerySet[Meeting]]:
    """The meetings the list shows: upcoming (soonest first) and past (latest first),
    without the page's cap — the page and its export."""
    scope = get_scope(user)
    now = now or timezone.now()
    base: QuerySet[Meeting] = (
        Meeting.objects.filter(visible_q(user, scope)).select_related("place").distinct()
    )
    return (
        base.filter(starts_at__gte=now).order_by("starts_at", "id"),
        base.filter(starts_at__lt=now).order_by("-starts_at", "-id"),
    )


def invited_soon(user, scope: Scope, now: datetime) -> list[Meeting]:
    """The meetings starting within ``REMIND_AHEAD`` that the user is invited to, as a
    resident or a party member (party-only meetings for party roles only)."""
    if user.resident_id is None:
        return []
    qs = Meeting.objects.filter(
        Q(invitations__resident_id=user.resident_id)
        | Q(invitations__party_member__resident_id=user.resident_id),
        starts_at__gte=now,
        starts_at__lte=now + REMIND_AHEAD,
    )
    if not scope.is_party:
        qs = qs.exclude(kind__in=PARTY_ONLY_KINDS)
    return list(qs.select_related("place").distinct().order_by("starts_at", "id")[:MAX_REMINDERS])


def meeting_list(user) -> MeetingList:
    scope = get_scope(user)
    now = timezone.now()
    upcoming_qs, past_qs = listed_meetings(user, now)
    upcoming = list(upcoming_qs[:MAX_LIST])
    past = list(past_qs[:MAX_LIST])
    reminders = invited_soon(user, scope, now)
    return MeetingList(upcoming=_by_month(upcoming), past=_by_month(past), reminders=reminders)


# --- Detail -----------------------------------------------------------------------------


@dataclass
class RoleRate:
    role: str
    label: str
    invited: int
    attended: int

    @property
    def percent(self) -> int:
        return round(100 * self.attended / self.invited) if self.invited else 0


@dataclass
class MeetingPage:
    meeting: Meeting
    can_write: bool
    agenda: list[AgendaItem]
    invitations: list[Invitation]
    decisions: list[MeetingDecision]
    votes: list[MeetingVote]
    issues: list = field(default_factory=list)  # choices for decisions

    @property
    def invited(self) -> int:
        return len(self.invitations)

    @property
    def attended(self) -> int:
        return sum(1 for i in self.invitations if i.attended)

    @property
    def attendance_percent(self) -> int:
        return round(100 * self.attended / self.invited) if self.invited else 0

    @property
    def quorum_needed(self) -> int:
        q = self.meeting.quorum_percent * self.invited
        return -(-q // 100)  # ceiling

    @property
    def quorum_met(self) -> bool:
        return self.invited > 0 and self.attended >= self.quorum_needed

    @property
    def by_role(self) -> list[RoleRate]:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for inv in self.invitations:
            counts[inv.role][0] += 1
            counts[inv.role][1] += int(inv.attended)
        return [
            RoleRate(role, str(InviteeGroup(role).label), n, a)
            for role, (n, a) in sorted(counts.items())
        ]

    @property
    def party_invitees(self) -> list[Invitation]:
        return [i for i in self.invitations if i.party_member_id is not None]


def agenda_items(meeting: Meeting) -> list[AgendaItem]:
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("issue", "appeal")
        .order_by("position", "id")
    )


def meeting_page(user, meeting: Meeting) -> MeetingPage:
    """What the detail page shows; before the meeting, the automatic agenda is refreshed
    and, if nobody is invited yet, the rule's invitees are invited first."""
    scope = get_scope(user)
    writer = can_write(scope, meeting)
    before = meeting.starts_at > timezone.now()
    items = agenda_items(meeting)
    if before and refresh_agenda(meeting=meeting, items=items):
        items = agenda_items(meeting)
    invitations = list(Invitation.objects.filter(meeting=meeting).order_by("role", "name", "id"))
    if before and not invitations and invite(meeting=meeting):
        invitations = list(
            Invitation.objects.filter(meeting=meeting).order_by("role", "name", "id")
        )
    page = MeetingPage(
        meeting=meeting,
        can_write=writer,
        agenda=items,
        invitations=invitations,
        decisions=list(MeetingDecision.objects.filter(meeting=meeting).select_related("issue")),
        votes=list(MeetingVote.objects.filter(meeting=meeting).prefetch_related("ballots__member")),
    )
    if writer:
        page.issues = meeting_page_issues(meeting)
    return page


def meeting_page_issues(meeting: Meeting) -> list:
    """Open issues of the meeting's neighborhood: what a decision may concern."""
    from sanxian.issues.services import OPEN_STATES

    return neighborhood_issues(meeting, OPEN_STATES)


# --- Cycle rules ------------------------------------------------------------------------

# Who sets a place's monthly cycle: the sub-district administrator for the sub-district
# and its neighborhoods, a neighborhood's secretary for that neighborhood.
RULE_EDITOR_ROLES = frozenset({Role.SUBDISTRICT_ADMIN, Role.NEIGHBORHOOD_SECRETARY})


def _rule_editor_paths(scope: Scope) -> list[str]:
    return [
        a.place.path
        for a in scope.assignments
        if a.role in RULE_EDITOR_ROLES and a.place is not None
    ]


def can_edit_rule(scope: Scope, place: Place) -> bool:
    if place.kind not in (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD):
        return False
    return any(place.path.startswith(p) for p in _rule_editor_paths(scope))


def rule_places(user) -> list[Place]:
    """The sub-districts and neighborhoods whose cycle rule the user may set (one query)."""
    paths = _rule_editor_paths(get_scope(user))
    if not paths:
        return []
    return list(
        Place.objects.filter(
            any_subtree_q(paths),
            kind__in=[PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD],
        ).order_by("path")
    )


def get_rule_place_for_user(user, pk: int) -> Place:
    place = Place.objects.filter(pk=pk).first()
    if place is None or not can_edit_rule(get_scope(user), place):
        raise Http404
    return place


@dataclass
class RulePage:
    place: Place
    rule: CycleRule  # the rule in force (the place's own, inherited, or the defaults)
    own: bool
    inherited_from: Place | None


def rule_page(place: Place) -> RulePage:
    rule = rule_for(place)
    own = rule.pk is not None and rule.place_id == place.pk
    return RulePage(
        place=place,
        rule=rule,
        own=own,
        inherited_from=rule.place if rule.pk is not None and not own else None,
    )


# --- Scheduling by hand -------------------------------------------------------------------


def place_for_new_meeting(user, place_pk: int, kind: str) -> Place:
    """The place where the user may schedule a meeting of ``kind`` by hand: those who may
    keep a meeting's records there (staff whose scope covers it, and for the party
    deliberation only those of them with a party role). Anyone else gets 404. Whether the
    place can hold a meeting of the cycle (a neighborhood) is the service's rule."""
    place = Place.objects.filter(pk=place_pk).first()
    if place is None or not can_write(get_scope(user), Meeting(kind=kind, path=place.path)):
        raise Http404
    return place
