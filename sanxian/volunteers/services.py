"""Volunteer registration, teams, duty rosters and the hours ledger. Other apps
(activities) credit hours only through ``credit_hours``; every entry, whatever its source,
is decided through ``approve_hours`` / ``reject_hours``.

Rules kept here (views check who may act; services check what may happen):

- a volunteer holds at most one current membership per team;
- no double booking: one sign-up per volunteer and shift, no two overlapping shifts, and a
  shift's last seat is sold once — the seat is taken by a conditional UPDATE of ``taken``
  inside the sign-up's transaction, backed by the ``shift_not_overbooked`` check and the
  ``signup_once_per_shift`` partial unique constraint;
- check-out credits the hours from check-in to check-out, clamped to the shift's window
  widened by ``GRACE`` on each side; they stay pending until a leader or staff decides;
- every transition is a conditional update on the old state, so two clicks make one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian import checkin
from sanxian.accounts.models import User
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, Resident
from sanxian.volunteers.models import (
    CheckMethod,
    DutyShift,
    HoursEntry,
    HoursSource,
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

# Shifts exist this many days ahead (``generate_shifts``, daily by the scheduler).
SHIFT_DAYS_AHEAD = 28
# Check-in opens this long before a shift; hours count from this long before the start to
# this long after the end at most.
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
GRACE = timedelta(minutes=30)
CHECKIN_SALT = "volunteers-shift-checkin"


def hours_between(started_at: datetime, ended_at: datetime) -> Decimal:
    """Hours between two instants (a shift may cross midnight), rounded to 0.01."""
    seconds = Decimal((ended_at - started_at).total_seconds())
    return (seconds / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def volunteer_for_resident(resident: Resident, *, on: date | None = None) -> Volunteer:
    """The resident's volunteer record, registered on first use."""
    existing = Volunteer.objects.filter(resident=resident).first()
    if existing is not None:
        return existing
    household = Place.objects.only("id", "path").get(pk=resident.household_id)
    try:
        with transaction.atomic():
            return Volunteer.objects.create(
                resident=resident,
                name=resident.name,
                place=household,
                path=household.path,
                registered_on=on or timezone.localdate(),
            )
    except IntegrityError:  # registered concurrently
        return Volunteer.objects.get(resident=resident)


