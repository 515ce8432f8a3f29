"""The staff list of appeals as a workbook: what the list shows for its filters, all of it.
The callback phone appears as its last four digits only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian.accounts.scope import get_scope
from sanxian.appeals import selectors
from sanxian.appeals.models import Appeal
from sanxian.personal_data import mask
from sanxian.spreadsheets import Column, common_path, field_label, list_export

PHONE_LENGTH = 11


def columns(now: datetime) -> list[Column[Appeal]]:
    def label(name: str) -> str:
        return field_label(Appeal, name)

    return [
        Column(_("Serial number"), lambda a: a.pk, 8),
        Column(label("category"), lambda a: a.category.name, 12),
        Column(label("state"), lambda a: a.get_state_display(), 12),
        Column(label("text"), lambda a: a.text, 40),
        Column(label("place"), lambda a: a.place.name, 16),
        Column(label("resident"), lambda a: a.resident.name if a.resident else "", 10),
        Column(
            _("Callback phone"),
            lambda a: mask(a.contact_phone_last4, PHONE_LENGTH),
            14,
        ),
        Column(label("on_behalf"), lambda a: a.on_behalf, 10),
        Column(label("created_at"), lambda a: a.created_at, 18),
        Column(label("response_due_at"), lambda a: a.response_due_at, 18),
        Column(label("first_contacted_at"), lambda a: a.first_contacted_at, 18),
        Column(label("resolution_due_at"), lambda a: a.resolution_due_at, 18),
        Column(label("closed_at"), lambda a: a.closed_at, 18),
        Column(
            _("Overdue"),
            lambda a: a.resolution_overdue(now) or a.response_overdue(now),
            8,
        ),
        Column(label("escalation_level"), lambda a: a.get_escalation_level_display(), 12),
        Column(label("rating"), lambda a: a.get_rating_display() if a.rating else "", 12),
        Column(label("outcome_note"), lambda a: a.outcome_note, 30),
    ]


def appeal_list_xlsx(request: HttpRequest, filters: dict[str, Any]) -> HttpResponse:
    scope = get_scope(request.user)
    now = timezone.now()
    appeals = selectors.listed_appeals(scope, now=now, **filters)
    category = filters.get("category")
    return list_export(
        request,
        what="appeals",
        title=_("Appeals"),
        slug="appeals",
        columns=columns(now),
        items=appeals.iterator(chunk_size=2000),
        path=common_path(scope.paths),
        filters={**filters, "category": category.name if category is not None else None},
    )
