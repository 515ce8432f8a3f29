"""The security auditor's pages: the audit log with filters, and its xlsx export (itself
recorded in the log)."""

from __future__ import annotations

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from sanxian.audit import selectors
from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.audit.services import record
from sanxian.meetings.exports import content_disposition
from sanxian.spreadsheets import XLSX_CONTENT_TYPE, safe_cell


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


HEADER = ("When", "User name", "What", "On what", "Where (place path)", "From (IP)", "Details")


@login_required
def audit_xlsx(request: HttpRequest) -> HttpResponse:
    selectors.require_auditor(request.user)
    form = AuditFilterForm(request.GET or None)
    qs = selectors.filtered(form.to_filter())[: selectors.EXPORT_LIMIT]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Audit log"))
    ws.append([_(h) for h in HEADER])
    labels = dict(AuditAction.choices)
    count = 0
    for e in qs.iterator(chunk_size=2000):
        ws.append(
            [
                timezone.localtime(e.at).replace(tzinfo=None),
                safe_cell(e.username),
                str(labels.get(e.action, e.action)),
                safe_cell(e.target),
                safe_cell(e.path),
                e.ip or "",
                safe_cell(_detail_text(e)),
            ]
        )
        count += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    record(AuditAction.EXPORT, request=request, target="audit log", rows=count)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = content_disposition(
        _("Audit log %(day)s.xlsx") % {"day": stamp}, f"audit-log-{stamp}.xlsx"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _detail_text(e: AuditEvent) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
