"""Every write to the territory tree goes through one of these functions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from sanxian import personal_data
from sanxian.audit import services as audit
from sanxian.audit.models import AuditAction
from sanxian.party.models import PartyMember, PartyOrg
from sanxian.places.errors import DomainError
from sanxian.places.models import (
    CHILD_KIND,
    KIND_DEPTH,
    OwnersCommittee,
    Place,
    PlaceKind,
    Resident,
)
from sanxian.places.paths import STEP_LENGTH


def name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin (no tones, no spaces) and initials, e.g. 张晓明 → zhangxiaoming, zxm."""
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).lower(), "".join(initials).lower()


def create_subdistrict(*, name: str, district: str = "", address: str = "") -> Place:
    return Place.objects.add_root(
        create_kwargs={
            "kind": PlaceKind.SUBDISTRICT,
            "name": name,
            "district": district,
            "address": address,
        }
    )


@transaction.atomic
def create_place(*, parent: Place, kind: str, name: str, **fields: object) -> Place:
    """Add a child node of the kind that belongs under ``parent``."""
    expected = CHILD_KIND.get(PlaceKind(parent.kind))
    if expected != kind:
        raise DomainError(
            _("A %(kind)s cannot be placed under a %(parent)s.")
            % {"kind": PlaceKind(kind).label, "parent": PlaceKind(parent.kind).label}
        )
    return Place.objects.add_child(parent, create_kwargs={"kind": kind, "name": name, **fields})


@transaction.atomic
def create_resident(
    *,
    household: Place,
    name: str,
    gender: str,
    relation: str,
    birth_year: int | None = None,
    moved_in: date | None = None,
) -> Resident:
    if household.kind != PlaceKind.HOUSEHOLD:
        raise DomainError(_("A resident must live in a household."))
    full, initials = name_pinyin(name)
    return Resident.objects.create(
        household=household,
        path=household.path,
        name=name,
        name_pinyin=full,
        name_initials=initials,
        gender=gender,
        relation=relation,
        birth_year=birth_year,
        moved_in=moved_in,
    )


def resident_fields(*, household: Place, name: str, **fields: object) -> Resident:
    """An unsaved resident with its derived fields filled, for bulk loading."""
    full, initials = name_pinyin(name)
    return Resident(
        household=household,
        path=household.path,
        name=name,
        name_pinyin=full,
        name_initials=initials,
        **fields,
    )


@transaction.atomic
def move_resident(*, resident: Resident, household: Place) -> Resident:
    if household.kind != PlaceKind.HOUSEHOLD:
        raise DomainError(_("A resident must live in a household."))
    resident.household = household
    resident.path = household.path
    resident.save(update_fields=["household", "path"])
    member = PartyMember.objects.filter(resident=resident).first()
    if member is not None:
        # 属地化: a member belongs to the party group of the grid they live in.
        group_place = Place.objects.filter(
            path__in=[household.path[: KIND_DEPTH[PlaceKind.BUILDING_GROUP] * STEP_LENGTH]]
        ).first()
        member.path = household.path
        member.group = (
            PartyOrg.objects.filter(grid_id=group_place.grid_id).first()
            if group_place is not None and group_place.grid_id is not None
            else None
        )
        member.save(update_fields=["path", "group"])
    return resident


@transaction.atomic
def create_owners_committee(
    *, place: Place, name: str, term_start: date, chair: Resident | None = None
) -> OwnersCommittee:
    return OwnersCommittee.objects.create(
        place=place, path=place.path, name=name, term_start=term_start, chair=chair
    )


# --- Identity card and phone numbers (sealed; see sanxian.personal_data) ----------------

PERSONAL_FIELDS = ("id_number", "phone")
ID_NUMBER_LENGTH = 18


@transaction.atomic
def set_personal_numbers(
    *, resident: Resident, id_number: str | None = None, phone: str | None = None
) -> Resident:
    """Record a resident's identity card and/or phone number (``None`` leaves one as it
    is, ``""`` clears it). Raises ``ValidationError`` for a malformed number and
    ``DomainError`` when another resident already has the identity card number."""
    changed: list[str] = []
    if id_number is not None:
        sealed = personal_data.seal(personal_data.normalise_id_number(id_number))
        if (
            sealed.digest
            and Resident.objects.filter(id_number_digest=sealed.digest)
            .exclude(pk=resident.pk)
            .exists()
        ):
            raise DomainError(_("Another resident already has this identity card number."))
        resident.id_number_sealed = sealed.sealed
        resident.id_number_digest = sealed.digest
        resident.id_number_last4 = sealed.last4
        changed += ["id_number_sealed", "id_number_digest", "id_number_last4"]
    if phone is not None:
        sealed = personal_data.seal(personal_data.normalise_phone(phone))
        resident.phone_sealed = sealed.sealed
        resident.phone_digest = sealed.digest
        resident.phone_last4 = sealed.last4
        changed += ["phone_sealed", "phone_digest", "phone_last4"]
    if changed:
        resident.save(update_fields=changed)
    return resident


