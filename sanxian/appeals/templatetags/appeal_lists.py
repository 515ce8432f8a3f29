"""Tags of the staff list of appeals."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.db.models import Choices
from django.forms import BoundField
from django.forms.utils import flatatt
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from sanxian.appeals.models import Appeal, AppealState, EscalationLevel
from sanxian.places.links import id_url_maker

register = template.Library()

TEXT_CHARS = 50
_URL_KEY = "appeal_lists.detail_url"


def _label(choices: type[Choices], value: object) -> str:
    """The label of a stored choice (``get_FOO_display`` translates every label of the
    field each time it is called), the value itself when it is not one of the choices."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _when(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


@register.simple_tag(takes_context=True)
def appeal_line(context: template.Context, appeal: Appeal, now: datetime) -> SafeString:
    """One line of the list: number, category, state, deadline warnings, escalation, the
    start of the text, place, resident, when filed and (while open) when due.

    Built here rather than by template tags: a page has many lines and each would otherwise
    go through a dozen template nodes and an include; the detail URL pattern is resolved
    once per page.
    """
    cache = context.render_context
    url = cache.get(_URL_KEY)
    if url is None:
        url = cache[_URL_KEY] = id_url_maker("appeals:detail")
    tags = []
    if appeal.resolution_overdue(now):
        tags.append(format_html(' <span class="tag tag-warn">{}</span>', _("Overdue")))
    elif appeal.response_overdue(now):
        tags.append(
            format_html(' <span class="tag tag-warn">{}</span>', _("Not contacted in time"))
        )
    if appeal.escalation_level:
        tags.append(
            format_html(
                ' <span class="tag tag-warn">{}</span>',
                _label(EscalationLevel, appeal.escalation_level),
            )
        )
    where = appeal.place.name
    if appeal.resident_id is not None:
        where = f"{where} · {appeal.resident.name}"  # type: ignore[union-attr]
    due = ""
    if appeal.is_open:
        due = " · " + _("due %(due)s") % {"due": _when(appeal.resolution_due_at)}
    return format_html(
        '<a href="{url}" data-testid="appeal-{pk}">\n'
        '    <span class="title">#{pk} {category}</span> '
        '<span class="tag tag-state tag-{state}" data-testid="appeal-state" data-state="{state}">'
        "{state_label}</span>{tags}\n"
        '    <span class="meta">{text}</span>\n'
        '    <span class="meta">{where} · {created}{due}</span>\n'
        "  </a>",
        url=url(appeal.pk),
        pk=appeal.pk,
        category=appeal.category.name,
        state=appeal.state,
        state_label=_label(AppealState, appeal.state),
        tags=mark_safe("".join(tags)),  # noqa: S308  # nosec B308 B703 - each part went through format_html
        text=Truncator(appeal.text).chars(TEXT_CHARS),
        where=where,
        created=_when(appeal.created_at),
        due=due,
    )


@register.simple_tag
def filter_select(field: BoundField) -> SafeString:
    """A single-choice filter's ``<select>`` as Django's ``Select`` widget draws it (same
    name, id, attributes, options and selection), without a template per option."""
    widget = field.field.widget
    attrs = field.build_widget_attrs(widget.attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    chosen = widget.format_value(field.value())
    selected = chosen[0] if chosen else None
    options = format_html_join(
        "",
        '\n  <option value="{}"{}>{}</option>\n',
        (
            (value, " selected" if str(value) == selected else "", label)
            for value, label in field.field.choices  # type: ignore[attr-defined]
        ),
    )
    return format_html(
        '<select name="{}"{}>{}\n</select>', field.html_name, flatatt(attrs), options
    )
