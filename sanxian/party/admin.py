from django.contrib import admin

from sanxian.party.models import PartyMember, PartyOrg


@admin.register(PartyOrg)
class PartyOrgAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "place", "grid")
    list_filter = ("kind",)
    search_fields = ("name",)
    readonly_fields = ("path", "depth", "numchild", "scope_path")
    raw_id_fields = ("place", "grid")


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "group", "joined_on")
    list_filter = ("category",)
    search_fields = ("name",)
    raw_id_fields = ("resident", "group", "serving_grid")
    readonly_fields = ("path",)
