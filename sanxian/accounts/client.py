"""The address a request came from, for sign-in lockout and rate limits.

Without reverse proxies it is the connection's address. Behind ``SANXIAN_PROXIES`` trusted
proxies, each of which appends the address it received the request from to X-Forwarded-For,
it is the entry that many places from the right: entries further left were written by the
client and cannot be trusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# One shared counter for requests without an address; an address value, never bound to.
UNKNOWN = "0.0.0.0"  # noqa: S104  # nosec B104


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when the request carries none (a request built in code)."""
    proxies = getattr(settings, "SANXIAN_PROXIES", 0)
    if proxies:
        forwarded = [
            part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            return _valid(forwarded[-proxies])
    return _valid(request.META.get("REMOTE_ADDR", "") or "")


def client_ip_or_unknown(request: HttpRequest) -> str:
    """For rate limits, which need some address: requests without one share one counter."""
    return client_ip(request) or UNKNOWN
