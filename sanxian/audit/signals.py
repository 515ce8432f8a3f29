"""Sign-ins, sign-outs and failed sign-ins go to the audit log. Django announces them as
signals (whichever view or backend signed the user in); recording them is all these
receivers do."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from sanxian.audit.models import AuditAction
from sanxian.audit.services import record


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditAction.SIGN_IN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(AuditAction.SIGN_OUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(AuditAction.SIGN_IN_FAILED, request=request, username=username)
