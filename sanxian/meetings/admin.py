from django.contrib import admin

from sanxian.meetings.models import AgendaItem, CycleRule, Invitation, Meeting, MeetingDecision


@admin.register(CycleRule)
class CycleRuleAdmin(admin.ModelAdmin):
    list_display = (
        "place",
        "collection_day",
        "deliberation_day",
        "consultation_day",
        "venue",
        "quorum_percent",
        "holiday_policy",
    )
    raw_id_fields = ("place",)


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    raw_id_fields = ("issue", "appeal")


class DecisionInline(admin.TabularInline):
    model = MeetingDecision
    extra = 0
    raw_id_fields = ("issue", "recorded_by")


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "starts_at", "venue", "held")
    list_filter = ("kind", "held")
    search_fields = ("title",)
    raw_id_fields = ("place",)
    readonly_fields = ("path",)
    inlines = (AgendaInline, DecisionInline)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("meeting", "name", "role", "attended", "method")
    list_filter = ("attended", "method")
    raw_id_fields = ("meeting", "resident", "party_member")
