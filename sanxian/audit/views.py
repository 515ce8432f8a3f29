"""The security auditor's pages: the audit log with filters, and its xlsx export (itself
recorded in the log)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanxian.audit import selectors
from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.spreadsheets import Column, list_export


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("What"),
        choices=[("", gettext_lazy("Everything")), *AuditAction.choices],
        required=False,
    )
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150, required=False)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def to_filter(self) -> selectors.AuditFilter:
        if not self.is_valid():
            return selectors.AuditFilter()
        d = self.cleaned_data
        return selectors.AuditFilter(
            action=d["action"] or "",
            username=d["username"].strip(),
            since=d["since"],
            until=d["until"],
        )


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() else None


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    selectors.require_auditor(request.user)
    form = AuditFilterForm(request.GET or None)
    page = selectors.audit_page(form.to_filter(), before=_before(request))
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "audit/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _detail_text(e: AuditEvent) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))


def _columns() -> list[Column[AuditEvent]]:
    labels = dict(AuditAction.choices)
    return [
        Column(gettext_lazy("When"), lambda e: e.at, 18),
        Column(gettext_lazy("User name"), lambda e: e.username, 14),
        Column(gettext_lazy("What"), lambda e: labels.get(e.action, e.action), 14),
        Column(gettext_lazy("On what"), lambda e: e.target, 24),
        Column(gettext_lazy("Where (place path)"), lambda e: e.path, 18),
        Column(gettext_lazy("From (IP)"), lambda e: e.ip or "", 16),
        Column(gettext_lazy("Details"), _detail_text, 50),
    ]


@login_required
def audit_xlsx(request: HttpRequest) -> HttpResponse:
    selectors.require_auditor(request.user)
    form = AuditFilterForm(request.GET or None)
    chosen = form.to_filter()
    qs = selectors.filtered(chosen)[: selectors.EXPORT_LIMIT]
    return list_export(
        request,
        what="audit log",
        title=_("Audit log"),
        slug="audit-log",
        columns=_columns(),
        items=qs.iterator(chunk_size=2000),
        filters={
            "action": chosen.action,
            "username": chosen.username,
            "since": chosen.since,
            "until": chosen.until,
        },
    )
