from __future__ import annotations

from django.http import HttpRequest

from sanxian.rosters.selectors import may_import


def rosters(request: HttpRequest) -> dict[str, object]:
    """Whether the top bar offers 导入花名册 (from the scope already loaded: no query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_import_rosters": may_import(user)}
