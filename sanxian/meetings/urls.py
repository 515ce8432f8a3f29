from django.urls import path

from sanxian.meetings import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/export.xlsx", views.meeting_list_xlsx, name="list_xlsx"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/qr.svg", views.meeting_qr, name="qr"),
    path("meetings/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("meetings/<int:pk>/agenda/<int:item_pk>/", views.agenda_item, name="agenda_item"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:pk>/decisions/", views.decision, name="decision"),
    path("meetings/<int:pk>/votes/", views.vote, name="vote"),
    path("meetings/cycle/<int:place_pk>/", views.cycle_rule, name="cycle_rule"),
    path("meetings/check-in/<str:token>/", views.checkin, name="checkin"),
    path("meetings/<int:pk>/minutes.docx", views.minutes_docx, name="minutes_docx"),
    path("meetings/calendar/<int:place_pk>.ics", views.ics_neighborhood, name="ics_neighborhood"),
    path("meetings/calendar/private/<slug:token>.ics", views.ics_private, name="ics_private"),
    path("meetings/calendar/token/", views.calendar_token_reset, name="calendar_token_reset"),
]
