"""Every write of the notifications app.

``notify`` puts messages in inboxes and queues their e-mails by each person's preferences;
``post_to_robots`` queues posts to group robots. Both take the identity of the event
(``event``: e.g. ``"meeting:12:202611301900"``) and add the target to it, so calling them
again for the same event — a job run twice, or re-run after an interruption — creates
nothing new. Sending is the task worker's (``delivery.send_due``), after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from sanxian.accounts.models import User
from sanxian.audit.models import AuditAction
from sanxian.audit.services import record
from sanxian.notifications.models import (
    DEFAULT_EMAIL_MODE,
    PREFERENCE_KINDS,
    Channel,
    Delivery,
    EmailMode,
    Notification,
    NotificationPreference,
    RobotKind,
    RobotWebhook,
)
from sanxian.personal_data import seal
from sanxian.places.models import Place
from sanxian.volunteers.models import VolunteerTeam


@dataclass(frozen=True)
class Message:
    """What to say about one event (already in the product's language)."""

    event: str  # identity of the event, e.g. "appeal_event:42"
    kind: str
    title: str
    body: str = ""
    link: str = ""


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _send_after_commit() -> None:
    from sanxian.notifications.tasks import send_deliveries

    transaction.on_commit(send_deliveries.enqueue)


def email_modes(user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """Each person's chosen e-mail mode per kind (missing: the default)."""
    return {
        (user_id, kind): mode
        for user_id, kind, mode in NotificationPreference.objects.filter(
            user_id__in=list(user_ids)
        ).values_list("user_id", "kind", "email")
    }


@transaction.atomic
def notify(items: Sequence[tuple[int, Message]], *, now: datetime | None = None) -> int:
    """Put each ``(recipient id, message)`` in that person's inbox, once per event and
    person, and queue an e-mail where they want one at once; returns how many
    notifications are new."""
    if not items:
        return 0
    now = now or timezone.now()
    rows = {f"{message.event}:u{user_id}": (user_id, message) for user_id, message in items}
    keys = list(rows)
    existing = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                kind=message.kind,
                key=key,
                title=_clip(message.title, 200),
                body=message.body,
                link=message.link,
                created_at=now,
            )
            for key, (user_id, message) in rows.items()
            if key not in existing
        ],
        ignore_conflicts=True,
    )
    # E-mails of every notification of these events that has none yet (also those whose
    # creation an interrupted run left without one).
    user_ids = {user_id for user_id, _ in rows.values()}
    modes = email_modes(user_ids)
    addresses = dict(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )
    deliveries = [
        Delivery(
            key=f"{n.key}:email",
            channel=Channel.EMAIL,
            notification=n,
            recipient_id=n.recipient_id,
            kind=n.kind,
            title=n.title,
            body=n.body,
            link=n.link,
            next_attempt_at=now,
            created_at=now,
        )
        for n in Notification.objects.filter(key__in=keys).only(
            "id", "key", "recipient_id", "kind", "title", "body", "link"
        )
        if n.recipient_id in addresses
        and modes.get((n.recipient_id, n.kind), DEFAULT_EMAIL_MODE) == EmailMode.IMMEDIATE
    ]
    if deliveries:
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        _send_after_commit()
    return len(keys) - len(existing)


@transaction.atomic
def post_to_robots(
    robots: Iterable[RobotWebhook], message: Message, *, now: datetime | None = None
) -> int:
    """Queue ``message`` for each active robot, once per event and robot; returns how many
    robots are queued (new or already)."""
    now = now or timezone.now()
    targets = [r for r in robots if r.active]
    if not targets:
        return 0
    Delivery.objects.bulk_create(
        [
            Delivery(
                key=f"{message.event}:r{robot.pk}",
                channel=Channel.ROBOT,
                robot=robot,
                kind=message.kind,
                title=_clip(message.title, 200),
                body=message.body,
                link=message.link,
                next_attempt_at=now,
                created_at=now,
            )
            for robot in targets
        ],
        ignore_conflicts=True,
    )
    _send_after_commit()
    return len(targets)


# --- Inbox ---------------------------------------------------------------------------------


def mark_read(*, notification: Notification, now: datetime | None = None) -> bool:
    """Mark one notification read (already read: nothing changes)."""
    return bool(
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now or timezone.now()
        )
    )


def mark_all_read(*, user: User, now: datetime | None = None) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


# --- Preferences ----------------------------------------------------------------------------


@transaction.atomic
def set_preferences(*, user: User, modes: Mapping[str, str]) -> None:
    """Store the person's e-mail mode for each kind they may choose."""
    for kind, mode in modes.items():
        if kind not in PREFERENCE_KINDS:
            raise ValueError(kind)
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": EmailMode(mode)}
        )


# --- Group robots ---------------------------------------------------------------------------


def url_hint(url: str) -> str:
    """Enough of a robot address to tell robots apart, never the key itself."""
    parts = urlsplit(url)
    return f"{parts.hostname or ''} …{url[-4:]}"


@transaction.atomic
def add_robot(
    *,
    kind: str,
    name: str,
    url: str,
    secret: str = "",
    place: Place | None = None,
    team: VolunteerTeam | None = None,
    actor: User | None = None,
) -> RobotWebhook:
    """Configure a group robot of a place or of a volunteer team (address and secret
    sealed at rest)."""
    if (place is None) == (team is None):
        raise ValueError("a robot belongs to one place or one team")
    url = url.strip()
    path = place.path if place is not None else team.path  # type: ignore[union-attr]
    robot = RobotWebhook.objects.create(
        place=place,
        team=team,
        path=path,
        kind=RobotKind(kind),
        name=name.strip(),
        url_sealed=seal(url).sealed,
        url_hint=url_hint(url),
        secret_sealed=seal(secret.strip()).sealed if secret.strip() else "",
        created_by=actor,
    )
    record(AuditAction.RECORD_CHANGED, actor=actor, target=robot, change="robot added")
    return robot


def set_robot_active(*, robot: RobotWebhook, active: bool, actor: User | None) -> RobotWebhook:
    robot.active = active
    robot.save(update_fields=["active"])
    record(
        AuditAction.RECORD_CHANGED,
        actor=actor,
        target=robot,
        change="robot switched on" if active else "robot switched off",
    )
    return robot


@transaction.atomic
def remove_robot(*, robot: RobotWebhook, actor: User | None) -> None:
    record(AuditAction.RECORD_CHANGED, actor=actor, target=robot, change="robot removed")
    robot.delete()
