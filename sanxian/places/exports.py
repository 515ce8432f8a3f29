"""The roster of a place as workbooks: its residents (花名册) and its party members.

Residents: for a neighborhood, block, building or building group, to staff whose scope
covers it (as its page). Identity-card and phone numbers appear masked, their last four
characters only — an export never holds a full number. Political status (政治面貌) is a
column only for party roles (administrators included), as on the resident page.

Party members: for the same places, to party roles who run the place (staff and party).

Reads are a fixed number of queries whatever the size of the place: the buildings and
building groups under it are read once, then the rows stream in chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from sanxian.accounts.scope import Scope, get_scope
from sanxian.party.models import PartyMember
from sanxian.personal_data import mask
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH, subtree_q
from sanxian.places.selectors import get_place_for_user
from sanxian.spreadsheets import Column, field_label, list_export

ROSTER_KINDS = frozenset(
    {PlaceKind.NEIGHBORHOOD, PlaceKind.BLOCK, PlaceKind.BUILDING, PlaceKind.BUILDING_GROUP}
)
ID_NUMBER_LENGTH = 18
PHONE_LENGTH = 11
CHUNK = 2000
BUILDING_LEN = KIND_DEPTH[PlaceKind.BUILDING] * STEP_LENGTH
GROUP_LEN = KIND_DEPTH[PlaceKind.BUILDING_GROUP] * STEP_LENGTH


def may_export_residents(scope: Scope, place: Place) -> bool:
    return scope.is_staff and place.kind in ROSTER_KINDS and scope.covers(place.path)


def may_export_party_members(scope: Scope, place: Place) -> bool:
    return scope.is_party and may_export_residents(scope, place)


def _roster_place(request: HttpRequest, pk: int) -> tuple[Place, Scope]:
    place = get_place_for_user(request.user, pk)
    scope = get_scope(request.user)
    if not may_export_residents(scope, place):
        raise Http404
    return place, scope


@dataclass(frozen=True)
class Homes:
    """Names of the buildings and building groups under a place (and each group's grid),
    by path: the address columns without a query per row."""

    names: dict[str, str]
    grids: dict[str, str]

    @classmethod
    def under(cls, place: Place) -> Homes:
        rows = (
            Place.objects.filter(
                subtree_q(place.path), kind__in=[PlaceKind.BUILDING, PlaceKind.BUILDING_GROUP]
            )
            .select_related("grid")
            .only("path", "name", "grid__name")
        )
        names: dict[str, str] = {}
        grids: dict[str, str] = {}
        for p in rows:
            names[p.path] = p.name
            if p.grid is not None:
                grids[p.path] = p.grid.name
        return cls(names, grids)

    def building(self, path: str) -> str:
        return self.names.get(path[:BUILDING_LEN], "") if len(path) >= BUILDING_LEN else ""

    def group(self, path: str) -> str:
        return self.names.get(path[:GROUP_LEN], "") if len(path) >= GROUP_LEN else ""

    def grid(self, path: str) -> str:
        return self.grids.get(path[:GROUP_LEN], "") if len(path) >= GROUP_LEN else ""


def resident_columns(homes: Homes, *, with_party: bool) -> list[Column[Resident]]:
    def label(name: str) -> str:
        return field_label(Resident, name)

    columns: list[Column[Resident]] = [
        Column(label("name"), lambda r: r.name, 10),
        Column(label("gender"), lambda r: r.get_gender_display(), 6),
        Column(label("birth_year"), lambda r: r.birth_year, 10),
        Column(_("Building"), lambda r: homes.building(r.path), 10),
        Column(_("Building group"), lambda r: homes.group(r.path), 10),
        Column(field_label(Place, "room"), lambda r: r.household.room or r.household.name, 8),
        Column(label("relation"), lambda r: r.get_relation_display(), 10),
        Column(label("moved_in"), lambda r: r.moved_in, 14),
        Column(_("Identity card number"), lambda r: mask(r.id_number_last4, ID_NUMBER_LENGTH), 22),
        Column(_("Phone"), lambda r: mask(r.phone_last4, PHONE_LENGTH), 14),
    ]
    if with_party:
        columns.append(
            Column(
                _("Political status"),
                lambda r: _("Party member") if getattr(r, "is_party_member", False) else "",
                10,
            )
        )
    return columns


@login_required
def residents_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    place, scope = _roster_place(request, pk)
    homes = Homes.under(place)
    residents = (
        Resident.objects.current()
        .filter(subtree_q(place.path))
        .select_related("household")
        .defer("id_number_sealed", "id_number_digest", "phone_sealed", "phone_digest")
        .order_by("path", "relation", "birth_year", "id")
    )
    if scope.is_party:
        residents = residents.annotate(
            is_party_member=Exists(PartyMember.objects.filter(resident=OuterRef("pk")))
        )
    return list_export(
        request,
        what="residents",
        title=f"{place.name} {_('Residents')}",
        slug=f"residents-{place.pk}",
        columns=resident_columns(homes, with_party=scope.is_party),
        items=residents.iterator(chunk_size=CHUNK),
        path=place.path,
        target=place,
        filters={"with_political_status": scope.is_party},
    )


def member_columns(homes: Homes) -> list[Column[PartyMember]]:
    def label(name: str) -> str:
        return field_label(PartyMember, name)

    def grid_served(m: PartyMember) -> str:
        if m.serving_grid is not None:
            return m.serving_grid.name
        return homes.grid(m.path)

    return [
        Column(label("name"), lambda m: m.name, 10),
        Column(label("category"), lambda m: m.get_category_display(), 22),
        Column(label("joined_on"), lambda m: m.joined_on, 14),
        Column(label("group"), lambda m: m.group.name if m.group else "", 20),
        Column(label("serving_grid"), grid_served, 16),
        Column(_("Building"), lambda m: homes.building(m.path), 10),
    ]


@login_required
def party_members_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    place, scope = _roster_place(request, pk)
    if not may_export_party_members(scope, place):
        raise Http404
    homes = Homes.under(place)
    members = (
        PartyMember.objects.filter(subtree_q(place.path))
        .filter(Q(resident__isnull=True) | Q(resident__moved_out__isnull=True))
        .select_related("group", "serving_grid")
        .order_by("path", "id")
    )
    return list_export(
        request,
        what="party members",
        title=f"{place.name} {_('Party members')}",
        slug=f"party-members-{place.pk}",
        columns=member_columns(homes),
        items=members.iterator(chunk_size=CHUNK),
        path=place.path,
        target=place,
    )
