"""Links to many objects of one kind on a page, built from a single ``reverse()``.

A page listing a few hundred households or residents would otherwise resolve the same URL
pattern once per row; the pattern is resolved once with a marker id, and each link is
then a string join.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

# An id no row has; only its position in the reversed URL matters.
_MARKER = 9_876_543_210_123


def id_url_maker(viewname: str) -> Callable[[int], str]:
    """A function giving ``reverse(viewname, args=[pk])`` for any integer ``pk``."""
    marker = str(_MARKER)
    head, tail = reverse(viewname, args=[_MARKER]).rsplit(marker, 1)

    def url(pk: int) -> str:
        return f"{head}{int(pk)}{tail}"

    return url
