"""The issue list as a workbook: what the list shows for its filter, all of it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from sanxian.accounts.scope import get_scope
from sanxian.issues import selectors
from sanxian.issues.models import Issue
from sanxian.spreadsheets import Column, common_path, field_label, list_export


def columns() -> list[Column[Issue]]:
    def label(name: str) -> str:
        return field_label(Issue, name)

    return [
        Column(_("Serial number"), lambda i: i.pk, 8),
        Column(label("title"), lambda i: i.title, 36),
        Column(label("state"), lambda i: i.get_state_display(), 12),
        Column(label("source"), lambda i: i.get_source_display(), 18),
        Column(label("place"), lambda i: i.place.name, 18),
        Column(label("created_at"), lambda i: i.created_at, 18),
        Column(label("state_changed_at"), lambda i: i.state_changed_at, 18),
    ]


def issue_list_xlsx(request: HttpRequest, *, state: str) -> HttpResponse:
    issues = selectors.listed_issues(request.user, state=state)
    return list_export(
        request,
        what="issues",
        title=_("Issues"),
        slug="issues",
        columns=columns(),
        items=issues.iterator(chunk_size=2000),
        path=common_path(get_scope(request.user).paths),
        filters={"state": state},
    )
