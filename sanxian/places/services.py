"""Every write to the territory tree goes through one of these functions."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

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
