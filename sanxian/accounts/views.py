from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST

from sanxian.accounts import care, services
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
            # What is on nearby, listed on the home page of everyone who is not staff (the
            # top bar's Activities and Volunteers links give way to it in care mode).
            "neighbourhood": not scope.is_staff and not scope.is_empty,
            "auditor_only": scope.roles == {Role.SECURITY_AUDITOR},
            "no_roles": not scope.roles,
        },
    )


@require_POST
def care_mode(request: HttpRequest) -> HttpResponse:
    """Switch care mode on or off for this device and return to the page it was asked on."""
    choice = request.POST.get("care")
    if choice not in (care.ON, care.OFF):
        return HttpResponseBadRequest(_("Choose care mode on or off."))
    if request.user.is_authenticated:
        services.set_care_mode(user=request.user, choice=choice)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    care.set_cookie(response, choice)
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (cookie, back to the page); a signed-in person's choice is
    also kept on their account."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.set_language(user=request.user, language=language)
    return response


class SignInView(auth_views.LoginView):
    """Signing in brings back the language and care mode the person chose on another
    device (or on this one, shared with family)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if user.care_mode:
            care.set_cookie(response, user.care_mode)
        language = user.language
        if language and language != self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite="Lax",
            )
        return response