def credit_hours(
    *,
    volunteer: Volunteer,
    service: str,
    started_at: datetime,
    ended_at: datetime,
    path: str,
    source: str,
    source_ref: int | None = None,
    team: VolunteerTeam | None = None,
    hours: Decimal | None = None,
) -> HoursEntry:
    """Record pending hours. A (volunteer, source, source_ref) is credited once: a repeated
    call returns the existing entry unchanged."""
    if source not in HoursSource.values:
        raise ValueError(source)
    if ended_at <= started_at:
        raise ValueError("ended_at must be after started_at")
    if source_ref is not None:
        existing = HoursEntry.objects.filter(
            volunteer=volunteer, source=source, source_ref=source_ref
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return HoursEntry.objects.create(
                volunteer=volunteer,
                team=team,
                path=path,
                service=service,
                started_at=started_at,
                ended_at=ended_at,
                hours=hours if hours is not None else hours_between(started_at, ended_at),
                source=source,
                source_ref=source_ref,
                state=HoursState.PENDING,
            )
    except IntegrityError:
        if source_ref is None:
            raise
        return HoursEntry.objects.get(volunteer=volunteer, source=source, source_ref=source_ref)


# --- Volunteers and teams ---------------------------------------------------------------


@transaction.atomic
def register_volunteer(
    *,
    name: str,
    place: Place,
    user: User | None = None,
    resident: Resident | None = None,
    on: date | None = None,
) -> Volunteer:
    """A volunteer who is not (only) a resident: staff, or a party member registered with
    the community (双报到); ``user`` links their sign-in."""
    if resident is not None:
        volunteer = volunteer_for_resident(resident, on=on)
        if user is not None and volunteer.user_id != user.pk:
            volunteer.user = user
            volunteer.save(update_fields=["user"])
        return volunteer
    return Volunteer.objects.create(
        name=name,
        place=place,
        path=place.path,
        user=user,
        registered_on=on or timezone.localdate(),
    )


@transaction.atomic
def create_team(
    *,
    place: Place,
    name: str,
    parent: VolunteerTeam | None = None,
    description: str = "",
    created_on: date | None = None,
) -> VolunteerTeam:
    if VolunteerTeam.objects.filter(place=place, name=name).exists():
        raise DomainError(_("A team of this name already exists here."))
    return VolunteerTeam.objects.create(
        place=place,
        path=place.path,
        parent=parent,
        name=name,
        description=description,
        created_on=created_on or timezone.localdate(),
    )


def join_team(
    *,
    team: VolunteerTeam,
    volunteer: Volunteer,
    on: date | None = None,
    leader: bool = False,
) -> TeamMembership:
    """Add the volunteer to the team (refused when already a current member)."""
    try:
        with transaction.atomic():
            if TeamMembership.objects.filter(
                team=team, volunteer=volunteer, left_on__isnull=True
            ).exists():
                raise DomainError(_("You are already a member of this team."))
            return TeamMembership.objects.create(
                team=team,
                volunteer=volunteer,
                is_leader=leader,
                joined_on=on or timezone.localdate(),
            )
    except IntegrityError:  # joined concurrently
        raise DomainError(_("You are already a member of this team.")) from None


@transaction.atomic
def leave_team(*, team: VolunteerTeam, volunteer: Volunteer, on: date | None = None) -> int:
    """End the current membership; the volunteer's upcoming shifts of the team's rosters are
    cancelled (their seats free again). Returns how many shifts were cancelled."""
    on = on or timezone.localdate()
    left = TeamMembership.objects.filter(
        team=team, volunteer=volunteer, left_on__isnull=True
    ).update(left_on=on, is_leader=False)
    if not left:
        raise DomainError(_("You are not a member of this team."))
    upcoming = ShiftSignup.objects.filter(
        volunteer=volunteer,
        state=SignupState.SIGNED,
        shift__roster__team=team,
        shift__starts_at__gt=timezone.now(),
    ).select_related("shift")
    cancelled = 0
    for signup in upcoming:
        cancel_signup(signup=signup)
        cancelled += 1
    return cancelled


def set_leader(*, membership: TeamMembership, is_leader: bool) -> TeamMembership:
    if membership.left_on is not None:
        raise DomainError(_("This person has left the team."))
    membership.is_leader = is_leader
    membership.save(update_fields=["is_leader"])
    return membership


def team_lineage_ids(team: VolunteerTeam) -> list[int]:
    """The team and its ancestors (a team tree is shallow: 江南匠心舫 and its teams)."""
    ids = [team.pk]
    parent_id = team.parent_id
    seen = {team.pk}
    while parent_id is not None and parent_id not in seen:
        ids.append(parent_id)
        seen.add(parent_id)
        parent_id = (
            VolunteerTeam.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
        )
    return ids


def is_member(volunteer: Volunteer, team: VolunteerTeam) -> bool:
    """A current member of the team or of a team above it."""
    return TeamMembership.objects.filter(
        volunteer=volunteer, team_id__in=team_lineage_ids(team), left_on__isnull=True
    ).exists()


# --- Rosters and shifts ----------------------------------------------------------------


def _clean_weekdays(weekdays: str) -> str:
    days = "".join(sorted({d for d in weekdays if d in "1234567"}))
    if not days:
        raise DomainError(_("Choose at least one weekday."))
    return days


@transaction.atomic
def create_roster(
    *,
    team: VolunteerTeam,
    place: Place,
    title: str,
    service: str,
    start_date: date,
    start_time: time,
    end_time: time,
    end_date: date | None = None,
    weekdays: str = "1234567",
    capacity: int = 1,
    location: str = "",
    generate: bool = True,
) -> Roster:
    if end_date is not None and end_date < start_date:
        raise DomainError(_("The last day comes before the first day."))
    if capacity < 1:
        raise DomainError(_("A shift needs at least one person."))
    if start_time == end_time:
        raise DomainError(_("A shift cannot start and end at the same time."))
    roster = Roster.objects.create(
        team=team,
        place=place,
        path=place.path,
        title=title,
        service=service,
        location=location,
        start_date=start_date,
        end_date=end_date,
        weekdays=_clean_weekdays(weekdays),
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
    )
    if generate:
        generate_shifts(rosters=[roster])
    return roster


ROSTER_FIELDS = (
    "title",
    "service",
    "location",
    "end_date",
    "weekdays",
    "start_time",
    "end_time",
    "capacity",
)


@transaction.atomic
def update_roster(*, roster: Roster, **changes: object) -> Roster:
    """Change a roster. Upcoming shifts nobody has signed up for are made again from the
    new rule; shifts with sign-ups keep their times (and grow to the new capacity)."""
    unknown = set(changes) - set(ROSTER_FIELDS)
    if unknown:
        raise ValueError(unknown)
    for name, value in changes.items():
        setattr(roster, name, value)
    roster.weekdays = _clean_weekdays(roster.weekdays)
    if roster.end_date is not None and roster.end_date < roster.start_date:
        raise DomainError(_("The last day comes before the first day."))
    if roster.start_time == roster.end_time:
        raise DomainError(_("A shift cannot start and end at the same time."))
    if roster.capacity < 1:
        raise DomainError(_("A shift needs at least one person."))
    roster.save()
    now = timezone.now()
    DutyShift.objects.filter(roster=roster, starts_at__gt=now, taken=0).delete()
    DutyShift.objects.filter(roster=roster, starts_at__gt=now, capacity__lt=roster.capacity).update(
        capacity=roster.capacity
    )
    generate_shifts(rosters=[roster])
    return roster


def shift_times(roster: Roster, day: date) -> tuple[datetime, datetime]:
    """The shift of ``day``: an end at or before the start is on the next day."""
    tz = timezone.get_current_timezone()
    starts = timezone.make_aware(datetime.combine(day, roster.start_time), tz)
    end_day = day + timedelta(days=1) if roster.crosses_midnight else day
    ends = timezone.make_aware(datetime.combine(end_day, roster.end_time), tz)
    return starts, ends


def roster_days(roster: Roster, first: date, last: date) -> list[date]:
    """The roster's duty days between ``first`` and ``last`` (inclusive)."""
    first = max(first, roster.start_date)
    if roster.end_date is not None:
        last = min(last, roster.end_date)
    days = []
    day = first
    while day <= last:
        if str(day.isoweekday()) in roster.weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def generate_shifts(
    *,
    rosters: Iterable[Roster] | None = None,
    days: int = SHIFT_DAYS_AHEAD,
    today: date | None = None,
) -> int:
    """Create the shifts of the coming ``days`` (idempotent); returns how many were new.
    A shift that would already have started is not made: nobody could sign up for it."""
    now = timezone.now()
    today = today or timezone.localdate()
    last = today + timedelta(days=days)
    if rosters is None:
        rosters = Roster.objects.filter(start_date__lte=last).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today)
        )
    rosters = list(rosters)
    if not rosters:
        return 0
    since = timezone.make_aware(datetime.combine(today - timedelta(days=1), time.min))
    existing = set(
        DutyShift.objects.filter(roster__in=rosters, starts_at__gte=since).values_list(
            "roster_id", "starts_at"
        )
    )
    rows = []
    for roster in rosters:
        for day in roster_days(roster, today, last):
            starts, ends = shift_times(roster, day)
            if starts <= now or (roster.pk, starts) in existing:
                continue
            rows.append(
                DutyShift(roster=roster, starts_at=starts, ends_at=ends, capacity=roster.capacity)
            )
    DutyShift.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _overlapping(volunteer: Volunteer, shift: DutyShift) -> bool:
    return (
        ShiftSignup.objects.filter(
            volunteer=volunteer,
            state=SignupState.SIGNED,
            shift__starts_at__lt=shift.ends_at,
            shift__ends_at__gt=shift.starts_at,
        )
        .exclude(shift=shift)
        .exists()
    )


