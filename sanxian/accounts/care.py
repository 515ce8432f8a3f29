"""Care mode (关怀模式): larger type and touch targets, stronger contrast, fewer elements.

The choice is remembered in a cookie on the device and, for a signed-in person, on their
account: signing in (on a new phone, or on a phone shared with family) brings their choice
back. Without a choice, it is on for everyone except staff at work: residents, volunteers
and party members who hold no staff role, and the sign-in page.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from sanxian.accounts.scope import get_scope

COOKIE = "sanxian_care"
ON, OFF = "on", "off"
MAX_AGE = 365 * 24 * 3600


def is_on(request: HttpRequest) -> bool:
    chosen = request.COOKIES.get(COOKIE)
    if chosen in (ON, OFF):
        return chosen == ON
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return True
    return not get_scope(user).is_staff


def set_cookie(response: HttpResponse, choice: str) -> None:
    response.set_cookie(
        COOKIE,
        choice,
        max_age=MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )


def care_mode(request: HttpRequest) -> dict[str, object]:
    return {"care_mode": is_on(request)}
