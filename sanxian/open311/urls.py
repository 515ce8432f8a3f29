from django.urls import re_path

from sanxian.open311 import views

app_name = "open311"

FMT = r"(?P<fmt>json|xml)"

urlpatterns = [
    re_path(rf"^open311/v2/services\.{FMT}$", views.service_list, name="services"),
    re_path(
        rf"^open311/v2/services/(?P<code>[^/.]+)\.{FMT}$",
        views.service_definition,
        name="service",
    ),
    re_path(rf"^open311/v2/requests\.{FMT}$", views.requests, name="requests"),
    re_path(
        rf"^open311/v2/requests/(?P<request_id>[^/.]+)\.{FMT}$",
        views.request_detail,
        name="request",
    ),
]
