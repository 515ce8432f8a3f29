from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanxian.accounts.models import Role
from sanxian.accounts.scope import get_scope
from sanxian.accounts.selectors import home_cards
from sanxian.activities.selectors import coming_soon
from sanxian.volunteers.selectors import volunteer_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    return render(
        request,
        "accounts/home.html",
        {
            "cards": home_cards(scope),
            # Residents, party members and volunteers see what is on nearby; staff reach
            # activities and volunteers from the top bar (their home is about work).
            "coming_activities": [] if scope.is_staff else coming_soon(request.user),
            "volunteer": None if scope.is_staff else volunteer_for_user(request.user),
            "auditor_only": scope.roles == {Role.SECURITY_AUDITOR},
            "no_roles": not scope.roles,
        },
    )
