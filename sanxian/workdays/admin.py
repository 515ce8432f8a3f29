"""Read-only in the admin: edits go through the calendar page (sanxian.workdays.services),
which keeps the source flag right and drops the per-process cache."""

from django.contrib import admin
from django.http import HttpRequest

from sanxian.workdays.models import CalendarDay, CalendarYear


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(_ReadOnly):
    list_display = ("year", "source", "complete", "updated_at")


@admin.register(CalendarDay)
class CalendarDayAdmin(_ReadOnly):
    list_display = ("date", "kind", "name")
    list_filter = ("kind", "calendar_year")
