from django.urls import path

from sanxian.issues import views

app_name = "issues"

urlpatterns = [
    path("issues/", views.issue_list, name="list"),
    path("issues/export.xlsx", views.issue_list_xlsx, name="list_xlsx"),
    path("issues/new/", views.issue_new, name="new"),
    path("issues/<int:pk>/", views.issue_detail, name="detail"),
    path("issues/<int:pk>/discussion/", views.discussion, name="discussion"),
    path("issues/<int:pk>/photos/<int:photo_pk>/", views.issue_photo, name="photo"),
    *(
        path(
            f"issues/<int:pk>/{what.replace('_', '-')}/",
            views.issue_write,
            {"what": what},
            name=what,
        )
        for what in views.WRITES
    ),
]
