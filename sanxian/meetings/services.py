"""Writes for meetings: creation by hand and by the cycle rule, agendas, invitations,
attendance (staff marks, QR check-in), minutes, decisions (which move issues through the
issue workflow's own transitions), votes and reminders.

Everything the periodic jobs call is idempotent: running it twice changes nothing more.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian import checkin
from sanxian.accounts.models import User
from sanxian.meetings.models import (
    AgendaItem,
    AgendaSource,
    Ballot,
    CheckInMethod,
    CycleRule,
    HolidayPolicy,
    Invitation,
    InviteeGroup,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingVote,
    VoteChoice,
)
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import ancestor_paths, subtree_q
from sanxian.workdays import selectors as workdays

if TYPE_CHECKING:
    from sanxian.issues.models import Issue

CHECKIN_SALT = "meeting-checkin"
# Residents may check in from this long before the start until the end.
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
MAX_AGENDA_AUTO_ITEMS = 50


# --- Meetings by hand -------------------------------------------------------------------


@transaction.atomic
def create_meeting(
    *,
    place: Place,
    kind: str,
    starts_at: datetime,
    title: str = "",
    venue: str = "",
) -> Meeting:
    if place.kind != PlaceKind.NEIGHBORHOOD:
        raise DomainError(_("Meetings of the monthly cycle are held by a neighborhood."))
    kind = MeetingKind(kind)
    return Meeting.objects.create(
        kind=kind,
        place=place,
        path=place.path,
        title=title or f"{place.name} {kind.label}",
        starts_at=starts_at,
        venue=venue,
    )


# --- Cycle rule and generation ----------------------------------------------------------


def rule_for(neighborhood: Place) -> CycleRule:
    """The neighborhood's own rule, else the nearest one above it (the sub-district's),
    else the defaults (unsaved)."""
    paths = [*ancestor_paths(neighborhood.path), neighborhood.path]
    rule = (
        CycleRule.objects.filter(place__path__in=paths)
        .select_related("place")
        .order_by("-place__depth")
        .first()
    )
    return rule or CycleRule()


def shift_for_holidays(day: date, policy: str) -> date:
    """The meeting day under ``policy`` (official calendar; weekends only for a year
    without official data)."""
    if policy == HolidayPolicy.NEXT_WORKING_DAY:
        return workdays.next_working_day(day)
    if policy == HolidayPolicy.PREVIOUS_WORKING_DAY:
        return workdays.previous_working_day(day)
    return day


def _months(start: date, count: int) -> list[tuple[int, int]]:
    out = []
    year, month = start.year, start.month
    for _i in range(count):
        out.append((year, month))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


@dataclass
class GenerationResult:
    created: list[Meeting] = field(default_factory=list)
    existing: int = 0
    warnings: list[str] = field(default_factory=list)
    years_without_data: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return _("%(created)d meetings created, %(existing)d already there.") % {
            "created": len(self.created),
            "existing": self.existing,
        }


def generate_meetings(*, months: int = 3, today: date | None = None) -> GenerationResult:
    """Create the meetings of every neighborhood for the current month and the next
    ``months - 1`` by each one's cycle rule (dates from ``today`` on), then fill their
    agendas and invitations. Idempotent: unique on (place, kind, scheduled_for)."""
    today = today or timezone.localdate()
    result = GenerationResult()
    neighborhoods = list(Place.objects.filter(kind=PlaceKind.NEIGHBORHOOD).order_by("path"))
    rules = {r.place_id: r for r in CycleRule.objects.select_related("place")}
    rule_paths = {r.place.path: r for r in rules.values()}
    # One scheduled meeting of each kind per neighborhood and month: a meeting kept after
    # the rule changed (it already has records) stands for its month.
    existing = {
        (place_id, kind, day.year, day.month)
        for place_id, kind, day in Meeting.objects.filter(
            scheduled_for__gte=today.replace(day=1), scheduled_for__isnull=False
        ).values_list("place_id", "kind", "scheduled_for")
        if day is not None
    }
    years: set[int] = set()
    tz = timezone.get_current_timezone()
    for place in neighborhoods:
        rule = rules.get(place.pk)
        if rule is None:  # the nearest rule above (the sub-district's)
            above = [p for p in rule_paths if place.path.startswith(p) and p != place.path]
            rule = rule_paths[max(above, key=len)] if above else CycleRule()
        for year, month in _months(today, months):
            last = calendar.monthrange(year, month)[1]
            for kind in MeetingKind:
                scheduled = date(year, month, min(rule.day_for(kind), last))
                if scheduled < today:
                    continue
                if (place.pk, kind.value, year, month) in existing:
                    result.existing += 1
                    continue
                estimated = not workdays.year_has_official_data(scheduled.year)
                actual = shift_for_holidays(scheduled, rule.holiday_policy)
                estimated = estimated or not workdays.year_has_official_data(actual.year)
                if estimated:
                    years.update({scheduled.year, actual.year})
                starts_at = datetime.combine(actual, rule.time_for(kind), tzinfo=tz)
                meeting = _create_scheduled(place, kind, scheduled, starts_at, rule, estimated)
                if meeting is None:
                    result.existing += 1
                    continue
                result.created.append(meeting)
    result.years_without_data = sorted(y for y in years if not workdays.year_has_official_data(y))
    if result.years_without_data:
        result.warnings.append(workdays.calendar_warning(*result.years_without_data))
    now = timezone.now()
    upcoming = Meeting.objects.filter(
        scheduled_for__isnull=False, starts_at__gt=now, scheduled_for__gte=today
    ).select_related("place")
    for meeting in upcoming:
        refresh_agenda(meeting=meeting)
        if not Invitation.objects.filter(meeting=meeting).exists():
            invite(meeting=meeting)
    return result


def _create_scheduled(
    place: Place,
    kind: MeetingKind,
    scheduled: date,
    starts_at: datetime,
    rule: CycleRule,
    estimated: bool,
) -> Meeting | None:
    """Create one scheduled meeting; None when another run created it meanwhile."""
    try:
        with transaction.atomic():
            return Meeting.objects.create(
                kind=kind,
                place=place,
                path=place.path,
                title=f"{place.name} {kind.label}",
                starts_at=starts_at,
                ends_at=starts_at + rule.duration,
                venue=rule.venue,
                scheduled_for=scheduled,
                calendar_estimated=estimated,
                quorum_percent=rule.quorum_percent,
            )
    except IntegrityError:
        return None


# --- Editing the cycle rule --------------------------------------------------------------

RULE_PLACE_KINDS = (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD)


@dataclass
class RescheduleResult:
    removed: int = 0  # upcoming meetings without records, replaced by the new rule's
    kept: int = 0  # upcoming meetings that already have records, left as they are
    generation: GenerationResult = field(default_factory=GenerationResult)


@transaction.atomic
def save_cycle_rule(
    *,
    place: Place,
    values: Mapping[str, object],
    today: date | None = None,
    now: datetime | None = None,
) -> RescheduleResult:
    """Set the cycle rule of a sub-district (the default) or a neighborhood (its own),
    then reschedule the upcoming meetings under it."""
    if place.kind not in RULE_PLACE_KINDS:
        raise DomainError(_("A cycle rule belongs to a sub-district or a neighborhood."))
    rule = CycleRule.objects.filter(place=place).first() or CycleRule(place=place)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    return reschedule_upcoming(place=place, today=today, now=now)


@transaction.atomic
def clear_cycle_rule(
    *, place: Place, today: date | None = None, now: datetime | None = None
) -> RescheduleResult:
    """A neighborhood goes back to the sub-district's rule."""
    if place.kind != PlaceKind.NEIGHBORHOOD:
        raise DomainError(_("Only a neighborhood can go back to the sub-district's rule."))
    if not CycleRule.objects.filter(place=place).delete()[0]:
        raise DomainError(_("This neighborhood already follows the sub-district's rule."))
    return reschedule_upcoming(place=place, today=today, now=now)


