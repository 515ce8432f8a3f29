from django.contrib import admin
from django.urls import include, path

from sanxian.accounts.admin_site import restrict_admin_to_superusers

restrict_admin_to_superusers(admin.site)

urlpatterns = [
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
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
