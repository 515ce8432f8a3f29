"""Reads of activities, scoped to the user.

Who sees an activity: everyone who lives or works in its neighborhood
(``scope.in_community``), and the leaders of its organising team. Who manages it (edit,
cancel, check-in, the QR code, helpers, summary, photos, signing up a resident on their
behalf): staff whose scope covers its place, and the current leaders of the organising
volunteer team. Everyone else gets 404, so nothing can be probed by guessing ids.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from sanxian.accounts.scope import Scope, get_scope
from sanxian.activities.models import (
    LIVE_STATES,
    Activity,
    ActivityHelper,
    ActivityPhoto,
    ActivitySignup,
    ActivityState,
    SignupState,
)
from sanxian.activities.services import neighborhood_path
from sanxian.party.models import PartyOrg, PartyOrgKind
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.places.paths import subtree_q
from sanxian.volunteers.models import TeamMembership, Volunteer, VolunteerTeam

SOON_DAYS = 60
MAX_LIST = 60
MAX_PAST = 20
MAX_CHOICES = 300


def led_team_ids(user) -> frozenset[int]:
    """Teams the user currently leads (through the volunteer record of their resident);
    computed once per request."""
    cached = getattr(user, "_sanxian_led_teams", None)
    if cached is not None:
        return cached
    ids: frozenset[int] = frozenset()
    if user.is_authenticated and user.resident_id is not None:
        ids = frozenset(
            TeamMembership.objects.filter(
                volunteer__resident_id=user.resident_id, is_leader=True, left_on__isnull=True
            ).values_list("team_id", flat=True)
        )
    user._sanxian_led_teams = ids
    return ids


def can_manage(user, activity: Activity) -> bool:
    scope = get_scope(user)
    if scope.is_staff and scope.covers(activity.path):
        return True
    return activity.organiser_team_id is not None and activity.organiser_team_id in led_team_ids(
        user
    )


def can_create(user) -> bool:
    scope = get_scope(user)
    return (scope.is_staff and not scope.is_empty) or bool(led_team_ids(user))


def visible_q(user, scope: Scope) -> Q:
    q = scope.community_q()
    teams = led_team_ids(user)
    if teams:
        q |= Q(organiser_team_id__in=list(teams))
    return q


def may_list(user) -> bool:
    return bool(get_scope(user).community_paths) or bool(led_team_ids(user))


def get_activity_for_user(user, pk: int, *, manage: bool = False) -> Activity:
    """The activity if the user may see it (``manage``: run it), else 404."""
    activity = (
        Activity.objects.select_related("place", "organiser_team", "organiser_branch")
        .filter(pk=pk)
        .first()
    )
    if activity is None:
        raise Http404
    if can_manage(user, activity):
        return activity
    if manage or not get_scope(user).in_community(activity.path):
        raise Http404
    return activity


def _with_counts(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.select_related("place", "organiser_team", "organiser_branch").annotate(
        waiting_count=Count("signups", filter=Q(signups__state=SignupState.WAITING))
    )


def _position_subquery() -> Coalesce:
    ahead = (
        ActivitySignup.objects.filter(
            activity_id=OuterRef("activity_id"), state=SignupState.WAITING
        )
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id"))
        )
        .order_by()
        .values("activity_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(ahead, output_field=IntegerField()), 0)


def _household_signups(user, activity_ids: list[int] | None = None) -> QuerySet[ActivitySignup]:
    resident = user.resident if user.is_authenticated else None
    if resident is None:
        return ActivitySignup.objects.none()
    qs = ActivitySignup.objects.filter(resident__household_id=resident.household_id)
    if activity_ids is not None:
        qs = qs.filter(activity_id__in=activity_ids)
    return qs.select_related("resident").annotate(ahead=_position_subquery())


# --- List -----------------------------------------------------------------------------------


@dataclass
class ActivityList:
    soon: list[Activity]
    later: list[Activity]
    past: list[Activity]
    promoted: list[ActivitySignup]
    can_create: bool


def listed_activities(
    user, now: datetime | None = None
) -> tuple[QuerySet[Activity], QuerySet[Activity]]:
    """What the list shows, without the page's caps: upcoming (soonest first, cancelled
    ones too) and past (latest first, not cancelled) — the page and its export."""
    scope = get_scope(user)
    now = now or timezone.now()
    base = _with_counts(Activity.objects.filter(visible_q(user, scope)))
    return (
        base.filter(ends_at__gte=now).order_by("starts_at", "id"),
        base.filter(ends_at__lt=now)
        .exclude(state=ActivityState.CANCELLED)
        .order_by("-starts_at", "-id"),
    )


def activity_list(user, now: datetime | None = None) -> ActivityList:
    """What is coming in my neighborhood: the next 60 days first, then later ones, then past
    activities with their summary and photos. Each activity carries ``mine``: my household's
    live sign-ups."""
    now = now or timezone.now()
    upcoming_qs, past_qs = listed_activities(user, now)
    upcoming = list(upcoming_qs[:MAX_LIST])
    photos = Prefetch("photos", queryset=ActivityPhoto.objects.order_by("id"))
    past = list(past_qs.prefetch_related(photos)[:MAX_PAST])
    mine: dict[int, list[ActivitySignup]] = defaultdict(list)
    promoted = []
    ids = [a.pk for a in upcoming]
    if ids:
        for s in _household_signups(user, ids).filter(state__in=LIVE_STATES).order_by("id"):
            mine[s.activity_id].append(s)
            if s.promoted_at is not None and s.state == SignupState.CONFIRMED:
                promoted.append(s)
    by_id = {a.pk: a for a in upcoming}
    for s in promoted:
        s.activity = by_id[s.activity_id]
    soon_until = now + timedelta(days=SOON_DAYS)
    for a in upcoming:
        a.mine = mine.get(a.pk, [])  # type: ignore[attr-defined]
    return ActivityList(
        soon=[a for a in upcoming if a.starts_at < soon_until],
        later=[a for a in upcoming if a.starts_at >= soon_until],
        past=past,
        promoted=promoted,
        can_create=can_create(user),
    )


def my_signups(user) -> list[ActivitySignup]:
    """Every sign-up of my household, newest activity first."""
    return list(
        _household_signups(user)
        .select_related("activity", "activity__place")
        .order_by("-activity__starts_at", "activity_id", "id")[:200]
    )


# --- Detail ---------------------------------------------------------------------------------


@dataclass
class Member:
    resident: Resident
    signup: ActivitySignup | None = None

    @property
    def position(self) -> int:
        return int(getattr(self.signup, "ahead", 0)) + 1


@dataclass
class ActivityPage:
    activity: Activity
    can_manage: bool
    waiting: int
    household: list[Member] = field(default_factory=list)
    helpers: list[ActivityHelper] = field(default_factory=list)
    photos: list[ActivityPhoto] = field(default_factory=list)
    checked_in: int = 0

    @property
    def can_sign_up_someone(self) -> bool:
        return any(m.signup is None for m in self.household)

    @property
    def household_signed_up(self) -> bool:
        return any(m.signup is not None for m in self.household)


def activity_page(user, activity: Activity) -> ActivityPage:
    manage = can_manage(user, activity)
    counts = ActivitySignup.objects.filter(activity=activity).aggregate(
        waiting=Count("id", filter=Q(state=SignupState.WAITING)),
        checked_in=Count("id", filter=Q(state=SignupState.CONFIRMED, checked_in_at__isnull=False)),
    )
    page = ActivityPage(
        activity=activity,
        can_manage=manage,
        waiting=counts["waiting"],
        checked_in=counts["checked_in"],
        photos=list(ActivityPhoto.objects.filter(activity=activity).order_by("id")),
    )
    resident = user.resident if user.is_authenticated else None
    if resident is not None and resident.path.startswith(neighborhood_path(activity.path)):
        members = list(
            Resident.objects.current()
            .filter(household_id=resident.household_id)
            .order_by("relation", "birth_year", "id")
        )
        live = {
            s.resident_id: s
            for s in _household_signups(user, [activity.pk]).filter(state__in=LIVE_STATES)
        }
        # Me first, then the rest of the household.
        members.sort(key=lambda r: r.pk != resident.pk)
        page.household = [Member(r, live.get(r.pk)) for r in members]
    if manage or activity.state == ActivityState.HELD:
        page.helpers = list(
            ActivityHelper.objects.filter(activity=activity)
            .select_related("volunteer")
            .order_by("id")
        )
    return page


def listed_signups(activity: Activity) -> QuerySet[ActivitySignup]:
    """Every sign-up of an activity: confirmed, then waiting in order, then cancelled."""
    order = Case(
        When(state=SignupState.CONFIRMED, then=Value(0)),
        When(state=SignupState.WAITING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        ActivitySignup.objects.filter(activity=activity)
        .select_related("resident", "resident__household", "signed_up_by")
        .order_by(order, "created_at", "id")
    )


def signups(activity: Activity) -> list[ActivitySignup]:
    """Every sign-up of an activity (confirmed, waiting in order, cancelled)."""
    return list(listed_signups(activity))


def helper_choices(activity: Activity) -> list[Volunteer]:
    """Volunteers of the activity's neighborhood (the organising team's members first)."""
    hood = neighborhood_path(activity.path)
    qs = Volunteer.objects.filter(subtree_q(hood)).order_by("name", "id")
    if activity.organiser_team_id is not None:
        qs = qs.annotate(
            in_team=Count(
                "memberships",
                filter=Q(
                    memberships__team_id=activity.organiser_team_id,
                    memberships__left_on__isnull=True,
                ),
            )
        ).order_by("-in_team", "name", "id")
    return list(qs[:MAX_CHOICES])


def resident_candidates(user, activity: Activity, query: str) -> list[Resident]:
    """Residents of the activity's neighborhood matching a name, initials or room (for
    signing up on someone's behalf)."""
    from sanxian.places.selectors import search_residents

    hood = neighborhood_path(activity.path)
    scope = get_scope(user)
    if not (scope.is_staff and scope.covers(activity.path)):
        scope = Scope(roles=scope.roles, paths=(hood,))
    return [r for r in search_residents(scope, query, limit=30) if r.path.startswith(hood)]


