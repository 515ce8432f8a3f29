"""The page where a user makes and revokes personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sanxian.accounts.models import User
from sanxian.api import selectors, services
from sanxian.api.forms import TokenForm
from sanxian.places.errors import DomainError


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _page(
    request: HttpRequest, form: TokenForm, *, new_token: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": selectors.tokens_of(_user(request)),
            "new_token": new_token,
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _, raw = services.issue_token(
            user=_user(request), name=form.cleaned_data["name"], request=request
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _page(request, form, status=400)
    # Shown on this answer only: it is not stored and cannot be shown again.
    return _page(request, TokenForm(), new_token=raw)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.revoke_token(user=_user(request), token_id=pk, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token has been revoked; it no longer works."))
    return redirect("api_tokens:list")
