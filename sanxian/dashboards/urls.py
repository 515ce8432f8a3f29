from django.urls import path

from sanxian.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dashboards/", views.home, name="home"),
    path("dashboards/<int:pk>/", views.place_dashboard, name="place"),
    path("dashboards/<int:pk>/refresh/", views.refresh_place, name="refresh"),
    path("dashboards/grid/<int:pk>/", views.grid_dashboard, name="grid"),
    path("dashboards/grid/<int:pk>/refresh/", views.refresh_grid, name="refresh_grid"),
    path("dashboards/<int:pk>/report/<str:month>.xlsx", views.report_xlsx, name="report_xlsx"),
    path("dashboards/<int:pk>/report/<str:month>/", views.report, name="report"),
]