def sign_up(*, shift: DutyShift, volunteer: Volunteer, now: datetime | None = None) -> ShiftSignup:
    """Take a seat on an upcoming shift of one of the volunteer's teams."""
    now = now or timezone.now()
    if shift.starts_at <= now:
        raise DomainError(_("This shift has already started."))
    roster = shift.roster
    if not is_member(volunteer, roster.team):
        raise DomainError(_("Only members of the team can sign up for its shifts."))
    try:
        with transaction.atomic():
            # One sign-up at a time per volunteer (a row lock on PostgreSQL; SQLite's
            # IMMEDIATE transactions already write one at a time).
            Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
            if ShiftSignup.objects.filter(
                shift=shift, volunteer=volunteer, state=SignupState.SIGNED
            ).exists():
                raise DomainError(_("You are already signed up for this shift."))
            if _overlapping(volunteer, shift):
                raise DomainError(_("You are already on another shift at this time."))
            seat = DutyShift.objects.filter(pk=shift.pk, taken__lt=F("capacity")).update(
                taken=F("taken") + 1
            )
            if not seat:
                raise DomainError(_("This shift is full."))
            return ShiftSignup.objects.create(shift=shift, volunteer=volunteer)
    except IntegrityError:
        raise DomainError(_("You are already signed up for this shift.")) from None


