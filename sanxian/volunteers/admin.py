from django.contrib import admin

from sanxian.volunteers.models import (
    DutyShift,
    HoursEntry,
    Roster,
    ShiftSignup,
    Skill,
    SwapRequest,
    TeamMembership,
    Volunteer,
    VolunteerTeam,
)

admin.site.register(Skill)


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ("name", "place", "registered_on")
    search_fields = ("name",)
    raw_id_fields = ("resident", "user", "place")


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ("volunteer",)


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "place", "created_on")
    raw_id_fields = ("place", "parent")
    inlines = (MembershipInline,)


@admin.register(Roster)
class RosterAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "start_date", "end_date", "start_time", "end_time")
    raw_id_fields = ("team", "place")


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ("roster", "starts_at", "ends_at", "capacity", "taken")
    raw_id_fields = ("roster",)


@admin.register(ShiftSignup)
class ShiftSignupAdmin(admin.ModelAdmin):
    list_display = ("shift", "volunteer", "state", "checked_in_at", "checked_out_at")
    raw_id_fields = ("shift", "volunteer", "hours_entry")


@admin.register(SwapRequest)
class SwapRequestAdmin(admin.ModelAdmin):
    list_display = ("signup", "to_volunteer", "state", "decided_at")
    raw_id_fields = ("signup", "to_volunteer", "decided_by")


@admin.register(HoursEntry)
class HoursEntryAdmin(admin.ModelAdmin):
    list_display = ("volunteer", "service", "started_at", "hours", "source", "state")
    list_filter = ("state", "source")
    raw_id_fields = ("volunteer", "team", "decided_by")
