"""Writes for the party tree and party members."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from sanxian.grids.models import Grid
from sanxian.party.models import MemberCategory, PartyMember, PartyOrg, PartyOrgKind
from sanxian.party.structure import FixAction, FixKind, check_structure
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


@transaction.atomic
def move_party_org(*, org: PartyOrg, parent: PartyOrg) -> PartyOrg:
    """Move an organisation (with everything under it) under ``parent``."""
    if PARENT_KIND.get(PartyOrgKind(org.kind)) != parent.kind:
        raise DomainError(
            _("A %(kind)s cannot be placed under a %(parent)s.")
            % {"kind": PartyOrgKind(org.kind).label, "parent": PartyOrgKind(parent.kind).label}
        )
    PartyOrg.objects.move(org, parent, "last-child")
    org.refresh_from_db()
    return org


# --- Applying the structure check's fixes ------------------------------------------------


@transaction.atomic
def apply_structure_fix(*, node: Place, action: FixAction) -> str:
    """Apply one fix the structure check of ``node`` suggests right now; return what was
    done. A fix the check does not suggest (any more) is refused, so only suggested,
    current fixes can be applied."""
    from sanxian.grids.services import attach_building_group

    if action not in {gap.action for gap in check_structure(node)}:
        raise DomainError(
            _("This fix no longer applies: the structure has changed. Please look again.")
        )
    if action.kind == FixKind.ATTACH_BUILDING_GROUP:
        bg = Place.objects.get(pk=action.subject_id)
        grid = Grid.objects.get(pk=action.target_id)
        attach_building_group(grid=grid, building_group=bg)
        return _("%(bg)s is now in %(grid)s.") % {"bg": bg.name, "grid": grid.name}
    if action.kind == FixKind.JOIN_PARTY_GROUP:
        member = PartyMember.objects.get(pk=action.subject_id)
        group = PartyOrg.objects.get(pk=action.target_id)
        assign_member_to_group(member=member, group=group)
        return _("%(member)s now belongs to %(group)s.") % {
            "member": member.name,
            "group": group.name,
        }
    if action.kind == FixKind.CREATE_PARTY_GROUP:
        grid = Grid.objects.get(pk=action.subject_id)
        branch = PartyOrg.objects.get(pk=action.target_id)
        group = create_party_org(
            parent=branch,
            kind=PartyOrgKind.GROUP,
            name=_("%(grid)s party group") % {"grid": grid.name},
            grid=grid,
        )
        return _("%(group)s is created under %(branch)s.") % {
            "group": group.name,
            "branch": branch.name,
        }
    if action.kind == FixKind.MOVE_PARTY_GROUP:
        group = PartyOrg.objects.get(pk=action.subject_id)
        branch = PartyOrg.objects.get(pk=action.target_id)
        move_party_org(org=group, parent=branch)
        return _("%(group)s is now under %(branch)s.") % {
            "group": group.name,
            "branch": branch.name,
        }
    raise DomainError(_("This fix cannot be applied here."))
