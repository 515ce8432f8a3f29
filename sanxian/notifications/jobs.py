"""The periodic work of notifications; each job is idempotent.

- ``remind_meetings``: meetings starting in the next 24 hours → each invitee with an
  account (inbox, e-mail) and the group robots of the meeting's neighborhood (not for the
  party-only 15th meeting). One reminder per meeting, start time and target: a meeting moved
  to another time is reminded again, a job run twice reminds once.
- ``remind_shifts``: duty shifts starting in the next 24 hours → the team's group robots,
  with the seats still free.
- ``scan_events``: new appeal events (the resident hears when their appeal is acknowledged,
  handled, resolved, rejected, merged or reopened; staff of the place an overdue appeal was
  escalated to hear of it) and issue events (whoever raised the issue hears of each
  transition). The scan reads the append-only event tables after a cursor, re-reading a
  margin behind it so that an event committed late is not missed; the notifications' keys
  (event id + person) make re-reading harmless.
- ``send_digests``: once a day, one summary (inbox and e-mail) per person who chose the
  daily digest for some kind, of the previous day's notifications of those kinds.

Each person is written to in the language they chose (``User.language``, else the
product's default); group robots in the product's default language.

Why a scan rather than calls from the appeal and issue services: the transition functions
stay free of notification concerns, a failure here can never roll back a transition, and
an interrupted scan simply resumes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from sanxian.accounts.models import STAFF_ROLES, RoleAssignment, User
from sanxian.accounts.services import languages_of
from sanxian.appeals.models import AppealEvent, EventKind
from sanxian.issues.models import IssueEvent, IssueState
from sanxian.meetings.models import REMIND_AHEAD, Meeting
from sanxian.notifications.models import (
    EmailMode,
    EventCursor,
    Kind,
    Notification,
    NotificationPreference,
    RobotWebhook,
)
from sanxian.notifications.services import Message, notify, post_to_robots
from sanxian.volunteers.models import DutyShift

# Events re-read behind the cursor (transactions that committed after later ones).
LOOKBACK = 200
# Events older than this are not notified (the first scan of a database with history, a
# worker that was down for long).
MAX_AGE = timedelta(days=3)
SCAN_BATCH = 500
# The digest of a day goes out from this local hour of the next day on.
DIGEST_HOUR = 7


def _to_each(
    user_ids: Iterable[int], write: Callable[[], Message], languages: Mapping[int, str]
) -> list[tuple[int, Message]]:
    """``(person, message)`` for each person, the message written in the person's language
    (``languages``, from ``languages_of``; written once per language)."""
    written: dict[str, Message] = {}
    items = []
    for uid in user_ids:
        language = languages.get(uid, settings.LANGUAGE_CODE)
        if language not in written:
            with translation.override(language):
                written[language] = write()
        items.append((uid, written[language]))
    return items


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _robots_over(path: str, *, places: bool) -> list[RobotWebhook]:
    """Active robots of the places (or teams) whose subtree holds ``path``."""
    prefixes = [path[:i] for i in range(len(path), 0, -1)]
    q = Q(place__isnull=False) if places else Q(team__isnull=False)
    return list(RobotWebhook.objects.filter(q, active=True, path__in=prefixes))


# --- Reminders ---------------------------------------------------------------------------


def _meeting_message(meeting: Meeting) -> Message:
    stamp = timezone.localtime(meeting.starts_at).strftime("%Y%m%d%H%M")
    body = _("%(when)s at %(venue)s") % {
        "when": _when(meeting.starts_at),
        "venue": meeting.venue or meeting.place.name,
    }
    return Message(
        event=f"meeting:{meeting.pk}:{stamp}",
        kind=Kind.MEETING_REMINDER,
        title=_("Meeting reminder: %(title)s") % {"title": meeting.title},
        body=body,
        link=reverse("meetings:detail", args=[meeting.pk]),
    )


def meeting_invitee_ids(meeting: Meeting) -> list[int]:
    """Active accounts of the meeting's invitees (as residents or as party members)."""
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(resident__meeting_invitations__meeting=meeting)
            | Q(resident__party_member__meeting_invitations__meeting=meeting)
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def remind_meetings(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"meetings": 0, "notifications": 0, "robots": 0}
    meetings = Meeting.objects.filter(
        starts_at__gt=now, starts_at__lte=now + REMIND_AHEAD
    ).select_related("place")
    with translation.override(settings.LANGUAGE_CODE):
        for meeting in meetings:
            invitees = meeting_invitee_ids(meeting)
            write = partial(_meeting_message, meeting)
            # One meeting at a time: an interruption keeps what earlier meetings got.
            with transaction.atomic():
                counts["notifications"] += notify(
                    _to_each(invitees, write, languages_of(invitees)), now=now
                )
                if not meeting.party_only:
                    # A group chat is written to in the product's language.
                    counts["robots"] += post_to_robots(
                        _robots_over(meeting.path, places=True), write(), now=now
                    )
            counts["meetings"] += 1
    return counts


