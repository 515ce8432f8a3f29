"""Writes for activities: one keyword-only function per use.

Seats: ``Activity.taken`` only rises through a conditional UPDATE (``taken < capacity``),
and every write that moves seats first locks the activity's row, so two residents
racing for the last seat get one seat and one waiting-list place, and a seat freed by a
cancellation goes to the earliest waiting sign-up in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian import checkin
from sanxian.accounts.models import User
from sanxian.activities.models import (
    LIVE_STATES,
    Activity,
    ActivityHelper,
    ActivityPhoto,
    ActivitySignup,
    ActivityState,
    CheckInMethod,
    OrganiserKind,
    SignupState,
)
from sanxian.party.models import PartyOrg, PartyOrgKind
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH
from sanxian.uploads import store_photo
from sanxian.volunteers.models import HoursSource, Volunteer, VolunteerTeam
from sanxian.volunteers.services import credit_hours

CHECKIN_SALT = "activity-checkin"
# Attendees may check in from this long before the start until the end.
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
MAX_PHOTOS = 12
MAX_CAPACITY = 2000
NEIGHBORHOOD_PATH_LENGTH = 2 * STEP_LENGTH


def neighborhood_path(path: str) -> str:
    return path[:NEIGHBORHOOD_PATH_LENGTH]


# --- Activities ---------------------------------------------------------------------------


def _check_organiser(
    *,
    place: Place,
    organiser_kind: str,
    organiser_team: VolunteerTeam | None,
    organiser_branch: PartyOrg | None,
) -> tuple[VolunteerTeam | None, PartyOrg | None]:
    if organiser_kind not in OrganiserKind.values:
        raise DomainError(_("Please choose who organises the activity."))
    hood = neighborhood_path(place.path)
    if organiser_kind == OrganiserKind.TEAM:
        if organiser_team is None:
            raise DomainError(_("Please choose the organising volunteer team."))
        if neighborhood_path(organiser_team.path) != hood:
            raise DomainError(_("The organising team must belong to the same neighborhood."))
        return organiser_team, None
    if organiser_kind == OrganiserKind.BRANCH:
        if organiser_branch is None:
            raise DomainError(_("Please choose the organising party branch."))
        if organiser_branch.kind not in (PartyOrgKind.BRANCH, PartyOrgKind.GENERAL_BRANCH) or (
            neighborhood_path(organiser_branch.scope_path) != hood
        ):
            raise DomainError(_("The organising branch must serve the same neighborhood."))
        return None, organiser_branch
    return None, None


def _check_times(starts_at: datetime, ends_at: datetime, signup_closes_at: datetime) -> None:
    if ends_at <= starts_at:
        raise DomainError(_("The activity must end after it starts."))
    if signup_closes_at > ends_at:
        raise DomainError(_("Sign-up must close before the activity ends."))


@transaction.atomic
def create_activity(
    *,
    place: Place,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    organiser_kind: str,
    organiser_team: VolunteerTeam | None = None,
    organiser_branch: PartyOrg | None = None,
    venue: str = "",
    description: str = "",
    audience: str = "",
    signup_closes_at: datetime | None = None,
    actor: User | None = None,
) -> Activity:
    """Create a planned activity. The same title at the same place and time again (a
    double submission) returns the existing activity."""
    title = title.strip()
    if not title:
        raise DomainError(_("An activity needs a title."))
    if place.kind == PlaceKind.HOUSEHOLD or place.kind == PlaceKind.SUBDISTRICT:
        raise DomainError(_("An activity takes place in a neighborhood or one of its estates."))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(_("Seats must be between 1 and %(n)s.") % {"n": MAX_CAPACITY})
    closes = signup_closes_at or starts_at
    _check_times(starts_at, ends_at, closes)
    team, branch = _check_organiser(
        place=place,
        organiser_kind=organiser_kind,
        organiser_team=organiser_team,
        organiser_branch=organiser_branch,
    )
    existing = Activity.objects.filter(place=place, title=title, starts_at=starts_at).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Activity.objects.create(
                place=place,
                path=place.path,
                title=title,
                description=description.strip(),
                audience=audience.strip(),
                starts_at=starts_at,
                ends_at=ends_at,
                venue=venue.strip() or Activity._meta.get_field("venue").get_default(),
                capacity=capacity,
                signup_closes_at=closes,
                organiser_kind=organiser_kind,
                organiser_team=team,
                organiser_branch=branch,
                created_by=actor,
            )
    except IntegrityError:  # the same form submitted twice at once
        return Activity.objects.get(place=place, title=title, starts_at=starts_at)


def _locked(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("place").get(pk=activity.pk)


@transaction.atomic
def update_activity(
    *,
    activity: Activity,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    venue: str = "",
    description: str = "",
    audience: str = "",
    signup_closes_at: datetime | None = None,
    actor: User | None = None,
) -> list[ActivitySignup]:
    """Change a planned activity. Seats cannot drop below those already given; added seats
    go to the waiting list at once. Returns the sign-ups promoted."""
    row = _locked(activity)
    if row.state != ActivityState.PLANNED:
        raise DomainError(_("Only a planned activity can be changed."))
    title = title.strip()
    if not title:
        raise DomainError(_("An activity needs a title."))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(_("Seats must be between 1 and %(n)s.") % {"n": MAX_CAPACITY})
    if capacity < row.taken:
        raise DomainError(
            _("%(n)s seats are already taken: seats cannot be fewer.") % {"n": row.taken}
        )
    closes = signup_closes_at or starts_at
    _check_times(starts_at, ends_at, closes)
    row.title = title
    row.starts_at, row.ends_at, row.signup_closes_at = starts_at, ends_at, closes
    row.capacity = capacity
    row.venue = venue.strip() or row.venue
    row.description = description.strip()
    row.audience = audience.strip()
    try:
        with transaction.atomic():
            row.save(
                update_fields=[
                    "title",
                    "starts_at",
                    "ends_at",
                    "signup_closes_at",
                    "capacity",
                    "venue",
                    "description",
                    "audience",
                ]
            )
    except IntegrityError:
        raise DomainError(
            _("Another activity with this title starts at the same time here.")
        ) from None
    promoted = _fill_seats(row)
    _refresh(activity, row)
    return promoted


def _refresh(activity: Activity, row: Activity) -> None:
    for name in ("title", "starts_at", "ends_at", "signup_closes_at", "capacity", "taken"):
        setattr(activity, name, getattr(row, name))
    activity.state = row.state


@transaction.atomic
def cancel_activity(*, activity: Activity, actor: User | None = None) -> Activity:
    row = _locked(activity)
    if row.state == ActivityState.CANCELLED:
        return row
    if row.state == ActivityState.HELD:
        raise DomainError(_("This activity has already been held."))
    row.state = ActivityState.CANCELLED
    row.save(update_fields=["state"])
    activity.state = row.state
    return row


@transaction.atomic
def mark_held(
    *, activity: Activity, actor: User | None = None, now: datetime | None = None
) -> Activity:
    row = _locked(activity)
    if row.state == ActivityState.HELD:
        return row
    if row.state == ActivityState.CANCELLED:
        raise DomainError(_("A cancelled activity cannot be marked as held."))
    if (now or timezone.now()) < row.starts_at:
        raise DomainError(_("The activity has not started yet."))
    row.state = ActivityState.HELD
    row.save(update_fields=["state"])
    activity.state = row.state
    return row


# --- Sign-up, waiting list, cancellation ----------------------------------------------------


@dataclass
class SignupResult:
    """Who got a seat, who is on the waiting list and who was already signed up."""

    confirmed: list[ActivitySignup] = field(default_factory=list)
    waiting: list[ActivitySignup] = field(default_factory=list)
    already: list[ActivitySignup] = field(default_factory=list)


def _take_seat(activity_pk: int) -> bool:
    """Give one seat if one is left (the guard that makes the last seat go once)."""
    return (
        Activity.objects.filter(
            pk=activity_pk, state=ActivityState.PLANNED, taken__lt=F("capacity")
        ).update(taken=F("taken") + 1)
        == 1
    )


@transaction.atomic
def sign_up(
    *,
    activity: Activity,
    residents: Sequence[Resident],
    actor: User,
    on_behalf: bool = False,
    now: datetime | None = None,
) -> SignupResult:
    """Sign up residents: a resident for themselves and members of their own household, or
    staff for a resident of the neighborhood (``on_behalf``, recorded). Each gets a seat
    while seats last, in the order given; the rest go on the waiting list."""
    if not residents:
        raise DomainError(_("Please choose who is coming."))
    now = now or timezone.now()
    row = _locked(activity)
    if row.state == ActivityState.CANCELLED:
        raise DomainError(_("This activity has been cancelled."))
    if not row.signup_open(now):
        raise DomainError(_("Sign-up for this activity has closed."))
    if on_behalf:
        hood = neighborhood_path(row.path)
        if any(not r.path.startswith(hood) for r in residents):
            raise DomainError(_("Only residents of this neighborhood can be signed up."))
    else:
        own = actor.resident
        if own is None:
            raise DomainError(_("Only a resident's account can sign up."))
        if any(r.household_id != own.household_id for r in residents):
            raise DomainError(_("You can sign up yourself and your own household only."))
        if not own.path.startswith(neighborhood_path(row.path)):
            raise DomainError(_("This activity is for residents of another neighborhood."))
    result = SignupResult()
    live = {
        s.resident_id: s
        for s in ActivitySignup.objects.filter(
            activity=row, resident__in=list(residents), state__in=LIVE_STATES
        ).select_related("resident")
    }
    seen: set[int] = set()
    for resident in residents:
        if resident.pk in seen:
            continue
        seen.add(resident.pk)
        if resident.pk in live:
            result.already.append(live[resident.pk])
            continue
        try:
            with transaction.atomic():
                seated = _take_seat(row.pk)
                signup = ActivitySignup.objects.create(
                    activity=row,
                    resident=resident,
                    state=SignupState.CONFIRMED if seated else SignupState.WAITING,
                    signed_up_by=actor,
                    on_behalf=on_behalf,
                    created_at=now,
                )
        except IntegrityError:  # signed up at the same moment from another phone
            existing = ActivitySignup.objects.get(
                activity=row, resident=resident, state__in=LIVE_STATES
            )
            result.already.append(existing)
            continue
        (result.confirmed if seated else result.waiting).append(signup)
    activity.taken = Activity.objects.values_list("taken", flat=True).get(pk=row.pk)
    return result


def _fill_seats(activity: Activity, now: datetime | None = None) -> list[ActivitySignup]:
    """Give free seats to the earliest waiting sign-ups (the activity row is locked)."""
    promoted: list[ActivitySignup] = []
    if activity.state != ActivityState.PLANNED:
        return promoted
    now = now or timezone.now()
    while True:
        waiting = (
            ActivitySignup.objects.select_for_update()
            .filter(activity_id=activity.pk, state=SignupState.WAITING)
            .order_by("created_at", "id")
            .first()
        )
        if waiting is None or not _take_seat(activity.pk):
            break
        waiting.state = SignupState.CONFIRMED
        waiting.promoted_at = now
        waiting.save(update_fields=["state", "promoted_at"])
        promoted.append(waiting)
    activity.taken = Activity.objects.values_list("taken", flat=True).get(pk=activity.pk)
    return promoted


@transaction.atomic
def cancel_signup(
    *, signup: ActivitySignup, actor: User | None = None, now: datetime | None = None
) -> list[ActivitySignup]:
    """Cancel a sign-up. A freed seat goes to the earliest waiting sign-up(s) at once;
    returns those promoted. Cancelling twice changes nothing more."""
    now = now or timezone.now()
    row = _locked(signup.activity)
    current = ActivitySignup.objects.select_for_update().get(pk=signup.pk)
    if current.state == SignupState.CANCELLED:
        signup.state = current.state
        return []
    if row.state != ActivityState.PLANNED:
        raise DomainError(_("Sign-ups can only be cancelled before the activity."))
    if now >= row.starts_at:
        raise DomainError(_("The activity has started; sign-ups can no longer be cancelled."))
    was_confirmed = current.state == SignupState.CONFIRMED
    current.state = SignupState.CANCELLED
    current.cancelled_at = now
    current.save(update_fields=["state", "cancelled_at"])
    signup.state, signup.cancelled_at = current.state, current.cancelled_at
    if not was_confirmed:
        return []
    Activity.objects.filter(pk=row.pk, taken__gt=0).update(taken=F("taken") - 1)
    row.taken = max(row.taken - 1, 0)
    return _fill_seats(row, now)


# --- Check-in -------------------------------------------------------------------------------


@transaction.atomic
def mark_checkins(
    *, activity: Activity, checked_ids: Iterable[int], now: datetime | None = None
) -> int:
    """Staff tick who came (confirmed sign-ups); returns how many are checked in."""
    ids = set(checked_ids)
    now = now or timezone.now()
    if activity.state == ActivityState.CANCELLED:
        raise DomainError(_("This activity has been cancelled."))
    rows = list(
        ActivitySignup.objects.select_for_update().filter(
            activity=activity, state=SignupState.CONFIRMED
        )
    )
    changed = []
    for s in rows:
        came = s.pk in ids
        if came and s.checked_in_at is None:
            s.checked_in_at, s.method = now, CheckInMethod.STAFF
            changed.append(s)
        elif not came and s.checked_in_at is not None:
            s.checked_in_at, s.method = None, ""
            changed.append(s)
    ActivitySignup.objects.bulk_update(changed, ["checked_in_at", "method"])
    return sum(1 for s in rows if s.checked_in_at is not None)


def checkin_token(activity: Activity) -> str:
    """The signed token in the activity's QR code (the same for the whole activity)."""
    return checkin.make_token(activity.pk, salt=CHECKIN_SALT)