def reschedule_upcoming(
    *, place: Place, today: date | None = None, now: datetime | None = None
) -> RescheduleResult:
    """Replace the upcoming scheduled meetings under ``place`` that hold no records yet
    (no minutes, decisions, votes, attendance or items added by staff) with meetings by
    the current rule; keep the others."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    upcoming = Meeting.objects.filter(
        subtree_q(place.path),
        scheduled_for__isnull=False,
        scheduled_for__gte=today,
        starts_at__gt=now,
        held=False,
    )
    has_records = (
        ~Q(minutes="")
        | Exists(MeetingDecision.objects.filter(meeting=OuterRef("pk")))
        | Exists(MeetingVote.objects.filter(meeting=OuterRef("pk")))
        | Exists(Invitation.objects.filter(meeting=OuterRef("pk"), attended=True))
        | Exists(AgendaItem.objects.filter(meeting=OuterRef("pk"), source=AgendaSource.MANUAL))
    )
    kept = upcoming.filter(has_records).count()
    removable = list(upcoming.exclude(has_records).values_list("pk", flat=True))
    Meeting.objects.filter(pk__in=removable).delete()
    return RescheduleResult(
        removed=len(removable), kept=kept, generation=generate_meetings(today=today)
    )


# --- Agenda -----------------------------------------------------------------------------


def neighborhood_issues(meeting: Meeting, states: Iterable[str]) -> list[Issue]:
    """Issues of the meeting's neighborhood in ``states``, with ``has_plan`` and
    ``has_options`` (one query)."""
    from sanxian.issues.models import AdoptedPlan, Issue, PlanOption

    return list(
        Issue.objects.filter(subtree_q(meeting.path), state__in=list(states))
        .annotate(
            has_plan=Exists(AdoptedPlan.objects.filter(issue=OuterRef("pk"))),
            has_options=Exists(PlanOption.objects.filter(issue=OuterRef("pk"))),
        )
        .order_by("created_at", "id")[:MAX_AGENDA_AUTO_ITEMS]
    )


def agenda_sources(meeting: Meeting) -> list[tuple[str, object]]:
    """What the agenda of ``meeting`` lists automatically, as (title, issue or appeal)."""
    from sanxian.appeals.models import OPEN_STATES as OPEN_APPEALS
    from sanxian.appeals.models import Appeal
    from sanxian.issues.models import IssueState

    out: list[tuple[str, object]] = []
    if meeting.kind == MeetingKind.COLLECTION:
        previous = (
            Meeting.objects.filter(
                place_id=meeting.place_id,
                kind=MeetingKind.COLLECTION,
                starts_at__lt=meeting.starts_at,
            )
            .order_by("-starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
        appeals = Appeal.objects.filter(subtree_q(meeting.path), state__in=OPEN_APPEALS)
        if previous is not None:
            appeals = appeals.filter(created_at__gte=previous)
        for appeal in appeals.order_by("created_at", "id")[:MAX_AGENDA_AUTO_ITEMS]:
            out.append((_("New appeal: %(text)s") % {"text": appeal.text[:80]}, appeal))
        for issue in neighborhood_issues(meeting, [IssueState.COLLECTED]):
            out.append((_("Issue raised: %(title)s") % {"title": issue.title}, issue))
    elif meeting.kind == MeetingKind.PARTY_DELIBERATION:
        states = [IssueState.COLLECTED, IssueState.THINK, IssueState.DELIBERATE]
        for issue in neighborhood_issues(meeting, states):
            out.append((issue.title, issue))
    else:
        for issue in neighborhood_issues(meeting, [IssueState.DELIBERATE, IssueState.ACT]):
            if issue.state == IssueState.ACT:
                out.append((_("Progress: %(title)s") % {"title": issue.title}, issue))
            elif issue.has_plan or issue.has_options:  # type: ignore[attr-defined]
                out.append(
                    (
                        _("Plan for residents' consultation: %(title)s") % {"title": issue.title},
                        issue,
                    )
                )
    return out


def _key(item_issue_id: int | None, item_appeal_id: int | None) -> tuple[str, int]:
    return ("i", item_issue_id) if item_issue_id is not None else ("a", item_appeal_id or 0)


def refresh_agenda(*, meeting: Meeting, items: list[AgendaItem] | None = None) -> bool:
    """Bring the automatic items up to date (new ones appended, vanished ones removed,
    titles refreshed); manual items, drops and the order are kept. Returns whether
    anything changed. ``items``: the meeting's current items, if already loaded."""
    from sanxian.appeals.models import Appeal

    if items is None:
        items = list(AgendaItem.objects.filter(meeting=meeting))
    wanted: dict[tuple[str, int], tuple[str, object]] = {}
    for title, source in agenda_sources(meeting):
        key = ("a", source.pk) if isinstance(source, Appeal) else ("i", source.pk)  # type: ignore[attr-defined]
        wanted[key] = (title[:200], source)
    auto = {_key(i.issue_id, i.appeal_id): i for i in items if i.source == AgendaSource.AUTO}
    stale = [i.pk for k, i in auto.items() if k not in wanted]
    retitle = [i for k, i in auto.items() if k in wanted and i.title != wanted[k][0]]
    new_keys = [k for k in wanted if k not in auto]
    if not (stale or retitle or new_keys):
        return False
    with transaction.atomic():
        if stale:
            AgendaItem.objects.filter(pk__in=stale).delete()
        for item in retitle:
            item.title = wanted[_key(item.issue_id, item.appeal_id)][0]
        if retitle:
            AgendaItem.objects.bulk_update(retitle, ["title"])
        position = max((i.position for i in items), default=0)
        rows = []
        for k in new_keys:
            position += 1
            title, source = wanted[k]
            rows.append(
                AgendaItem(
                    meeting=meeting,
                    position=position,
                    title=title,
                    source=AgendaSource.AUTO,
                    issue_id=source.pk if k[0] == "i" else None,  # type: ignore[attr-defined]
                    appeal_id=source.pk if k[0] == "a" else None,  # type: ignore[attr-defined]
                )
            )
        AgendaItem.objects.bulk_create(rows, ignore_conflicts=True)
    return True


