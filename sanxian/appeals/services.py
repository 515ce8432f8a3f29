"""Every write to an appeal. One function per transition, keyword-only and atomic.

Each transition is a conditional update on the state the caller saw
(``UPDATE … WHERE id = %s AND state = %s``): of two simultaneous clicks one moves the
appeal and the other gets a ``DomainError``; nothing is written twice. Every change adds
an append-only ``AppealEvent``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian import personal_data
from sanxian.accounts.models import User
from sanxian.accounts.scope import get_scope
from sanxian.appeals.models import (
    OPEN_STATES,
    RATEABLE_STATES,
    Appeal,
    AppealCategory,
    AppealEvent,
    AppealPhoto,
    AppealState,
    EscalationLevel,
    EventKind,
    Rating,
)
from sanxian.audit import services as audit
from sanxian.audit.models import AuditAction
from sanxian.issues.models import Issue, IssueSource, IssueState
from sanxian.issues.services import create_issue
from sanxian.places.errors import DomainError
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH
from sanxian.uploads import store_photo
from sanxian.workdays.selectors import spans_years, working_deadline, years_without_official_data

MAX_PHOTOS = 4
MAX_TEXT = 1000
MAX_REOPENS = 3
# Places a resident may file about: their household, building group or building.
# A resident files about where they live, from their own household up to the whole
# neighborhood (a broken street lamp, the estate's gate).
APPEAL_PLACE_KINDS = frozenset(
    {
        PlaceKind.HOUSEHOLD,
        PlaceKind.BUILDING_GROUP,
        PlaceKind.BUILDING,
        PlaceKind.BLOCK,
        PlaceKind.NEIGHBORHOOD,
    }
)
# An appeal still open this many working days after its resolution deadline goes to the
# sub-district.
SUBDISTRICT_AFTER_WORKING_DAYS = 5
ESCALATION_DEPTH: dict[int, int] = {
    EscalationLevel.BLOCK: KIND_DEPTH[PlaceKind.BLOCK],
    EscalationLevel.NEIGHBORHOOD: KIND_DEPTH[PlaceKind.NEIGHBORHOOD],
    EscalationLevel.SUBDISTRICT: KIND_DEPTH[PlaceKind.SUBDISTRICT],
}

# The categories a new installation starts with (name, response hours, working days).
DEFAULT_CATEGORIES: tuple[tuple[str, int, int], ...] = (
    ("环境卫生", 24, 3),
    ("楼道堆物", 24, 5),
    ("设施维修", 24, 7),
    ("噪音扰民", 12, 3),
    ("停车管理", 24, 5),
    ("邻里纠纷", 24, 7),
    ("物业服务", 24, 7),
    ("加装电梯", 48, 15),
    ("其他", 48, 10),
)


def seed_default_categories() -> int:
    """Create the default categories that do not exist yet; return how many were created."""
    created = 0
    for position, (name, hours, days) in enumerate(DEFAULT_CATEGORIES):
        _category, was_created = AppealCategory.objects.get_or_create(
            name=name,
            defaults={
                "response_hours": hours,
                "resolution_working_days": days,
                "position": position,
            },
        )
        created += was_created
    return created


def deadlines_for(category: AppealCategory, filed_at: datetime) -> tuple[datetime, datetime]:
    """Response deadline (filing + hours) and resolution deadline (end of the n-th working
    day after the day of filing, Beijing time)."""
    return (
        filed_at + timedelta(hours=category.response_hours),
        working_deadline(filed_at, category.resolution_working_days),
    )


def _event(
    appeal: Appeal,
    *,
    kind: str,
    actor: User | None,
    at: datetime,
    from_state: str,
    to_state: str,
    note: str = "",
    **extra: object,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        actor=actor,
        at=at,
        from_state=from_state,
        to_state=to_state,
        note=note,
        **extra,
    )


@transaction.atomic
def file_appeal(
    *,
    category: AppealCategory,
    text: str,
    place: Place,
    resident: Resident,
    filed_by: User,
    photos: Sequence[UploadedFile] = (),
    contact_phone: str = "",
    on_behalf: bool = False,
    on_behalf_note: str = "",
    now: datetime | None = None,
) -> Appeal:
    """File an appeal for ``resident`` about a place in their building.

    ``on_behalf`` is for staff filing for a resident (e.g. one without a phone); otherwise
    the user filing must be the resident.
    """
    text = text.strip()
    if not text:
        raise DomainError(_("Please say what happened."))
    if len(text) > MAX_TEXT:
        raise DomainError(_("Please keep it under %(n)s characters.") % {"n": MAX_TEXT})
    if not category.active:
        raise DomainError(_("This category is no longer in use."))
    if place.kind not in APPEAL_PLACE_KINDS or not resident.path.startswith(place.path):
        raise DomainError(
            _(
                "An appeal is about where the resident lives: their household, building "
                "group, building, block or neighborhood."
            )
        )
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most %(n)s photos.") % {"n": MAX_PHOTOS})
    if not on_behalf and filed_by.resident_id != resident.pk:
        raise DomainError(_("You can only file an appeal for yourself."))
    if on_behalf and filed_by.resident_id == resident.pk:
        on_behalf = False
    if on_behalf:
        scope = get_scope(filed_by)
        if not (scope.is_staff and scope.covers(resident.path)):
            raise DomainError(_("You can file for residents of the places you look after only."))
    now = now or timezone.now()
    response_due, resolution_due = deadlines_for(category, now)
    try:
        phone = personal_data.seal(personal_data.normalise_phone(contact_phone))
    except ValidationError as exc:
        raise DomainError(exc.messages[0]) from exc
    appeal = Appeal.objects.create(
        category=category,
        text=text,
        place=place,
        path=place.path,
        resident=resident,
        filed_by=filed_by,
        on_behalf=on_behalf,
        on_behalf_note=on_behalf_note.strip() if on_behalf else "",
        contact_phone_sealed=phone.sealed,
        contact_phone_last4=phone.last4,
        state=AppealState.SUBMITTED,
        created_at=now,
        state_changed_at=now,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        deadline_estimated=bool(years_without_official_data(spans_years(now, resolution_due))),
    )
    AppealPhoto.objects.bulk_create(
        AppealPhoto(appeal=appeal, file=store_photo(upload, folder="appeals"), position=i)
        for i, upload in enumerate(photos)
    )
    _event(
        appeal,
        kind=EventKind.FILED,
        actor=filed_by,
        at=now,
        from_state="",
        to_state=AppealState.SUBMITTED,
        note=appeal.on_behalf_note,
    )
    return appeal


def _move(
    appeal: Appeal,
    *,
    to: str,
    allowed_from: Iterable[str],
    now: datetime,
    contact: bool = False,
    **fields: object,
) -> str:
    """Conditionally move ``appeal`` from the state the caller saw to ``to``.

    Returns the state it came from; raises ``DomainError`` when the appeal is not in an
    allowed state or was changed by someone else meanwhile.
    """
    seen = appeal.state
    if seen not in set(allowed_from):
        raise DomainError(
            _("This cannot be done to an appeal that is “%(state)s”.")
            % {"state": AppealState(seen).label}
        )
    values: dict[str, object] = {"state": to, "state_changed_at": now, **fields}
    if contact:
        values["first_contacted_at"] = Coalesce("first_contacted_at", Value(now))
    updated = Appeal.objects.filter(pk=appeal.pk, state=seen).update(**values)
    if not updated:
        raise DomainError(
            _("Someone else changed this appeal a moment ago. Please look at it again.")
        )
    appeal.state = to
    appeal.state_changed_at = now
    for name, value in fields.items():
        setattr(appeal, name, value)
    if contact and appeal.first_contacted_at is None:
        appeal.first_contacted_at = now
    return seen


def _transition(
    appeal: Appeal,
    *,
    kind: str,
    actor: User | None,
    to: str,
    allowed_from: Iterable[str],
    now: datetime,
    note: str = "",
    contact: bool = False,
    **fields: object,
) -> Appeal:
    """Move ``appeal`` (see ``_move``) and record the event for the move."""
    seen = _move(appeal, to=to, allowed_from=allowed_from, now=now, contact=contact, **fields)
    _event(appeal, kind=kind, actor=actor, at=now, from_state=seen, to_state=to, note=note)
    audit.record(
        AuditAction.TRANSITION,
        actor=actor,
        target=appeal,
        path=appeal.path,
        from_state=seen,
        to_state=to,
    )
    return appeal


@transaction.atomic
def acknowledge_appeal(
    *, appeal: Appeal, actor: User, note: str = "", now: datetime | None = None
) -> Appeal:
    """submitted → acknowledged: staff have contacted the resident (first contact)."""
    return _transition(
        appeal,
        kind=EventKind.ACKNOWLEDGED,
        actor=actor,
        to=AppealState.ACKNOWLEDGED,
        allowed_from=[AppealState.SUBMITTED],
        now=now or timezone.now(),
        note=note.strip(),
        contact=True,
    )


@transaction.atomic
def start_appeal(
    *, appeal: Appeal, actor: User, note: str = "", now: datetime | None = None
) -> Appeal:
    """acknowledged → in_progress: somebody is working on it."""
    return _transition(
        appeal,
        kind=EventKind.STARTED,
        actor=actor,
        to=AppealState.IN_PROGRESS,
        allowed_from=[AppealState.ACKNOWLEDGED],
        now=now or timezone.now(),
        note=note.strip(),
    )


@transaction.atomic
def resolve_appeal(
    *, appeal: Appeal, actor: User, note: str, now: datetime | None = None
) -> Appeal:
    """acknowledged or in_progress → resolved, saying what was done."""
    return _close(
        appeal,
        kind=EventKind.RESOLVED,
        actor=actor,
        to=AppealState.RESOLVED,
        allowed_from=[AppealState.ACKNOWLEDGED, AppealState.IN_PROGRESS],
        now=now,
        text=note,
        missing=_("Please say what was done."),
    )


@transaction.atomic
def reject_appeal(
    *, appeal: Appeal, actor: User, reason: str, now: datetime | None = None
) -> Appeal:
    """Any open state → rejected, with the reason given to the resident."""
    return _close(
        appeal,
        kind=EventKind.REJECTED,
        actor=actor,
        to=AppealState.REJECTED,
        allowed_from=OPEN_STATES,
        now=now,
        text=reason,
        missing=_("Please give the reason for rejecting the appeal."),
        contact=True,
    )


def _close(
    appeal: Appeal,
    *,
    kind: str,
    actor: User,
    to: str,
    allowed_from: Iterable[str],
    now: datetime | None,
    text: str,
    missing: str,
    contact: bool = False,
) -> Appeal:
    """Close ``appeal`` with the outcome the resident is told (required)."""
    text = text.strip()
    if not text:
        raise DomainError(missing)
    now = now or timezone.now()
    return _transition(
        appeal,
        kind=kind,
        actor=actor,
        to=to,
        allowed_from=allowed_from,
        now=now,
        note=text,
        contact=contact,
        closed_at=now,
        outcome_note=text,
    )


def is_own_appeal(user: User, appeal: Appeal) -> bool:
    """The user filed the appeal, or it was filed for the resident the user is."""
    if not user.is_authenticated:
        return False
    if appeal.filed_by_id == user.pk:
        return True
    return user.resident_id is not None and user.resident_id == appeal.resident_id


@transaction.atomic
def rate_appeal(
    *,
    appeal: Appeal,
    actor: User,
    rating: str,
    comment: str = "",
    reopen: bool = False,
    now: datetime | None = None,
) -> Appeal:
    """The resident (or the staff member who filed for them) rates a resolved or rejected
    appeal once per closing. With an unsatisfied rating the resident may ask to reopen it:
    back to in_progress with a fresh resolution deadline.
    """
    rating = Rating(rating)
    if not is_own_appeal(actor, appeal):
        raise DomainError(_("Only the resident who filed the appeal can rate it."))
    if appeal.state not in RATEABLE_STATES:
        raise DomainError(_("An appeal is rated once it is resolved or rejected."))
    if not appeal.can_be_rated:
        raise DomainError(_("This appeal has already been rated."))
    if reopen and rating != Rating.UNSATISFIED:
        raise DomainError(_("Only an unsatisfied rating can reopen an appeal."))
    if reopen and appeal.reopen_count >= MAX_REOPENS:
        raise DomainError(
            _("This appeal has been reopened %(n)s times; please contact your committee.")
            % {"n": appeal.reopen_count}
        )
    now = now or timezone.now()
    seen = appeal.state
    fields: dict[str, object] = {
        "rating": rating,
        "rating_state": seen,
        "rating_comment": comment.strip(),
        "rated_at": now,
    }
    if reopen:
        fields.update(
            state=AppealState.IN_PROGRESS,
            state_changed_at=now,
            closed_at=None,
            reopen_count=appeal.reopen_count + 1,
            resolution_due_at=working_deadline(now, appeal.category.resolution_working_days),
        )
    updated = (
        Appeal.objects.filter(pk=appeal.pk, state=seen, closed_at=appeal.closed_at)
        .filter(Q(rated_at__isnull=True) | Q(rated_at__lt=appeal.closed_at))
        .update(**fields)
    )
    if not updated:
        raise DomainError(
            _("Someone else changed this appeal a moment ago. Please look at it again.")
        )
    for name, value in fields.items():
        setattr(appeal, name, value)
    _event(
        appeal,
        kind=EventKind.RATED,
        actor=actor,
        at=now,
        from_state=seen,
        to_state=seen,
        note=appeal.rating_comment,
        rating=rating,
    )
    if reopen:
        _event(
            appeal,
            kind=EventKind.REOPENED,
            actor=actor,
            at=now,
            from_state=seen,
            to_state=AppealState.IN_PROGRESS,
        )
    return appeal


def common_ancestor_path(paths: Iterable[str]) -> str:
    """The deepest path that is a prefix of every one of ``paths`` (whole steps only)."""
    paths = list(paths)
    if not paths:
        return ""
    shortest = min(paths, key=len)
    common = ""
    for end in range(STEP_LENGTH, len(shortest) + 1, STEP_LENGTH):
        prefix = shortest[:end]
        if all(p.startswith(prefix) for p in paths):
            common = prefix
        else:
            break
    return common


def issue_place_for(appeals: Sequence[Appeal]) -> Place:
    """The common ancestor of the appeals' places, taken to the building group if deeper
    and refused when shallower than a neighborhood."""
    common = common_ancestor_path(a.path for a in appeals)
    deepest = KIND_DEPTH[PlaceKind.BUILDING_GROUP] * STEP_LENGTH
    shallowest = KIND_DEPTH[PlaceKind.NEIGHBORHOOD] * STEP_LENGTH
    if len(common) < shallowest:
        raise DomainError(_("Appeals from different neighborhoods cannot become one issue."))
    place = Place.objects.filter(path=common[:deepest]).first()
    if place is None:
        raise DomainError(_("The appeals' common place was not found."))
    return place


@transaction.atomic
def merge_into_issue(
    *,
    appeals: Sequence[Appeal],
    actor: User,
    issue: Issue | None = None,
    title: str = "",
    now: datetime | None = None,
) -> Issue:
    """Merge open appeals into one issue (a new one, or ``issue``); they become ``merged``.

    A new issue is collected at the appeals' common place, from the building group up to
    the neighborhood, with the appeals' texts as its description.
    """
    appeals = list({a.pk: a for a in appeals}.values())
    if not appeals:
        raise DomainError(_("Choose at least one appeal to merge."))
    for appeal in appeals:
        if appeal.state not in OPEN_STATES:
            raise DomainError(
                _("Appeal #%(id)s is already closed and cannot be merged.") % {"id": appeal.pk}
            )
    scope = get_scope(actor)
    if issue is None:
        place = issue_place_for(appeals)
        if not scope.covers(place.path):
            raise DomainError(_("The issue would lie outside the places you look after."))
        title = title.strip()
        if not title:
            raise DomainError(_("An issue needs a title."))
        description = "\n".join(f"#{a.pk} {a.text}" for a in sorted(appeals, key=lambda a: a.pk))
        issue = create_issue(
            place=place,
            title=title,
            source=IssueSource.APPEALS,
            actor=actor,
            description=description,
        )
    else:
        if issue.state == IssueState.DONE:
            raise DomainError(_("This issue is done; appeals can no longer join it."))
        if not scope.covers(issue.path):
            raise DomainError(_("The issue lies outside the places you look after."))
        for appeal in appeals:
            if not appeal.path.startswith(issue.path):
                raise DomainError(
                    _("Appeal #%(id)s lies outside the issue's place.") % {"id": appeal.pk}
                )
    now = now or timezone.now()
    for appeal in sorted(appeals, key=lambda a: a.pk):
        _transition(
            appeal,
            kind=EventKind.MERGED,
            actor=actor,
            to=AppealState.MERGED,
            allowed_from=OPEN_STATES,
            now=now,
            note=issue.title,
            contact=True,
            closed_at=now,
            issue=issue,
        )
    return issue


def escalation_target(appeal: Appeal, now: datetime) -> int:
    """The level an open appeal should have reached by ``now``:

    - block: no first contact by the response deadline;
    - neighborhood: not closed by the resolution deadline;
    - sub-district: still open ``SUBDISTRICT_AFTER_WORKING_DAYS`` working days after it.
    """
    if appeal.state not in OPEN_STATES:
        return EscalationLevel.NONE
    level = EscalationLevel.NONE
    if appeal.first_contacted_at is None and now > appeal.response_due_at:
        level = EscalationLevel.BLOCK
    if now > appeal.resolution_due_at:
        level = EscalationLevel.NEIGHBORHOOD
        if now > working_deadline(appeal.resolution_due_at, SUBDISTRICT_AFTER_WORKING_DAYS):
            level = EscalationLevel.SUBDISTRICT
    return level


ESCALATION_BATCH = 500


def escalate_overdue(*, now: datetime | None = None) -> int:
    """Raise every overdue open appeal to the level it should have reached; return how many
    were raised. Idempotent: a second run at the same time raises nothing."""
    now = now or timezone.now()
    candidates = (
        Appeal.objects.filter(state__in=OPEN_STATES)
        .filter(
            Q(
                first_contacted_at__isnull=True,
                response_due_at__lt=now,
                escalation_level__lt=EscalationLevel.BLOCK,
            )
            | Q(resolution_due_at__lt=now, escalation_level__lt=EscalationLevel.SUBDISTRICT)
        )
        .only(
            "id",
            "path",
            "state",
            "escalation_level",
            "first_contacted_at",
            "response_due_at",
            "resolution_due_at",
        )
        .order_by("id")
    )
    raised = 0
    last_id = 0
    while True:
        batch = list(candidates.filter(id__gt=last_id)[:ESCALATION_BATCH])
        if not batch:
            break
        last_id = batch[-1].pk
        targets = {a.pk: escalation_target(a, now) for a in batch}
        wanted = [a for a in batch if targets[a.pk] > a.escalation_level]
        prefixes = {a.path[: ESCALATION_DEPTH[targets[a.pk]] * STEP_LENGTH] for a in wanted}
        places = {p.path: p for p in Place.objects.filter(path__in=prefixes)}
        for appeal in wanted:
            target = EscalationLevel(targets[appeal.pk])
            place = places.get(appeal.path[: ESCALATION_DEPTH[target] * STEP_LENGTH])
            if place is not None and _escalate(appeal, target, place, now):
                raised += 1
    return raised


@transaction.atomic
def _escalate(appeal: Appeal, level: int, place: Place, now: datetime) -> bool:
    updated = Appeal.objects.filter(
        pk=appeal.pk, state__in=OPEN_STATES, escalation_level__lt=level
    ).update(
        escalation_level=level, escalated_to=place, escalated_path=place.path, escalated_at=now
    )
    if not updated:
        return False
    _event(
        appeal,
        kind=EventKind.ESCALATED,
        actor=None,
        at=now,
        from_state=appeal.state,
        to_state=appeal.state,
        level=level,
        place=place,
    )
    return True


def reveal_contact_phone(*, appeal: Appeal, reason: str, request: HttpRequest) -> str:
    """The full callback phone, for a stated reason; the reveal is written to the audit log."""
    reason = reason.strip()
    if len(reason) < 2:
        raise DomainError(_("Please say why you need the full number."))
    value = personal_data.unseal(appeal.contact_phone_sealed)
    if not value:
        raise DomainError(_("No number is recorded."))
    audit.record(
        AuditAction.REVEAL,
        request=request,
        target=appeal,
        path=appeal.path,
        field="contact_phone",
        reason=reason[:200],
    )
    return value
