from django.urls import path

from sanxian.rosters import views

app_name = "rosters"

urlpatterns = [
    path("rosters/", views.index, name="index"),
    path("rosters/upload/", views.upload_roster, name="upload"),
    path("rosters/template/<str:kind>/", views.template, name="template"),
    path("rosters/<int:pk>/", views.batch_detail, name="batch"),
    path("rosters/<int:pk>/errors.xlsx", views.batch_errors, name="errors"),
    path("rosters/<int:pk>/import/", views.batch_commit, name="commit"),
]