@transaction.atomic
def add_agenda_item(*, meeting: Meeting, title: str) -> AgendaItem:
    if not title.strip():
        raise DomainError(_("An agenda item needs a title."))
    last = AgendaItem.objects.filter(meeting=meeting).order_by("-position").first()
    return AgendaItem.objects.create(
        meeting=meeting,
        title=title.strip()[:200],
        position=(last.position if last else 0) + 1,
        source=AgendaSource.MANUAL,
    )


@transaction.atomic
def set_dropped(*, item: AgendaItem, dropped: bool) -> AgendaItem:
    AgendaItem.objects.filter(pk=item.pk).update(dropped=dropped)
    item.dropped = dropped
    return item


@transaction.atomic
def move_agenda_item(*, item: AgendaItem, up: bool) -> None:
    """Swap the item with its neighbour above (``up``) or below; positions are then
    renumbered 1…n in the new order."""
    items = list(
        AgendaItem.objects.select_for_update()
        .filter(meeting_id=item.meeting_id)
        .order_by("position", "id")
    )
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, it in enumerate(items, start=1):
        it.position = position
    AgendaItem.objects.bulk_update(items, ["position"])


# --- Invitations and attendance ---------------------------------------------------------


def invitees_for(meeting: Meeting, groups: Iterable[str]) -> list[Invitation]:
    """Unsaved invitations for the groups, one per person (a resident who is also a party
    member is invited once, as the first group that names them)."""
    from sanxian.grids.models import GridTeamTerm
    from sanxian.party.models import PartyMember
    from sanxian.places.models import OwnersCommittee, Resident

    today = timezone.localdate()
    out: list[Invitation] = []
    seen_residents: set[int] = set()
    seen_members: set[int] = set()
    members_by_resident: dict[int, PartyMember] | None = None

    def members() -> dict[int, PartyMember]:
        nonlocal members_by_resident
        if members_by_resident is None:
            members_by_resident = {
                m.resident_id or 0: m
                for m in PartyMember.objects.filter(subtree_q(meeting.path), resident__isnull=False)
            }
        return members_by_resident

    def add(role: str, resident: Resident | None, member: PartyMember | None) -> None:
        if resident is not None and member is None:
            member = members().get(resident.pk)
        if resident is not None and resident.pk in seen_residents:
            return
        if member is not None and member.pk in seen_members:
            return
        if resident is not None:
            seen_residents.add(resident.pk)
        if member is not None:
            seen_members.add(member.pk)
        name = resident.name if resident is not None else (member.name if member else "")
        out.append(
            Invitation(
                meeting=meeting, resident=resident, party_member=member, name=name, role=role
            )
        )

    current = GridTeamTerm.objects.filter(
        subtree_q(meeting.path, "grid__path"), starts_on__lte=today
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    for group in groups:
        if group == InviteeGroup.GRID_TEAMS:
            for term in current.select_related("resident").order_by("grid__path", "role"):
                add(group, term.resident, None)
        elif group == InviteeGroup.PARTY_BACKBONES:
            # Party members holding a grid-team post (party group leaders first).
            for term in current.select_related("resident").order_by("role", "grid__path"):
                if term.resident_id in members():
                    add(group, term.resident, members()[term.resident_id])
        elif group == InviteeGroup.PARTY_MEMBERS:
            for member in PartyMember.objects.filter(subtree_q(meeting.path)).select_related(
                "resident"
            ):
                add(group, member.resident, member)
        elif group == InviteeGroup.OWNERS_COMMITTEE_CHAIRS:
            committees = OwnersCommittee.objects.filter(
                subtree_q(meeting.path), chair__isnull=False
            ).select_related("chair")
            for committee in committees:
                add(group, committee.chair, None)
    return out


def invite(*, meeting: Meeting, rule: CycleRule | None = None) -> int:
    """Invite the rule's groups (missing invitees only); returns how many were added."""
    if rule is None:
        rule = rule_for(meeting.place)
    wanted = invitees_for(meeting, rule.invitees_for(meeting.kind))
    have = Invitation.objects.filter(meeting=meeting)
    residents = set(have.exclude(resident=None).values_list("resident_id", flat=True))
    members = set(have.exclude(party_member=None).values_list("party_member_id", flat=True))
    new = [i for i in wanted if i.resident_id not in residents and i.party_member_id not in members]
    Invitation.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def mark_attendance(*, meeting: Meeting, attended_ids: Iterable[int]) -> int:
    """Staff tick who came (one form for all invitees); returns how many attended."""
    ids = set(attended_ids)
    now = timezone.now()
    invitations = list(Invitation.objects.select_for_update().filter(meeting=meeting))
    changed = []
    for inv in invitations:
        came = inv.pk in ids
        if came and not inv.attended:
            inv.attended, inv.checked_in_at, inv.method = True, now, CheckInMethod.STAFF
            changed.append(inv)
        elif not came and inv.attended:
            inv.attended, inv.checked_in_at, inv.method = False, None, ""
            changed.append(inv)
    Invitation.objects.bulk_update(changed, ["attended", "checked_in_at", "method"])
    return sum(1 for inv in invitations if inv.attended)


def checkin_token(meeting: Meeting) -> str:
    """The signed token in the meeting's QR code (the same for the whole meeting)."""
    return checkin.make_token(meeting.pk, salt=CHECKIN_SALT)


def checkin_window(meeting: Meeting) -> tuple[datetime, datetime]:
    return meeting.starts_at - CHECKIN_OPENS_BEFORE, meeting.end


def meeting_for_token(token: str, *, now: datetime | None = None) -> Meeting:
    """The meeting of a check-in token, if the token is genuine and the meeting's check-in
    window is open; else ``DomainError`` saying why."""
    pk = checkin.read_token(token, salt=CHECKIN_SALT)
    meeting = Meeting.objects.select_related("place").filter(pk=pk).first()
    if meeting is None:
        raise checkin.invalid()
    checkin.check_window(
        now or timezone.now(),
        *checkin_window(meeting),
        too_early=_("Check-in opens 30 minutes before the meeting starts."),
        too_late=_("This meeting is over; its check-in code has expired."),
    )
    return meeting


@transaction.atomic
def check_in(*, token: str, user: User, now: datetime | None = None) -> Invitation:
    """A signed-in resident checks in by the meeting's QR code. Invitees are marked; at
    an open (non-party) meeting a resident of the neighborhood who was not invited is
    added as a walk-in."""
    meeting = meeting_for_token(token, now=now)
    resident = user.resident
    if resident is None:
        raise DomainError(_("Only a resident's account can check in."))
    invitation = (
        Invitation.objects.select_for_update().filter(meeting=meeting, resident=resident).first()
    )
    if invitation is None:
        if meeting.party_only or not resident.path.startswith(meeting.path):
            raise DomainError(_("You are not invited to this meeting."))
        invitation = Invitation(
            meeting=meeting, resident=resident, name=resident.name, role=InviteeGroup.WALK_IN
        )
    if not invitation.attended:
        invitation.attended = True
        invitation.checked_in_at = now or timezone.now()
        invitation.method = CheckInMethod.QR
        invitation.save()
    return invitation


# --- Minutes, decisions, votes ----------------------------------------------------------


@transaction.atomic
def record_minutes(
    *, meeting: Meeting, minutes: str, chair: str | None = None, recorder: str | None = None
) -> Meeting:
    meeting.minutes = minutes
    meeting.held = True
    fields = ["minutes", "held"]
    if chair is not None:
        meeting.chair = chair.strip()
        fields.append("chair")
    if recorder is not None:
        meeting.recorder = recorder.strip()
        fields.append("recorder")
    meeting.save(update_fields=fields)
    return meeting


@transaction.atomic
def record_decision(
    *, meeting: Meeting, text: str, actor: User | None, issue_id: int | None = None
) -> MeetingDecision:
    if not text.strip():
        raise DomainError(_("A decision needs its text."))
    if not meeting.held:
        meeting.held = True
        meeting.save(update_fields=["held"])
    return MeetingDecision.objects.create(
        meeting=meeting, text=text.strip(), issue_id=issue_id, recorded_by=actor
    )


@transaction.atomic
def decide(
    *,
    meeting: Meeting,
    text: str,
    actor: User | None,
    issue: Issue | None = None,
    to: str = "",
) -> MeetingDecision:
    """Record a decision; with ``issue`` and ``to`` it also moves the issue through the
    workflow's transition (gate checked there). A refused gate raises ``DomainError`` and
    records nothing."""
    from sanxian.issues.services import transition

    if not text.strip():
        raise DomainError(_("A decision needs its text."))
    if to and issue is None:
        raise DomainError(_("Choose the issue the decision moves."))
    if issue is not None and not issue.path.startswith(meeting.path):
        raise DomainError(_("The meeting is not one of this issue's neighborhood."))
    if issue is not None and to:
        transition(issue=issue, to=to, actor=actor, meeting=meeting, note=text)
    return record_decision(
        meeting=meeting, text=text, actor=actor, issue_id=issue.pk if issue else None
    )


@transaction.atomic
def record_vote(
    *,
    meeting: Meeting,
    question: str,
    actor: User | None,
    ballots: Mapping[int, str] | None = None,
    counts: tuple[int, int, int] | None = None,
    decision: MeetingDecision | None = None,
) -> MeetingVote:
    """Named ballots (party member id → choice) at a party meeting — only invited party
    members vote; counts (for, against, abstain) at a residents' meeting."""
    if not question.strip():
        raise DomainError(_("A vote needs its question."))
    if meeting.party_only:
        if not ballots:
            raise DomainError(_("A party meeting votes by named ballots."))
        invited = set(
            Invitation.objects.filter(meeting=meeting, party_member__isnull=False).values_list(
                "party_member_id", flat=True
            )
        )
        if any(m not in invited for m in ballots):
            raise DomainError(_("Only the invited party members vote."))
        if any(c not in VoteChoice.values for c in ballots.values()):
            raise DomainError(_("Vote agree, disagree or abstain."))
        tally = [sum(1 for c in ballots.values() if c == choice) for choice in VoteChoice.values]
        vote = MeetingVote.objects.create(
            meeting=meeting,
            question=question.strip(),
            decision=decision,
            named=True,
            votes_for=tally[0],
            votes_against=tally[1],
            votes_abstain=tally[2],
            recorded_by=actor,
        )
        Ballot.objects.bulk_create(
            Ballot(vote=vote, member_id=m, choice=c) for m, c in ballots.items()
        )
        return vote
    if counts is None or any(n < 0 for n in counts) or sum(counts) == 0:
        raise DomainError(_("Enter how many voted for, against and abstained."))
    return MeetingVote.objects.create(
        meeting=meeting,
        question=question.strip(),
        decision=decision,
        votes_for=counts[0],
        votes_against=counts[1],
        votes_abstain=counts[2],
        recorded_by=actor,
    )