def checkin_window(activity: Activity) -> tuple[datetime, datetime]:
    return activity.starts_at - CHECKIN_OPENS_BEFORE, activity.ends_at


def checkin_open(activity: Activity, now: datetime | None = None) -> bool:
    opens, closes = checkin_window(activity)
    return activity.state != ActivityState.CANCELLED and opens <= (now or timezone.now()) <= closes


def activity_for_token(token: str, *, now: datetime | None = None) -> Activity:
    """The activity of a check-in token if it is genuine and check-in is open; else
    ``DomainError`` saying why."""
    pk = checkin.read_token(token, salt=CHECKIN_SALT)
    activity = Activity.objects.select_related("place").filter(pk=pk).first()
    if activity is None:
        raise checkin.invalid()
    if activity.state == ActivityState.CANCELLED:
        raise DomainError(_("This activity has been cancelled."))
    checkin.check_window(
        now or timezone.now(),
        *checkin_window(activity),
        too_early=_("Check-in opens 30 minutes before the activity starts."),
        too_late=_("This activity is over; its check-in code has expired."),
    )
    return activity


@transaction.atomic
def check_in(*, token: str, user: User, now: datetime | None = None) -> ActivitySignup:
    """A signed-in resident with a seat checks in by the activity's QR code."""
    activity = activity_for_token(token, now=now)
    resident = user.resident
    if resident is None:
        raise DomainError(_("Only a resident's account can check in."))
    signup = (
        ActivitySignup.objects.select_for_update()
        .filter(activity=activity, resident=resident, state__in=LIVE_STATES)
        .first()
    )
    if signup is None:
        raise DomainError(_("You are not signed up for this activity."))
    if signup.state != SignupState.CONFIRMED:
        raise DomainError(_("You are on the waiting list and have no seat yet."))
    if signup.checked_in_at is None:
        signup.checked_in_at = now or timezone.now()
        signup.method = CheckInMethod.QR
        signup.save(update_fields=["checked_in_at", "method"])
    return signup


