from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanxian.accounts.models import Role
from sanxian.accounts.scope import get_scope
from sanxian.accounts.selectors import home_cards


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    return render(
        request,
        "accounts/home.html",
        {
            "cards": home_cards(scope),
            "auditor_only": scope.roles == {Role.SECURITY_AUDITOR},
            "no_roles": not scope.roles,
        },
    )
