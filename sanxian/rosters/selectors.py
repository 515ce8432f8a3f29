"""Who may import rosters where, and the reads of the import pages.

Administrators import anywhere in their sub-district; neighborhood secretaries and social
workers in their neighborhood. A batch is visible to those whose import area covers its
place; everybody else gets a 404, so batches cannot be probed by guessing ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from sanxian.accounts.models import Role
from sanxian.accounts.scope import get_scope
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import any_subtree_q, minimal_prefixes
from sanxian.rosters.models import ImportBatch, ImportIssue

IMPORT_ROLES = frozenset({Role.SUBDISTRICT_ADMIN, Role.NEIGHBORHOOD_SECRETARY, Role.SOCIAL_WORKER})
# An import covers a whole sub-district or neighborhood (its rows name the neighborhood).
AREA_KINDS = frozenset({PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD})
PAGE_SIZE = 200
RECENT = 20


def import_places(user) -> list[Place]:
    """The places where the user may import rosters (from the scope already loaded: no
    query)."""
    places: dict[str, Place] = {}
    for assignment in get_scope(user).assignments:
        place = assignment.place
        if assignment.role in IMPORT_ROLES and place is not None and place.kind in AREA_KINDS:
            places.setdefault(place.path, place)
    kept = set(minimal_prefixes(places))
    return [places[p] for p in sorted(kept)]


def neighborhood_names(places: list[Place]) -> list[str]:
    """The neighborhoods of the user's import areas, for the template's drop-down."""
    names = [p.name for p in places if p.kind == PlaceKind.NEIGHBORHOOD]
    below = [p for p in places if p.kind == PlaceKind.SUBDISTRICT]
    if below:
        names += list(
            Place.objects.filter(
                any_subtree_q([p.path for p in below]), kind=PlaceKind.NEIGHBORHOOD
            )
            .order_by("path")
            .values_list("name", flat=True)
        )
    return list(dict.fromkeys(names))


def may_import(user) -> bool:
    return bool(import_places(user))


def require_importer(user) -> list[Place]:
    places = import_places(user)
    if not places:
        raise Http404
    return places


def get_place_for_import(user, pk: int) -> Place:
    """One of the user's import areas, else 404."""
    for place in require_importer(user):
        if place.pk == pk:
            return place
    raise Http404


def get_batch_for_user(user, pk: int) -> ImportBatch:
    places = require_importer(user)
    batch = ImportBatch.objects.select_related("place", "uploaded_by").filter(pk=pk).first()
    if batch is None or not any(batch.path.startswith(p.path) for p in places):
        raise Http404
    return batch


def recent_batches(user) -> list[ImportBatch]:
    places = require_importer(user)
    return list(
        ImportBatch.objects.filter(any_subtree_q([p.path for p in places]))
        .select_related("place", "uploaded_by")
        .order_by("-uploaded_at", "-id")[:RECENT]
    )


@dataclass
class IssuePage:
    issues: list[ImportIssue]
    after: int | None  # the id to continue after, when there are more
    first: bool


def issue_page(batch: ImportBatch, *, after: int | None = None) -> IssuePage:
    """Up to ``PAGE_SIZE`` problems in row order, continuing after the problem ``after``
    (keyset paging: a later page costs what the first costs)."""
    qs = ImportIssue.objects.filter(batch=batch)
    if after is not None:
        mark = ImportIssue.objects.filter(batch=batch, pk=after).values_list("row", flat=True)
        row = mark.first()
        if row is not None:
            qs = qs.filter(row__gte=row).exclude(row=row, id__lte=after)
    issues = list(qs.order_by("row", "id")[: PAGE_SIZE + 1])
    more = len(issues) > PAGE_SIZE
    issues = issues[:PAGE_SIZE]
    return IssuePage(issues=issues, after=issues[-1].pk if more else None, first=after is None)


def all_issues(batch: ImportBatch):
    return ImportIssue.objects.filter(batch=batch).order_by("row", "id").iterator(chunk_size=2000)
