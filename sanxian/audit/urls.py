from django.urls import path

from sanxian.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.audit_list, name="list"),
    path("audit/export.xlsx", views.audit_xlsx, name="export"),
]
