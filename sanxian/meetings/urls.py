from django.urls import path

from sanxian.meetings import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/qr.svg", views.meeting_qr, name="qr"),
    path("meetings/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("meetings/<int:pk>/agenda/<int:item_pk>/", views.agenda_item, name="agenda_item"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:pk>/decisions/", views.decision, name="decision"),
    path("meetings/<int:pk>/votes/", views.vote, name="vote"),
    path("meetings/check-in/<str:token>/", views.checkin, name="checkin"),
]
