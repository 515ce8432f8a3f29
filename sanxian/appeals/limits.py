"""How many appeals one account and one address may file in a while
(settings.SANXIAN_APPEAL_RATES), shared by the filing page, the API and Open311."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage


def filing_wait(request: HttpRequest, *, on_behalf: bool) -> int | None:
    """Count one filing against the account's and the address's limits; the minutes to
    wait when either is exceeded, else None."""
    kind = "staff" if on_behalf else "resident"
    rates = settings.SANXIAN_APPEAL_RATES
    waits = []
    for key, rate in (("user", rates[kind]), ("ip", rates[f"{kind}_ip"])):
        usage = get_usage(
            request, group=f"appeals.file.{kind}.{key}", key=key, rate=rate, increment=True
        )
        if usage is not None and usage["should_limit"]:
            waits.append(max(usage["time_left"], 60))
    return -(-max(waits) // 60) if waits else None