def reveal_personal_number(
    *, resident: Resident, field: str, reason: str, request: HttpRequest
) -> str:
    """The full number, for a stated reason; the reveal is written to the audit log."""
    if field not in PERSONAL_FIELDS:
        raise DomainError(_("Unknown field."))
    reason = reason.strip()
    if len(reason) < 2:
        raise DomainError(_("Please say why you need the full number."))
    value = personal_data.unseal(getattr(resident, f"{field}_sealed"))
    if not value:
        raise DomainError(_("No number is recorded."))
    audit.record(
        AuditAction.REVEAL,
        request=request,
        target=resident,
        path=resident.path,
        field=field,
        reason=reason[:200],
    )
    return value


# --- Moving away (迁出) and the retention limit of personal data ------------------------


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


@transaction.atomic
def record_departure(
    *, resident: Resident, on: date, actor: Any, request: HttpRequest | None = None
) -> Resident:
    """Record that the resident moved away on ``on``: from then on they are not counted
    as living here. The date may not be in the future nor before they moved in."""
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    if locked.moved_out is not None:
        raise DomainError(
            _("%(name)s is already recorded as moved out (%(date)s).")
            % {"name": locked.name, "date": _day(locked.moved_out)}
        )
    today = timezone.localdate()
    if on > today:
        raise DomainError(
            _("The moving-out date cannot be in the future (today is %(today)s).")
            % {"today": _day(today)}
        )
    if locked.moved_in is not None and on < locked.moved_in:
        raise DomainError(
            _("The moving-out date cannot be before %(name)s moved in (%(date)s).")
            % {"name": locked.name, "date": _day(locked.moved_in)}
        )
    locked.moved_out = on
    locked.save(update_fields=["moved_out"])
    resident.moved_out = on
    audit.record(
        AuditAction.RECORD_CHANGED,
        actor=actor,
        request=request,
        target=resident,
        path=resident.path,
        change="moved_out",
        moved_out=on.isoformat(),
    )
    return resident


@transaction.atomic
def cancel_departure(
    *, resident: Resident, actor: Any, request: HttpRequest | None = None
) -> Resident:
    """Undo a departure recorded by mistake; not possible once the personal data is
    erased."""
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    if locked.erased_at is not None:
        raise DomainError(
            _("This resident's personal data has been erased; the departure cannot be cancelled.")
        )
    if locked.moved_out is None:
        raise DomainError(_("%(name)s is not recorded as moved out.") % {"name": locked.name})
    cancelled = locked.moved_out
    locked.moved_out = None
    locked.save(update_fields=["moved_out"])
    resident.moved_out = None
    audit.record(
        AuditAction.RECORD_CHANGED,
        actor=actor,
        request=request,
        target=resident,
        path=resident.path,
        change="moved_out_cancelled",
        moved_out=cancelled.isoformat(),
    )
    return resident


# What an erased resident is called: the placeholder is stored as it is (it is data, not
# interface text), followed by the record's id.
ERASED_NAME = "已迁出居民"
ERASE_CHUNK = 500


def retention_cutoff(today: date | None = None) -> date:
    """Residents who moved out before this day are past the retention period."""
    today = today or timezone.localdate()
    return today - timedelta(days=settings.SANXIAN_DEPARTED_RETENTION_DAYS)


def due_for_erasure(today: date | None = None) -> QuerySet[Resident]:
    """Departed residents whose retention period has passed and who are not yet erased."""
    return Resident.objects.filter(moved_out__lt=retention_cutoff(today), erased_at__isnull=True)


def erase_departed(*, today: date | None = None) -> int:
    """Erase the personal data of residents who moved out more than the retention period
    ago (``SANXIAN_DEPARTED_RETENTION_DAYS``): identity card and phone numbers, year of
    birth, name and its pinyin. The record stays, named by a placeholder, because appeals,
    volunteer hours and party history point at it. Works in chunks; one audit entry per
    run says how many were erased. Idempotent: erased residents are not touched again."""
    today = today or timezone.localdate()
    cutoff = retention_cutoff(today)
    now = timezone.now()
    erased = 0
    while True:
        with transaction.atomic():
            ids = list(
                due_for_erasure(today).order_by("id").values_list("id", flat=True)[:ERASE_CHUNK]
            )
            if not ids:
                break
            erased += Resident.objects.filter(pk__in=ids, erased_at__isnull=True).update(
                name=Concat(Value(ERASED_NAME + " "), Cast("id", CharField())),
                name_pinyin="",
                name_initials="",
                birth_year=None,
                id_number_sealed="",
                id_number_digest="",
                id_number_last4="",
                phone_sealed="",
                phone_digest="",
                phone_last4="",
                erased_at=now,
            )
            # The same name is copied onto the party record and the sign-in of the person.
            placeholder = Concat(Value(ERASED_NAME + " "), Cast("resident_id", CharField()))
            PartyMember.objects.filter(resident_id__in=ids).update(name=placeholder)
            get_user_model().objects.filter(resident_id__in=ids).update(display_name=placeholder)
    audit.record(
        AuditAction.PERSONAL_DATA_ERASED,
        target=Resident._meta.label,
        erased=erased,
        moved_out_before=cutoff.isoformat(),
        retention_days=settings.SANXIAN_DEPARTED_RETENTION_DAYS,
    )
    return erased
