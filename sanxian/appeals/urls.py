from django.urls import path

from sanxian.appeals import views
from sanxian.workdays import views as calendar_views

app_name = "appeals"

urlpatterns = [
    path("appeals/", views.appeal_list, name="list"),
    path("appeals/export.xlsx", views.appeal_list_xlsx, name="list_xlsx"),
    path("appeals/new/", views.new, name="new"),
    path("appeals/new/for/", views.new_for, name="new_for"),
    path("appeals/new/for/<int:resident_pk>/", views.new_for_resident, name="new_for_resident"),
    path("appeals/mine/", views.mine, name="mine"),
    path("appeals/<int:pk>/", views.detail, name="detail"),
    path("appeals/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("appeals/<int:pk>/start/", views.start, name="start"),
    path("appeals/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("appeals/<int:pk>/reject/", views.reject, name="reject"),
    path("appeals/<int:pk>/merge/", views.merge, name="merge"),
    path("appeals/<int:pk>/rate/", views.rate, name="rate"),
    path("appeals/<int:pk>/phone/", views.reveal_phone, name="reveal_phone"),
    path("appeals/photos/<int:pk>/", views.photo, name="photo"),
    path("appeals/rates/<int:place_pk>/", views.rates, name="rates"),
    # The working-day calendar (sanxian.workdays) has its pages here.
    path("calendar/<int:year>/", calendar_views.year_page, name="calendar"),
    path("calendar/<int:year>/day/", calendar_views.set_day, name="calendar_day"),
    path("calendar/<int:year>/day/delete/", calendar_views.delete_day, name="calendar_day_delete"),
    path("calendar/<int:year>/complete/", calendar_views.set_complete, name="calendar_complete"),
    path("calendar/<int:year>/seed/", calendar_views.seed, name="calendar_seed"),
]