@transaction.atomic
def cancel_signup(*, signup: ShiftSignup, now: datetime | None = None) -> ShiftSignup:
    """Give the seat back before the shift starts."""
    now = now or timezone.now()
    if signup.shift.starts_at <= now:
        raise DomainError(_("A shift that has started cannot be cancelled."))
    done = ShiftSignup.objects.filter(
        pk=signup.pk, state=SignupState.SIGNED, checked_in_at__isnull=True
    ).update(state=SignupState.CANCELLED)
    if not done:
        raise DomainError(_("This sign-up is no longer active."))
    DutyShift.objects.filter(pk=signup.shift_id, taken__gt=0).update(taken=F("taken") - 1)
    SwapRequest.objects.filter(signup=signup, state=SwapState.PENDING).update(
        state=SwapState.WITHDRAWN
    )
    signup.state = SignupState.CANCELLED
    return signup


@transaction.atomic
def request_swap(
    *,
    signup: ShiftSignup,
    to_volunteer: Volunteer,
    note: str = "",
    now: datetime | None = None,
) -> SwapRequest:
    """Ask the team leader to hand the shift over to another member."""
    now = now or timezone.now()
    if signup.state != SignupState.SIGNED or signup.checked_in_at is not None:
        raise DomainError(_("This sign-up is no longer active."))
    if signup.shift.starts_at <= now:
        raise DomainError(_("This shift has already started."))
    if to_volunteer.pk == signup.volunteer_id:
        raise DomainError(_("Choose another member to take the shift."))
    if not is_member(to_volunteer, signup.shift.roster.team):
        raise DomainError(_("Only members of the team can take over a shift."))
    if SwapRequest.objects.filter(signup=signup, state=SwapState.PENDING).exists():
        raise DomainError(_("A swap of this shift is already waiting for the leader."))
    try:
        with transaction.atomic():
            return SwapRequest.objects.create(signup=signup, to_volunteer=to_volunteer, note=note)
    except IntegrityError:
        raise DomainError(_("A swap of this shift is already waiting for the leader.")) from None