# --- Forms' choices ---------------------------------------------------------------------------


def place_choices(user) -> list[Place]:
    scope = get_scope(user)
    q = Q(pk__in=[])
    if scope.is_staff:
        q |= scope.q()
    teams = led_team_ids(user)
    if teams:
        q |= Q(volunteer_teams__id__in=list(teams))
    return list(
        Place.objects.filter(q)
        .filter(kind__in=[PlaceKind.NEIGHBORHOOD, PlaceKind.BLOCK, PlaceKind.BUILDING])
        .distinct()
        .order_by("path")[:MAX_CHOICES]
    )


def team_choices(user) -> list[VolunteerTeam]:
    scope = get_scope(user)
    q = Q(pk__in=list(led_team_ids(user)))
    if scope.is_staff:
        q |= scope.community_q()
    return list(VolunteerTeam.objects.filter(q).order_by("path", "name")[:MAX_CHOICES])


def branch_choices(user) -> list[PartyOrg]:
    scope = get_scope(user)
    if not scope.is_staff:
        return []
    return list(
        PartyOrg.objects.filter(
            scope.community_q("scope_path"),
            kind__in=[PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH],
        ).order_by("scope_path", "id")[:MAX_CHOICES]
    )


def get_photo_for_user(user, pk: int) -> ActivityPhoto:
    photo = ActivityPhoto.objects.select_related("activity").filter(pk=pk).first()
    if photo is None:
        raise Http404
    get_activity_for_user(user, photo.activity_id)
    return photo


