"""Django admin is for superusers only: staff flags alone never open it."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest


def _superuser_only(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


def restrict_admin_to_superusers(site: AdminSite) -> None:
    site.has_permission = _superuser_only  # type: ignore[method-assign]
    site.site_header = "三先 sanxian"
