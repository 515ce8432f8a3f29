from django.urls import path

from sanxian.activities import views

app_name = "activities"

urlpatterns = [
    path("activities/", views.activity_list, name="list"),
    path("activities/export.xlsx", views.activity_list_xlsx, name="list_xlsx"),
    path("activities/mine/", views.mine, name="mine"),
    path("activities/new/", views.create, name="create"),
    path("activities/<int:pk>/", views.detail, name="detail"),
    path("activities/<int:pk>/edit/", views.edit, name="edit"),
    path("activities/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("activities/<int:pk>/held/", views.held, name="held"),
    path("activities/<int:pk>/sign-up/", views.signup, name="signup"),
    path(
        "activities/<int:pk>/sign-ups/<int:signup_pk>/cancel/",
        views.cancel_signup,
        name="cancel_signup",
    ),
    path("activities/<int:pk>/sign-ups/", views.signups, name="signups"),
    path("activities/<int:pk>/sign-ups.xlsx", views.signups_xlsx, name="signups_xlsx"),
    path("activities/<int:pk>/sign-ups/on-behalf/", views.signup_for, name="signup_for"),
    path("activities/<int:pk>/check-ins/", views.mark_checkins, name="mark_checkins"),
    path("activities/<int:pk>/qr.svg", views.qr, name="qr"),
    path("activities/check-in/<str:token>/", views.checkin, name="checkin"),
    path("activities/<int:pk>/helpers/", views.add_helper, name="add_helper"),
    path(
        "activities/<int:pk>/helpers/<int:helper_pk>/remove/",
        views.remove_helper,
        name="remove_helper",
    ),
    path("activities/<int:pk>/summary/", views.summary, name="summary"),
    path("activities/<int:pk>/photos/", views.add_photos, name="add_photos"),
    path("activities/photos/<int:pk>/", views.photo, name="photo"),
]
