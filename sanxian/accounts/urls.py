from django.contrib.auth import views as auth_views
from django.urls import path

from sanxian.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        views.SignInView.as_view(),
        name="login",
    ),
    path("care-mode/", views.care_mode, name="care_mode"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
