"""Materialised-path helpers shared by every app.

Each territory node has a path of fixed-width steps (django-treebeard MP). Records that
belong somewhere keep a copy of their node's path, so "everything under this node" is one
indexed range query on that column: ``path >= P AND path <= P + 'ZZZ…'``. The range form
(rather than LIKE 'P%') uses a plain B-tree index on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

PATH_MAX_LENGTH = 255
STEP_LENGTH = 4


def subtree_q(path: str, field: str = "path") -> Q:
    """Everything whose ``field`` lies in the subtree rooted at ``path`` (inclusive)."""
    upper = path + "Z" * (PATH_MAX_LENGTH - len(path))
    return Q(**{f"{field}__gte": path, f"{field}__lte": upper})


def any_subtree_q(paths: Iterable[str], field: str = "path") -> Q:
    """Union of several subtrees; matches nothing when ``paths`` is empty."""
    q = Q(pk__in=[])
    for path in minimal_prefixes(paths):
        q |= subtree_q(path, field)
    return q


def minimal_prefixes(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies inside another one of the list."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return result


def is_under(path: str, ancestor: str) -> bool:
    return path.startswith(ancestor)


def ancestor_paths(path: str) -> list[str]:
    """The paths of every ancestor of ``path`` and the path itself, root first."""
    return [path[:i] for i in range(STEP_LENGTH, len(path) + 1, STEP_LENGTH)]


def widen(paths: Iterable[str], depth: int) -> list[str]:
    """Each path cut to at most ``depth`` steps (depth 2 = the neighborhood level), so a
    household's path widens to its neighborhood's."""
    return minimal_prefixes(path[: depth * STEP_LENGTH] for path in paths)
