"""Reads of the notifications app, and the access helpers (404 outside what one may see)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from sanxian.accounts.models import STAFF_ROLES
from sanxian.accounts.scope import get_scope
from sanxian.notifications.models import (
    DEFAULT_EMAIL_MODE,
    PREFERENCE_KINDS,
    Delivery,
    DeliveryState,
    Kind,
    Notification,
    NotificationPreference,
    RobotWebhook,
)
from sanxian.places.models import Place, PlaceKind
from sanxian.volunteers.models import VolunteerTeam
from sanxian.volunteers.selectors import get_team_for_user, get_viewer

PAGE_SIZE = 30
UNREAD_CAP = 100  # the top bar shows "99+" beyond
ROBOT_PLACE_KINDS = (PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD)
RECENT_DELIVERIES = 20


def unread_count(user) -> int:
    """Unread notifications, counted up to ``UNREAD_CAP`` (one indexed query)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)[:UNREAD_CAP].count()


@dataclass
class InboxPage:
    notifications: list[Notification]
    next_before: int | None
    has_unread: bool


def inbox_page(user, *, before: int | None = None) -> InboxPage:
    qs = Notification.objects.filter(recipient=user)
    if before is not None:
        qs = qs.filter(pk__lt=before)
    rows = list(
        qs.only("id", "kind", "title", "body", "link", "created_at", "read_at").order_by("-id")[
            : PAGE_SIZE + 1
        ]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return InboxPage(
        notifications=rows,
        next_before=rows[-1].pk if more else None,
        has_unread=any(n.read_at is None for n in rows),
    )


def get_notification_for_user(user, pk: int) -> Notification:
    """One's own notification; anyone else's is 404."""
    found = Notification.objects.filter(pk=pk, recipient_id=user.pk).first()
    if found is None:
        raise Http404
    return found


def preferences_of(user) -> dict[str, str]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind, DEFAULT_EMAIL_MODE) for kind in PREFERENCE_KINDS}


def kind_label(kind: str) -> str:
    return str(Kind(kind).label)


# --- Group robots ----------------------------------------------------------------------------


def _staff_place_paths(user) -> list[str]:
    """Paths of the places where the user holds a staff role now."""
    scope = get_scope(user)
    return [
        a.place.path for a in scope.assignments if a.role in STAFF_ROLES and a.place is not None
    ]


def may_configure_place(user, place: Place) -> bool:
    return place.kind in ROBOT_PLACE_KINDS and any(
        place.path.startswith(p) for p in _staff_place_paths(user)
    )


def get_robot_place_for_user(user, pk: int) -> Place:
    place = Place.objects.filter(pk=pk, kind__in=ROBOT_PLACE_KINDS).first()
    if place is None or not may_configure_place(user, place):
        raise Http404
    return place


def get_robot_team_for_user(user, pk: int) -> VolunteerTeam:
    return get_team_for_user(user, pk, manage=True)


def get_robot_for_user(user, pk: int) -> RobotWebhook:
    robot = RobotWebhook.objects.select_related("place", "team").filter(pk=pk).first()
    if robot is None:
        raise Http404
    if robot.place is not None:
        if not may_configure_place(user, robot.place):
            raise Http404
    elif robot.team is not None:
        get_team_for_user(user, robot.team.pk, manage=True)
    return robot


@dataclass
class RobotTargets:
    places: list[Place]
    teams: list[VolunteerTeam]

    @property
    def any(self) -> bool:
        return bool(self.places or self.teams)


def robot_targets(user) -> RobotTargets:
    """The places and volunteer teams whose group robots the user may configure."""
    paths = _staff_place_paths(user)
    places: list[Place] = []
    if paths:
        q = Q()
        for p in paths:
            q |= Q(path__startswith=p)
        places = list(Place.objects.filter(q, kind__in=ROBOT_PLACE_KINDS).order_by("path")[:200])
    viewer = get_viewer(user)
    team_q = Q(pk__in=list(viewer.led_team_ids))
    if paths:
        for p in paths:
            team_q |= Q(path__startswith=p)
    teams = list(VolunteerTeam.objects.filter(team_q).order_by("path", "name")[:200])
    return RobotTargets(places=places, teams=teams)


@dataclass
class RobotPage:
    robots: list[RobotWebhook]
    deliveries: list[Delivery]


def robot_page(*, place: Place | None = None, team: VolunteerTeam | None = None) -> RobotPage:
    robots = list(
        RobotWebhook.objects.filter(place=place)
        if place is not None
        else RobotWebhook.objects.filter(team=team)
    )
    deliveries = (
        list(
            Delivery.objects.filter(robot__in=[r.pk for r in robots])
            .select_related("robot")
            .order_by("-id")[:RECENT_DELIVERIES]
        )
        if robots
        else []
    )
    return RobotPage(robots=robots, deliveries=deliveries)


def failed_deliveries() -> QuerySet[Delivery]:
    return Delivery.objects.filter(state=DeliveryState.FAILED)
