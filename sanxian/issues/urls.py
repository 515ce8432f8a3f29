from django.urls import path

app_name = "issues"

urlpatterns: list = []  # type: ignore[type-arg]
