from django.urls import path

from sanxian.notifications import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/badge/", views.badge, name="badge"),
    path("inbox/<int:pk>/", views.open_notification, name="open"),
    path("inbox/<int:pk>/read/", views.read, name="read"),
    path("inbox/read-all/", views.read_all, name="read_all"),
    path("inbox/settings/", views.preferences, name="preferences"),
    path("inbox/robots/", views.robots, name="robots"),
    path("inbox/robots/place/<int:pk>/", views.place_robots, name="place_robots"),
    path("inbox/robots/team/<int:pk>/", views.team_robots, name="team_robots"),
    path("inbox/robots/<int:pk>/switch/", views.switch_robot, name="switch_robot"),
    path("inbox/robots/<int:pk>/remove/", views.remove_robot, name="remove_robot"),
]
