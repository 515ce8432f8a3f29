"""Making, revoking and checking personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian.accounts.models import User
from sanxian.api.models import ApiToken
from sanxian.audit.models import AuditAction
from sanxian.audit.services import record
from sanxian.places.errors import DomainError

TOKEN_PREFIX = "sx_"  # noqa: S105 (marks our tokens in logs and scanners; not a secret)
LIFETIME_DAYS = 365
MAX_ACTIVE_TOKENS = 10
# last_used_at is written at most this often, so that a busy client does not turn every
# request into a write.
USE_RECORDED_EVERY = timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_token(
    *,
    user: User,
    name: str,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the record and the token, which is never shown
    again."""
    name = name.strip()
    if not name:
        raise DomainError(_("Please name the token after the program that will use it."))
    if len(name) > 60:
        raise DomainError(_("Please keep the name under %(n)s characters.") % {"n": 60})
    now = now or timezone.now()
    # Lock the user's row so that two simultaneous requests cannot pass the limit together.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user).usable(now).count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            _("You have %(n)s tokens in use; revoke one you no longer need first.")
            % {"n": MAX_ACTIVE_TOKENS}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:10],
        digest=_digest(raw),
        created_at=now,
        expires_at=now + timedelta(days=LIFETIME_DAYS),
    )
    record(AuditAction.ACCOUNT, actor=user, request=request, target=token, change="token_issued")
    return token, raw


@transaction.atomic
def revoke_token(
    *,
    user: User,
    token_id: int,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise DomainError(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            AuditAction.ACCOUNT, actor=user, request=request, target=token, change="token_revoked"
        )
    return token


def authenticate(raw: str, *, now: datetime | None = None) -> User | None:
    """The active user a token belongs to, or None for an unknown, revoked or expired token
    (or a disabled account)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    now = now or timezone.now()
    token = ApiToken.objects.usable(now).select_related("user").filter(digest=_digest(raw)).first()
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > USE_RECORDED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
