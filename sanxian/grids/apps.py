from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "sanxian.grids"
    label = "grids"
    verbose_name = _("Party-building grids")