def coming_soon(user, *, limit: int = 3, now: datetime | None = None) -> list[Activity]:
    """The next activities in my neighborhood (for the home page), not cancelled."""
    scope = get_scope(user)
    if not scope.community_paths:
        return []
    now = now or timezone.now()
    return list(
        Activity.objects.filter(scope.community_q(), ends_at__gte=now)
        .exclude(state=ActivityState.CANCELLED)
        .order_by("starts_at", "id")[:limit]
    )


# --- Sign-ups by the household ----------------------------------------------------------------


def household_residents(user, resident_ids: list[int]) -> list[Resident]:
    """The residents a user signs up: the user's own household among ``resident_ids``, the
    user first, then in the order of the ids. 404 when the user is not a resident or an id
    is not of their household (nothing about other households can be probed)."""
    own = user.resident if user.is_authenticated else None
    if own is None:
        raise Http404
    residents = list(
        Resident.objects.filter(pk__in=resident_ids, household_id=own.household_id).order_by("id")
    )
    if len(residents) != len(set(resident_ids)):
        raise Http404
    residents.sort(key=lambda r: r.pk != own.pk)
    return residents


def signup_to_cancel(user, activity: Activity, signup_pk: int) -> ActivitySignup:
    """A sign-up of ``activity`` the user may cancel: one of their household's, or any for
    those who manage the activity; else 404."""
    signup = (
        ActivitySignup.objects.select_related("resident", "activity")
        .filter(activity=activity, pk=signup_pk)
        .first()
    )
    if signup is None:
        raise Http404
    own = user.resident if user.is_authenticated else None
    if own is not None and signup.resident.household_id == own.household_id:
        return signup
    if can_manage(user, activity):
        return signup
    raise Http404
