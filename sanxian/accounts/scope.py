"""What a user may see: the union of the subtrees of their current role assignments.

``get_scope(user)`` is computed once per request (two queries at most) and cached on the
user object. Every selector filters with ``scope.q()``; every access helper answers 404
for an object outside the scope, so nothing can be probed by guessing ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from sanxian.accounts.models import GRID_ROLES, PARTY_ROLES, STAFF_ROLES, Role, RoleAssignment
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import any_subtree_q, minimal_prefixes, widen

NEIGHBORHOOD_DEPTH = 2  # sub-district = 1 step, neighborhood = 2


@dataclass(frozen=True)
class Scope:
    roles: frozenset[str] = frozenset()
    # Territory paths the user sees (role at a place, or the building groups of a grid).
    paths: tuple[str, ...] = ()
    # Grids whose page the user may open because a role is held at the grid itself.
    grid_ids: frozenset[int] = frozenset()
    assignments: tuple[RoleAssignment, ...] = field(default=(), compare=False)
    # The building-group paths of each grid in ``grid_ids`` (already loaded for ``paths``).
    grid_paths: dict[int, tuple[str, ...]] = field(default_factory=dict, compare=False)

    @property
    def is_party(self) -> bool:
        return bool(self.roles & PARTY_ROLES)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_empty(self) -> bool:
        return not self.paths

    def q(self, field: str = "path") -> Q:
        return any_subtree_q(self.paths, field)

    @property
    def community_paths(self) -> list[str]:
        """The scope widened to whole neighborhoods: what is on in "my neighborhood"
        (volunteer teams, activities) is open to everyone who lives or works in it."""
        return widen(self.paths, NEIGHBORHOOD_DEPTH)

    def community_q(self, field: str = "path") -> Q:
        return any_subtree_q(self.community_paths, field)

    def in_community(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.community_paths)

    def covers(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.paths)

    def sees_grid(self, grid_id: int, grid_path: str) -> bool:
        return grid_id in self.grid_ids or self.covers(grid_path)


def current_assignments(user, on: date | None = None):
    on = on or timezone.localdate()
    return (
        RoleAssignment.objects.filter(user=user, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("place", "grid")
        .order_by("starts_on", "id")
    )


def compute_scope(user) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope()
    assignments = tuple(current_assignments(user))
    roles = frozenset(a.role for a in assignments)
    paths: list[str] = []
    grid_ids: set[int] = set()
    for a in assignments:
        if a.role == Role.SECURITY_AUDITOR:
            continue  # reads audit logs and nothing else
        if a.grid_id is not None:
            grid_ids.add(a.grid_id)
        elif a.place is not None:
            paths.append(a.place.path)
    grid_paths: dict[int, list[str]] = {}
    if grid_ids:
        for grid_id, path in Place.objects.filter(
            kind=PlaceKind.BUILDING_GROUP, grid_id__in=grid_ids
        ).values_list("grid_id", "path"):
            grid_paths.setdefault(grid_id, []).append(path)
            paths.append(path)
    return Scope(
        roles=roles,
        paths=tuple(minimal_prefixes(paths)),
        grid_ids=frozenset(grid_ids),
        assignments=assignments,
        grid_paths={g: tuple(sorted(p)) for g, p in grid_paths.items()},
    )


def get_scope(user) -> Scope:
    cached = getattr(user, "_sanxian_scope", None)
    if cached is None:
        cached = compute_scope(user)
        if user.is_authenticated:
            user._sanxian_scope = cached
    return cached


__all__ = ["GRID_ROLES", "Scope", "compute_scope", "current_assignments", "get_scope"]
