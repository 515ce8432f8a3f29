from django.contrib import admin

from sanxian.grids.models import Grid, GridTeamTerm


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("name", "block", "number")
    search_fields = ("name",)
    raw_id_fields = ("block",)


@admin.register(GridTeamTerm)
class GridTeamTermAdmin(admin.ModelAdmin):
    list_display = ("grid", "role", "resident", "starts_on", "ends_on")
    list_filter = ("role",)
    raw_id_fields = ("grid", "resident")
