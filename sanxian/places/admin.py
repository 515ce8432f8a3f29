from django.contrib import admin

from sanxian.places.models import OwnersCommittee, Place, Resident


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "path", "grid")
    list_filter = ("kind",)
    search_fields = ("name", "path")
    readonly_fields = ("path", "depth", "numchild")
    raw_id_fields = ("grid",)


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("name", "household", "relation", "birth_year")
    search_fields = ("name", "name_initials")
    raw_id_fields = ("household",)
    readonly_fields = ("path", "name_pinyin", "name_initials")


@admin.register(OwnersCommittee)
class OwnersCommitteeAdmin(admin.ModelAdmin):
    list_display = ("name", "place", "term_start", "term_end")
    raw_id_fields = ("place", "chair")
