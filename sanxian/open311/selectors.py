"""What an Open311 client sees: the same appeals its token's owner sees on the pages."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from sanxian.accounts.models import User
from sanxian.accounts.scope import get_scope
from sanxian.appeals.models import Appeal
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import ancestor_paths

# The parts of an address as people write it: 斜土街道 嘉乐公寓 3号楼 101室 (management
# blocks and building groups are the committee's own divisions, not part of an address).
ADDRESS_KINDS = (
    PlaceKind.SUBDISTRICT,
    PlaceKind.NEIGHBORHOOD,
    PlaceKind.BUILDING,
    PlaceKind.HOUSEHOLD,
)


def visible_appeals(user: User) -> QuerySet[Appeal]:
    """Staff: the appeals under their places; everybody: the appeals they filed or that
    were filed for them."""
    own = Q(filed_by=user)
    if user.resident_id is not None:
        own |= Q(resident_id=user.resident_id)
    scope = get_scope(user)
    if scope.is_staff:
        own |= scope.q()
    return Appeal.objects.filter(own)


def addresses(paths: Iterable[str]) -> dict[str, str]:
    """The written address of each path, in one query for all of them."""
    paths = set(paths)
    wanted = {p for path in paths for p in ancestor_paths(path)}
    names = dict(
        Place.objects.filter(path__in=wanted, kind__in=ADDRESS_KINDS).values_list("path", "name")
    )
    return {
        path: " ".join(names[p] for p in ancestor_paths(path) if p in names) for path in set(paths)
    }
