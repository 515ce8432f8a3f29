from django.urls import path

from sanxian.places import exports, views

app_name = "places"

urlpatterns = [
    path("places/<int:pk>/", views.place_detail, name="detail"),
    path("places/<int:pk>/residents.xlsx", exports.residents_xlsx, name="residents_xlsx"),
    path(
        "places/<int:pk>/party-members.xlsx",
        exports.party_members_xlsx,
        name="party_members_xlsx",
    ),
    path("residents/<int:pk>/", views.resident_detail, name="resident"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("residents/<int:pk>/departure/", views.resident_departure, name="resident_departure"),
    path(
        "residents/<int:pk>/departure/cancel/",
        views.resident_departure_cancel,
        name="resident_departure_cancel",
    ),
    path("search/", views.search, name="search"),
]
