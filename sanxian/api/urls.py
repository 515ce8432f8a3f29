from django.urls import path

from sanxian.api import views

app_name = "api_tokens"

urlpatterns = [
    path("account/api-tokens/", views.tokens, name="list"),
    path("account/api-tokens/<int:pk>/revoke/", views.revoke, name="revoke"),
]
