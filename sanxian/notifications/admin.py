from __future__ import annotations

from django.contrib import admin

from sanxian.notifications.models import Delivery, Notification, RobotWebhook


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient",)


@admin.register(RobotWebhook)
class RobotWebhookAdmin(admin.ModelAdmin):
    """Robots are added on their place's or team's page (the address is sealed there)."""

    list_display = ("name", "kind", "url_hint", "path", "active")
    list_filter = ("kind", "active")
    fields = ("name", "kind", "url_hint", "active")
    readonly_fields = ("kind", "url_hint")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Given-up deliveries (state "failed") are found here with their last error."""

    list_display = ("title", "channel", "state", "attempts", "next_attempt_at", "last_error")
    list_filter = ("state", "channel", "kind")
    raw_id_fields = ("notification", "recipient", "robot")
    readonly_fields = ("key", "sent_at", "created_at", "claimed_until")
