from django.urls import path

app_name = "grids"

urlpatterns: list = []