# --- Helpers and their hours -----------------------------------------------------------------


@transaction.atomic
def add_helper(
    *,
    activity: Activity,
    volunteer: Volunteer,
    role: str = "",
    hours: Decimal | None = None,
) -> ActivityHelper:
    """Add a helper (adding the same volunteer again updates the task and hours)."""
    if activity.state == ActivityState.CANCELLED:
        raise DomainError(_("This activity has been cancelled."))
    if not volunteer.path.startswith(neighborhood_path(activity.path)):
        raise DomainError(_("The helper must be a volunteer of this neighborhood."))
    if hours is not None and not Decimal("0") < hours <= Decimal("24"):
        raise DomainError(_("Hours must be more than 0 and at most 24."))
    helper, _created = ActivityHelper.objects.get_or_create(
        activity=activity, volunteer=volunteer, defaults={"role": role.strip(), "hours": hours}
    )
    if not _created and helper.credited_at is None:
        helper.role, helper.hours = role.strip(), hours
        helper.save(update_fields=["role", "hours"])
    return helper


@transaction.atomic
def remove_helper(*, helper: ActivityHelper) -> None:
    if helper.credited_at is not None:
        raise DomainError(_("This helper's hours are already credited."))
    helper.delete()


def credit_helpers(activity: Activity, *, now: datetime | None = None) -> int:
    """Credit each helper of a held activity in the hours ledger, once (pending until the
    team approves). Returns how many helpers were credited by this call."""
    if activity.state != ActivityState.HELD:
        raise DomainError(_("Hours are credited after the activity is held."))
    now = now or timezone.now()
    count = 0
    team = activity.organiser_team if activity.organiser_kind == OrganiserKind.TEAM else None
    for helper in ActivityHelper.objects.filter(activity=activity).select_related("volunteer"):
        service = activity.title + (f"（{helper.role}）" if helper.role else "")
        with transaction.atomic():
            credit_hours(
                volunteer=helper.volunteer,
                service=service[:200],
                started_at=activity.starts_at,
                ended_at=activity.ends_at,
                path=activity.path,
                source=HoursSource.ACTIVITY,
                source_ref=helper.pk,
                team=team,
                hours=helper.hours,
            )
            if (
                ActivityHelper.objects.filter(pk=helper.pk, credited_at__isnull=True).update(
                    credited_at=now
                )
                == 1
            ):
                count += 1
    return count


