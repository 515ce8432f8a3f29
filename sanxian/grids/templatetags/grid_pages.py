"""Tags of the grid page."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from sanxian.grids.selectors import HouseholdRoom
from sanxian.places.links import id_url_maker

register = template.Library()

_URL_KEY = "grid_pages.household_url"


@register.simple_tag(takes_context=True)
def household_rooms(context: template.Context, homes: Iterable[HouseholdRoom]) -> SafeString:
    """A building group's households as room links, those with nobody living there marked
    ``empty``: a grid holds a few hundred, so they are joined here rather than by a
    template loop, and their URL pattern is resolved once."""
    cache = context.render_context
    url = cache.get(_URL_KEY)
    if url is None:
        url = cache[_URL_KEY] = id_url_maker("places:detail")
    # html.escape is what django.utils.html.escape applies, without its lazy-text wrapper
    # (measurable over a few hundred rooms).
    return mark_safe(  # noqa: S308  # nosec B308 B703 - text parts escaped, the rest integers
        "".join(
            f'<a class="room{"" if h.resident_count else " empty"}" href="{escape(url(h.pk))}">'
            f"{escape(str(h.label))} <small>({int(h.resident_count)})</small></a>"
            for h in homes
        )
    )
