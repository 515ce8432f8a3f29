from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from sanxian.accounts.models import RoleAssignment, User
from sanxian.accounts.services import end_sessions


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ("place", "grid")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_superuser")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("三先", {"fields": ("display_name", "resident")}),
    )
    raw_id_fields = ("resident",)
    inlines = (RoleAssignmentInline,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Unticking "active" signs the account out everywhere at once.
        if change and "is_active" in form.changed_data and not obj.is_active:
            end_sessions(user=obj)
