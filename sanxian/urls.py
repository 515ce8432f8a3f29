from django.contrib import admin
from django.urls import include, path

from sanxian import health
from sanxian.accounts import views as account_views
from sanxian.accounts.admin_site import restrict_admin_to_superusers
from sanxian.api.api import api

restrict_admin_to_superusers(admin.site)

urlpatterns = [
    path("healthz/", health.liveness, name="healthz"),
    path("readyz/", health.readiness, name="readyz"),
    path("", include("sanxian.accounts.urls")),
    path("", include("sanxian.places.urls")),
    path("", include("sanxian.grids.urls")),
    path("", include("sanxian.party.urls")),
    path("", include("sanxian.issues.urls")),
    path("", include("sanxian.appeals.urls")),
    path("", include("sanxian.meetings.urls")),
    path("", include("sanxian.volunteers.urls")),
    path("", include("sanxian.activities.urls")),
    path("", include("sanxian.dashboards.urls")),
    path("", include("sanxian.audit.urls")),
    path("", include("sanxian.rosters.urls")),
    path("", include("sanxian.api.urls")),
    path("", include("sanxian.notifications.urls")),
    path("api/", api.urls),
    path("", include("sanxian.open311.urls")),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
