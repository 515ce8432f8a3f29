"""Every write to the territory tree goes through one of these functions."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.http import HttpRequest
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
