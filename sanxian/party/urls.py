from django.urls import path

from sanxian.party import views

app_name = "party"

urlpatterns = [
    path("structure/<int:pk>/", views.structure_check, name="structure"),
    path("structure/<int:pk>/fix/", views.structure_fix, name="structure_fix"),
    path("structure/<int:pk>/gaps.xlsx", views.structure_gaps_xlsx, name="structure_xlsx"),
]
