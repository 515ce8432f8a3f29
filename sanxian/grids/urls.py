from django.urls import path

from sanxian.grids import views

app_name = "grids"

urlpatterns = [
    path("grids/<int:pk>/", views.grid_detail, name="detail"),
]
