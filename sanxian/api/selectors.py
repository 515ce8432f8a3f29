from __future__ import annotations

from django.db.models import QuerySet

from sanxian.accounts.models import User
from sanxian.api.models import ApiToken


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first, revoked ones included (as a record)."""
    return ApiToken.objects.filter(user=user)