@transaction.atomic
def decide_swap(
    *, swap: SwapRequest, approve: bool, actor: User, now: datetime | None = None
) -> SwapRequest:
    """The leader's decision. Approved: the seat passes to the other member (the shift's
    count of taken seats does not change)."""
    now = now or timezone.now()
    to = SwapState.APPROVED if approve else SwapState.REJECTED
    done = SwapRequest.objects.filter(pk=swap.pk, state=SwapState.PENDING).update(
        state=to, decided_by=actor, decided_at=now
    )
    if not done:
        raise DomainError(_("This swap has already been decided."))
    swap.state, swap.decided_by, swap.decided_at = to, actor, now
    if not approve:
        return swap
    signup = ShiftSignup.objects.select_related("shift").get(pk=swap.signup_id)
    if signup.shift.starts_at <= now:
        raise DomainError(_("This shift has already started."))
    handed = ShiftSignup.objects.filter(
        pk=signup.pk, state=SignupState.SIGNED, checked_in_at__isnull=True
    ).update(state=SignupState.SWAPPED)
    if not handed:
        raise DomainError(_("This sign-up is no longer active."))
    taker = swap.to_volunteer
    if ShiftSignup.objects.filter(
        shift=signup.shift, volunteer=taker, state=SignupState.SIGNED
    ).exists() or _overlapping(taker, signup.shift):
        raise DomainError(_("%(name)s is already on a shift at this time.") % {"name": taker.name})
    ShiftSignup.objects.create(shift=signup.shift, volunteer=taker)
    return swap


# --- Check-in and check-out -------------------------------------------------------------


def checkin_token(shift: DutyShift) -> str:
    """The signed token in the shift's QR code."""
    return checkin.make_token(shift.pk, salt=CHECKIN_SALT)


def checkin_window(shift: DutyShift) -> tuple[datetime, datetime]:
    """From 30 minutes before the start until the end plus the grace (for check-out)."""
    return shift.starts_at - CHECKIN_OPENS_BEFORE, shift.ends_at + GRACE


def shift_for_token(token: str, *, now: datetime | None = None) -> DutyShift:
    """The shift of a genuine token whose window is open, else ``DomainError``."""
    pk = checkin.read_token(token, salt=CHECKIN_SALT)
    shift = (
        DutyShift.objects.select_related("roster", "roster__team", "roster__place")
        .filter(pk=pk)
        .first()
    )
    if shift is None:
        raise checkin.invalid()
    checkin.check_window(
        now or timezone.now(),
        *checkin_window(shift),
        too_early=_("Check-in opens 30 minutes before the shift starts."),
        too_late=_("This shift is over; its check-in code has expired."),
    )
    return shift


@transaction.atomic
def check_in(
    *, signup: ShiftSignup, method: str = CheckMethod.QR, now: datetime | None = None
) -> ShiftSignup:
    now = now or timezone.now()
    shift = signup.shift
    if now < shift.starts_at - CHECKIN_OPENS_BEFORE:
        raise DomainError(_("Check-in opens 30 minutes before the shift starts."))
    if now > shift.ends_at:
        raise DomainError(_("This shift is over; check-in is closed."))
    done = ShiftSignup.objects.filter(
        pk=signup.pk, state=SignupState.SIGNED, checked_in_at__isnull=True
    ).update(checked_in_at=now, check_method=CheckMethod(method))
    if not done:
        raise DomainError(_("Already checked in."))
    signup.checked_in_at, signup.check_method = now, CheckMethod(method)
    return signup


def credited_span(signup: ShiftSignup, checked_out_at: datetime) -> tuple[datetime, datetime]:
    """Check-in to check-out, clamped to the shift's window widened by the grace."""
    assert signup.checked_in_at is not None
    shift = signup.shift
    started = max(signup.checked_in_at, shift.starts_at - GRACE)
    ended = min(checked_out_at, shift.ends_at + GRACE)
    return started, ended


