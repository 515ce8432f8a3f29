from __future__ import annotations

from django.http import HttpRequest

from sanxian.accounts.scope import get_scope


def navigation(request: HttpRequest) -> dict[str, object]:
    """The first place the user's roles open, for the "Territory" link (no extra query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = get_scope(user)
    for assignment in scope.assignments:
        if assignment.place is not None and scope.is_staff:
            return {"nav_root": assignment.place, "scope": scope}
    return {"scope": scope}
