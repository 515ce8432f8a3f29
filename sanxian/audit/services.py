"""Writing the audit log. Every entry goes through ``record``; nothing else writes it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from sanxian.accounts.client import client_ip
from sanxian.audit.models import AuditAction, AuditEvent

# 网络安全法: logs are kept at least six months.
MIN_RETENTION = timedelta(days=183)


def _ip(request: HttpRequest | None) -> str | None:
    """The address the request came from, read as the lockout reads it (trusted proxies)."""
    return client_ip(request) if request is not None else None


def describe(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    return f"{obj._meta.label}#{obj.pk}"


def record(
    action: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    target: models.Model | str | None = None,
    path: str = "",
    username: str = "",
    **detail: Any,
) -> AuditEvent:
    """Append one entry. ``actor`` defaults to the request's signed-in user."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        username=username or (actor.get_username() if actor is not None else ""),
        action=action,
        target=target if isinstance(target, str) else describe(target),
        path=path,
        ip=_ip(request),
        detail={k: _plain(v) for k, v in detail.items()},
    )


def record_export(
    request: HttpRequest,
    *,
    what: str,
    rows: int,
    path: str = "",
    filters: Mapping[str, Any] | None = None,
    target: models.Model | str | None = None,
) -> AuditEvent:
    """An export: which list (``what``), the filters that were set, how many rows, where."""
    used = {k: v for k, v in (filters or {}).items() if v not in (None, "", False, [], ())}
    return record(
        AuditAction.EXPORT,
        request=request,
        target=target if target is not None else what,
        path=path,
        export=what,
        rows=rows,
        filters=used,
    )


def _plain(value: Any) -> Any:
    """JSON-safe detail values (ids, strings, numbers, lists of them)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def purge_older_than(age: timedelta, *, now: Any = None) -> int:
    """Delete entries older than ``age`` (at least six months); return how many."""
    if age < MIN_RETENTION:
        raise ValueError("audit entries are kept at least six months")
    cutoff = (now or timezone.now()) - age
    return AuditEvent.objects.filter(at__lt=cutoff)._purge()
