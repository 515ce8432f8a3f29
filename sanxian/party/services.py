"""Writes for the party tree and party members."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from sanxian.grids.models import Grid
from sanxian.party.models import MemberCategory, PartyMember, PartyOrg, PartyOrgKind
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind, Resident

# Which territory kind each organisation kind serves.
SERVES = {
    PartyOrgKind.WORKING_COMMITTEE: PlaceKind.SUBDISTRICT,
    PartyOrgKind.GENERAL_BRANCH: PlaceKind.NEIGHBORHOOD,
    PartyOrgKind.BRANCH: PlaceKind.BLOCK,
}
PARENT_KIND = {
    PartyOrgKind.GENERAL_BRANCH: PartyOrgKind.WORKING_COMMITTEE,
    PartyOrgKind.BRANCH: PartyOrgKind.GENERAL_BRANCH,
    PartyOrgKind.GROUP: PartyOrgKind.BRANCH,
}


def create_working_committee(*, subdistrict: Place, name: str) -> PartyOrg:
    if subdistrict.kind != PlaceKind.SUBDISTRICT:
        raise DomainError(_("A working committee serves a sub-district."))
    return PartyOrg.objects.add_root(
        create_kwargs={
            "kind": PartyOrgKind.WORKING_COMMITTEE,
            "name": name,
            "place": subdistrict,
            "scope_path": subdistrict.path,
        }
    )


@transaction.atomic
def create_party_org(
    *,
    parent: PartyOrg,
    kind: str,
    name: str,
    place: Place | None = None,
    grid: Grid | None = None,
) -> PartyOrg:
    kind = PartyOrgKind(kind)
    if PARENT_KIND.get(kind) != parent.kind:
        raise DomainError(
            _("A %(kind)s cannot be placed under a %(parent)s.")
            % {"kind": kind.label, "parent": PartyOrgKind(parent.kind).label}
        )
    if kind == PartyOrgKind.GROUP:
        if grid is None:
            raise DomainError(_("A party group serves a grid."))
        if parent.place_id != grid.block_id:
            raise DomainError(
                _("The party group of %(grid)s belongs under the branch of its block.")
                % {"grid": grid.name}
            )
        scope_path = grid.path
    else:
        if place is None or place.kind != SERVES[kind]:
            raise DomainError(
                _("A %(kind)s serves a %(place)s.")
                % {"kind": kind.label, "place": SERVES[kind].label}
            )
        scope_path = place.path
    return PartyOrg.objects.add_child(
        parent,
        create_kwargs={
            "kind": kind,
            "name": name,
            "place": place,
            "grid": grid,
            "scope_path": scope_path,
        },
    )


def member_path(*, resident: Resident | None, serving_grid: Grid | None) -> str:
    if resident is not None:
        return resident.path
    if serving_grid is not None:
        return serving_grid.path
    raise DomainError(_("A party member either lives here or serves in a grid."))


@transaction.atomic
def register_party_member(
    *,
    name: str,
    category: str,
    resident: Resident | None = None,
    joined_on: date | None = None,
    group: PartyOrg | None = None,
    serving_grid: Grid | None = None,
) -> PartyMember:
    MemberCategory(category)
    if group is not None and group.kind != PartyOrgKind.GROUP:
        raise DomainError(_("A party member belongs to a party group."))
    if resident is not None and PartyMember.objects.filter(resident=resident).exists():
        raise DomainError(_("This resident is already registered as a party member."))
    return PartyMember.objects.create(
        resident=resident,
        name=resident.name if resident is not None else name,
        category=category,
        joined_on=joined_on,
        group=group,
        serving_grid=serving_grid,
        path=member_path(resident=resident, serving_grid=serving_grid),
    )


@transaction.atomic
def assign_member_to_group(*, member: PartyMember, group: PartyOrg) -> PartyMember:
    if group.kind != PartyOrgKind.GROUP:
        raise DomainError(_("A party member belongs to a party group."))
    member.group = group
    member.save(update_fields=["group"])
    return member
