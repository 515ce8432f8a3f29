from django.urls import path

from sanxian.places import views

app_name = "places"

urlpatterns = [
    path("places/<int:pk>/", views.place_detail, name="detail"),
    path("residents/<int:pk>/", views.resident_detail, name="resident"),
    path("search/", views.search, name="search"),
]