def _credit_shift(signup: ShiftSignup, started: datetime, ended: datetime) -> HoursEntry:
    roster = signup.shift.roster
    entry = credit_hours(
        volunteer=signup.volunteer,
        service=roster.service or roster.title,
        started_at=started,
        ended_at=ended,
        path=roster.path,
        source=HoursSource.SHIFT,
        source_ref=signup.pk,
        team=roster.team,
    )
    ShiftSignup.objects.filter(pk=signup.pk).update(hours_entry=entry)
    signup.hours_entry = entry
    return entry


@transaction.atomic
def check_out(
    *, signup: ShiftSignup, method: str = CheckMethod.QR, now: datetime | None = None
) -> HoursEntry:
    """End the shift and record its pending hours."""
    now = now or timezone.now()
    if signup.checked_in_at is None:
        raise DomainError(_("Check in first."))
    started, ended = credited_span(signup, now)
    if ended <= started:
        raise DomainError(_("Check-out must come after check-in."))
    done = ShiftSignup.objects.filter(
        pk=signup.pk, state=SignupState.SIGNED, checked_out_at__isnull=True
    ).update(checked_out_at=now)
    if not done:
        raise DomainError(_("Already checked out."))
    signup.checked_out_at = now
    return _credit_shift(signup, started, ended)


@transaction.atomic
def mark_full_shift(*, signup: ShiftSignup, now: datetime | None = None) -> HoursEntry:
    """The leader records that the volunteer served the whole (finished) shift."""
    now = now or timezone.now()
    shift = signup.shift
    if now < shift.ends_at:
        raise DomainError(_("The shift is not over yet."))
    done = ShiftSignup.objects.filter(
        pk=signup.pk, state=SignupState.SIGNED, checked_out_at__isnull=True
    ).update(
        checked_in_at=shift.starts_at,
        checked_out_at=shift.ends_at,
        check_method=CheckMethod.LEADER,
    )
    if not done:
        raise DomainError(_("Already checked out."))
    signup.checked_in_at, signup.checked_out_at = shift.starts_at, shift.ends_at
    signup.check_method = CheckMethod.LEADER
    return _credit_shift(signup, shift.starts_at, shift.ends_at)


# --- Deciding hours ---------------------------------------------------------------------


def _decide(entry: HoursEntry, to: str, actor: User, now: datetime | None) -> HoursEntry:
    now = now or timezone.now()
    done = HoursEntry.objects.filter(pk=entry.pk, state=HoursState.PENDING).update(
        state=to, decided_by=actor, decided_at=now
    )
    if not done:
        raise DomainError(_("These hours have already been decided."))
    entry.state, entry.decided_by, entry.decided_at = to, actor, now
    return entry


@transaction.atomic
def approve_hours(*, entry: HoursEntry, actor: User, now: datetime | None = None) -> HoursEntry:
    """Pending hours (of a shift, an activity or entered by hand) start to count."""
    return _decide(entry, HoursState.APPROVED, actor, now)


@transaction.atomic
def reject_hours(*, entry: HoursEntry, actor: User, now: datetime | None = None) -> HoursEntry:
    return _decide(entry, HoursState.REJECTED, actor, now)


@transaction.atomic
def decide_hours(
    *, entries: Iterable[HoursEntry], approve: bool, actor: User, now: datetime | None = None
) -> int:
    """Decide several pending entries at once; returns how many changed (entries decided
    meanwhile by someone else are skipped)."""
    now = now or timezone.now()
    ids = [e.pk for e in entries]
    return HoursEntry.objects.filter(pk__in=ids, state=HoursState.PENDING).update(
        state=HoursState.APPROVED if approve else HoursState.REJECTED,
        decided_by=actor,
        decided_at=now,
    )
