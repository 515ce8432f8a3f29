from django.contrib import admin

from sanxian.activities.models import Activity, ActivityHelper, ActivityPhoto, ActivitySignup


class SignupInline(admin.TabularInline):
    model = ActivitySignup
    extra = 0
    raw_id_fields = ("resident", "signed_up_by")


class HelperInline(admin.TabularInline):
    model = ActivityHelper
    extra = 0
    raw_id_fields = ("volunteer",)


class PhotoInline(admin.TabularInline):
    model = ActivityPhoto
    extra = 0
    raw_id_fields = ("uploaded_by",)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "place", "starts_at", "capacity", "taken", "state")
    list_filter = ("state", "organiser_kind")
    search_fields = ("title",)
    raw_id_fields = ("place", "organiser_team", "organiser_branch", "created_by")
    # Seats move only through the services (the conditional UPDATE on ``taken``).
    readonly_fields = ("taken",)
    inlines = (SignupInline, HelperInline, PhotoInline)