def remind_shifts(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    team_ids = set(
        RobotWebhook.objects.filter(team__isnull=False, active=True).values_list(
            "team_id", flat=True
        )
    )
    if not team_ids:
        return 0
    shifts = DutyShift.objects.filter(
        starts_at__gt=now, starts_at__lte=now + REMIND_AHEAD, roster__team_id__in=team_ids
    ).select_related("roster")
    robots: dict[int, list[RobotWebhook]] = defaultdict(list)
    for robot in RobotWebhook.objects.filter(team_id__in=team_ids, active=True):
        robots[robot.team_id].append(robot)  # type: ignore[index]
    posted = 0
    with translation.override(settings.LANGUAGE_CODE):
        for shift in shifts:
            roster = shift.roster
            stamp = timezone.localtime(shift.starts_at).strftime("%Y%m%d%H%M")
            free = max(shift.capacity - shift.taken, 0)
            body = _("%(when)s, %(where)s: %(taken)s of %(capacity)s signed up") % {
                "when": _when(shift.starts_at),
                "where": roster.location or roster.service,
                "taken": shift.taken,
                "capacity": shift.capacity,
            }
            if free:
                body += " · " + _("%(free)s more needed") % {"free": free}
            message = Message(
                event=f"shift:{shift.pk}:{stamp}",
                kind=Kind.SHIFT_REMINDER,
                title=_("Duty tomorrow: %(title)s") % {"title": roster.title},
                body=body,
                link=reverse("volunteers:shift", args=[shift.pk]),
            )
            posted += post_to_robots(robots[roster.team_id], message, now=now)
    return posted


# --- Events --------------------------------------------------------------------------------

# Appeal events the resident hears of (escalations go to staff instead).
RESIDENT_APPEAL_KINDS = (
    EventKind.ACKNOWLEDGED,
    EventKind.STARTED,
    EventKind.RESOLVED,
    EventKind.REJECTED,
    EventKind.MERGED,
    EventKind.REOPENED,
)


def _appeal_title(kind: str) -> str:
    return {
        EventKind.ACKNOWLEDGED: _("Your appeal has been received and acknowledged"),
        EventKind.STARTED: _("Your appeal is being handled"),
        EventKind.RESOLVED: _("Your appeal has been resolved"),
        EventKind.REJECTED: _("Your appeal could not be taken up"),
        EventKind.MERGED: _("Your appeal is now part of a community issue"),
        EventKind.REOPENED: _("Your appeal has been reopened"),
    }[EventKind(kind)]


def _cursor(name: str, model: type[AppealEvent] | type[IssueEvent], now: datetime) -> int:
    """Where the scan of ``model`` resumes. The first scan starts after the events older
    than ``MAX_AGE``: history from before notifications existed is not news."""
    found = EventCursor.objects.filter(name=name).values_list("last_id", flat=True).first()
    if found is not None:
        return found
    start = model.objects.filter(at__lt=now - MAX_AGE).aggregate(m=Max("pk"))["m"] or 0
    cursor, _created = EventCursor.objects.get_or_create(name=name, defaults={"last_id": start})
    return cursor.last_id


def _advance(name: str, last_id: int) -> None:
    EventCursor.objects.filter(name=name, last_id__lt=last_id).update(last_id=last_id)


def _staff_of(place_ids: set[int], on: date) -> dict[int, set[int]]:
    """Active staff accounts holding a role at each place now."""
    found: dict[int, set[int]] = defaultdict(set)
    rows = (
        RoleAssignment.objects.filter(
            place_id__in=place_ids, role__in=STAFF_ROLES, starts_on__lte=on, user__is_active=True
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .values_list("place_id", "user_id")
    )
    for place_id, user_id in rows:
        found[place_id].add(user_id)
    return found


def _appeal_batch(events: list[AppealEvent], now: datetime) -> int:
    resident_ids = {e.appeal.resident_id for e in events}
    accounts = dict(
        User.objects.filter(resident_id__in=resident_ids, is_active=True).values_list(
            "resident_id", "pk"
        )
    )
    staff = _staff_of(
        {e.place_id for e in events if e.kind == EventKind.ESCALATED and e.place_id}, now.date()
    )
    plans: list[tuple[list[int], Callable[[], Message]]] = []
    for e in events:
        if e.kind == EventKind.ESCALATED:
            plans.append((sorted(staff.get(e.place_id or 0, ())), partial(_escalated_message, e)))
            continue
        appeal = e.appeal
        uid = accounts.get(appeal.resident_id) if appeal.resident_id else None
        if uid is None or uid == e.actor_id:
            continue
        plans.append(([uid], partial(_appeal_message, e)))
    return notify(_planned(plans), now=now)


def _planned(plans: list[tuple[list[int], Callable[[], Message]]]) -> list[tuple[int, Message]]:
    """The messages of ``plans`` (who hears, how to write it), each in its reader's language."""
    languages = languages_of({uid for ids, _write in plans for uid in ids})
    return [item for ids, write in plans for item in _to_each(ids, write, languages)]


def _escalated_message(e: AppealEvent) -> Message:
    appeal = e.appeal
    return Message(
        event=f"appeal_event:{e.pk}",
        kind=Kind.APPEAL_UPDATE,
        title=_("Overdue appeal escalated to you: %(category)s")
        % {"category": appeal.category.name},
        body=_clip_text(appeal.text),
        link=reverse("appeals:detail", args=[appeal.pk]),
    )


def _appeal_message(e: AppealEvent) -> Message:
    appeal = e.appeal
    note = e.note or (appeal.outcome_note if e.kind == EventKind.RESOLVED else "")
    return Message(
        event=f"appeal_event:{e.pk}",
        kind=Kind.APPEAL_UPDATE,
        title=_appeal_title(e.kind),
        body=_clip_text(note or appeal.text),
        link=reverse("appeals:detail", args=[appeal.pk]),
    )


def _issue_batch(events: list[IssueEvent], now: datetime) -> int:
    plans: list[tuple[list[int], Callable[[], Message]]] = []
    for e in events:
        raiser = e.issue.raised_by
        uid = e.issue.raised_by_id
        if raiser is None or uid is None or uid == e.actor_id or not raiser.is_active:
            continue
        plans.append(([uid], partial(_issue_message, e)))
    return notify(_planned(plans), now=now)


def _issue_message(e: IssueEvent) -> Message:
    issue = e.issue
    return Message(
        event=f"issue_event:{e.pk}",
        kind=Kind.ISSUE_UPDATE,
        title=_("Issue “%(title)s”: %(state)s")
        % {"title": issue.title, "state": IssueState(e.to_state).label},
        body=_clip_text(e.note),
        link=reverse("issues:detail", args=[issue.pk]),
    )


def _clip_text(text: str, n: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


NOTIFIED_APPEAL_KINDS = (*RESIDENT_APPEAL_KINDS, EventKind.ESCALATED)


def scan_events(*, now: datetime | None = None, batch: int = SCAN_BATCH) -> dict[str, int]:
    """Notify of appeal and issue events after the cursors; returns notifications made."""
    now = now or timezone.now()
    made = {"appeals": 0, "issues": 0}
    with translation.override(settings.LANGUAGE_CODE):
        start = max(_cursor("appeal_events", AppealEvent, now) - LOOKBACK, 0)
        while True:
            events = list(
                AppealEvent.objects.filter(pk__gt=start)
                .select_related("appeal", "appeal__category")
                .order_by("pk")[:batch]
            )
            if not events:
                break
            wanted = [
                e for e in events if e.kind in NOTIFIED_APPEAL_KINDS and e.at >= now - MAX_AGE
            ]
            with transaction.atomic():
                made["appeals"] += _appeal_batch(wanted, now)
                _advance("appeal_events", events[-1].pk)
            start = events[-1].pk
        start = max(_cursor("issue_events", IssueEvent, now) - LOOKBACK, 0)
        while True:
            issue_events = list(
                IssueEvent.objects.filter(pk__gt=start)
                .exclude(from_state="")
                .select_related("issue", "issue__raised_by")
                .order_by("pk")[:batch]
            )
            if not issue_events:
                break
            with transaction.atomic():
                made["issues"] += _issue_batch(
                    [e for e in issue_events if e.at >= now - MAX_AGE], now
                )
                _advance("issue_events", issue_events[-1].pk)
            start = issue_events[-1].pk
    return made


# --- Daily digest ----------------------------------------------------------------------------


def send_digests(*, now: datetime | None = None) -> int:
    """The previous day's digest for each person who chose it (from ``DIGEST_HOUR`` on);
    returns how many digests are new."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < DIGEST_HOUR:
        return 0
    day = local.date() - timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = start + timedelta(days=1)
    wanted: dict[int, set[str]] = defaultdict(set)
    for user_id, kind in NotificationPreference.objects.filter(
        email=EmailMode.DIGEST, user__is_active=True
    ).values_list("user_id", "kind"):
        wanted[user_id].add(kind)
    if not wanted:
        return 0
    lines: dict[int, list[str]] = defaultdict(list)
    rows = (
        Notification.objects.filter(
            recipient_id__in=list(wanted), created_at__gte=start, created_at__lt=end
        )
        .exclude(kind=Kind.DIGEST)
        .order_by("recipient_id", "id")
        .values_list("recipient_id", "kind", "title")
    )
    for user_id, kind, title in rows:
        if kind in wanted[user_id]:
            lines[user_id].append(f"· {title}")
    made = 0
    languages = languages_of(lines)
    for user_id, found in sorted(lines.items()):
        with translation.override(languages[user_id]):
            message = Message(
                event=f"digest:{day.isoformat()}",
                kind=Kind.DIGEST,
                title=_("Daily digest for %(day)s: %(count)s notifications")
                % {"day": formats.date_format(day, "DATE_FORMAT"), "count": len(found)},
                body="\n".join(found),
                link=reverse("notifications:inbox"),
            )
            made += _digest(user_id, message, now)
    return made


def _digest(user_id: int, message: Message, now: datetime) -> int:
    """The digest goes to the inbox and, where the person has an address, by e-mail at
    once (the digest kind is not one a person can turn off)."""
    return notify([(user_id, message)], now=now)
