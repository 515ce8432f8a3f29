"""Reading the audit log: the security auditor only (every other role gets 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from sanxian.accounts.models import Role
from sanxian.accounts.scope import get_scope
from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.workdays.selectors import SHANGHAI

PAGE = 100
EXPORT_LIMIT = 100_000


def require_auditor(user) -> None:
    if Role.SECURITY_AUDITOR not in get_scope(user).roles:
        raise Http404


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    username: str = ""
    since: date | None = None
    until: date | None = None


def filtered(f: AuditFilter) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if f.action in AuditAction.values:
        qs = qs.filter(action=f.action)
    if f.username:
        qs = qs.filter(username=f.username)
    if f.since is not None:
        qs = qs.filter(at__gte=datetime.combine(f.since, time.min, tzinfo=SHANGHAI))
    if f.until is not None:
        qs = qs.filter(
            at__lt=datetime.combine(f.until + timedelta(days=1), time.min, tzinfo=SHANGHAI)
        )
    return qs.order_by("-at", "-id")


@dataclass
class AuditPage:
    entries: list[AuditEvent]
    next_before: int | None


def audit_page(f: AuditFilter, before: int | None = None) -> AuditPage:
    """Newest first, keyset-paginated on the id (a deep page costs what the first does)."""
    qs = filtered(f)
    if before is not None:
        qs = qs.filter(id__lt=before)
    entries = list(qs.order_by("-id")[: PAGE + 1])
    more = len(entries) > PAGE
    entries = entries[:PAGE]
    return AuditPage(entries=entries, next_before=entries[-1].pk if more and entries else None)


def today() -> date:
    return timezone.localdate()