# --- After the activity: summary and photos ----------------------------------------------------


@transaction.atomic
def save_summary(*, activity: Activity, summary: str) -> Activity:
    if activity.state != ActivityState.HELD:
        raise DomainError(_("The summary is written after the activity is held."))
    activity.summary = summary.strip()
    activity.save(update_fields=["summary"])
    return activity


@transaction.atomic
def add_photos(
    *,
    activity: Activity,
    uploads: Sequence[UploadedFile],
    caption: str = "",
    actor: User | None = None,
    form_key: str = "",
) -> list[ActivityPhoto]:
    """Store photos of a held activity. The same form (``form_key``) stores them once."""
    if activity.state != ActivityState.HELD:
        raise DomainError(_("Photos are added after the activity is held."))
    if not uploads:
        raise DomainError(_("Please choose a photo."))
    if (
        form_key
        and ActivityPhoto.objects.filter(
            activity=activity, form_key__startswith=f"{form_key}:"
        ).exists()
    ):
        return []
    have = ActivityPhoto.objects.filter(activity=activity).count()
    if have + len(uploads) > MAX_PHOTOS:
        raise DomainError(_("At most %(n)s photos per activity.") % {"n": MAX_PHOTOS})
    photos = []
    try:
        with transaction.atomic():
            for i, upload in enumerate(uploads):
                photos.append(
                    ActivityPhoto.objects.create(
                        activity=activity,
                        file=store_photo(upload, folder="activities"),
                        caption=caption.strip()[:100],
                        uploaded_by=actor,
                        form_key=f"{form_key}:{i}" if form_key else "",
                    )
                )
    except IntegrityError:  # the same form, submitted twice at once
        return []
    return photos


__all__ = [
    "SignupResult",
    "activity_for_token",
    "add_helper",
    "add_photos",
    "cancel_activity",
    "cancel_signup",
    "check_in",
    "checkin_token",
    "create_activity",
    "credit_helpers",
    "mark_checkins",
    "mark_held",
    "remove_helper",
    "save_summary",
    "sign_up",
    "update_activity",
]
