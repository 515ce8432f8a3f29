from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "sanxian.places"
    label = "places"
    verbose_name = _("Territory")

    def ready(self) -> None:
        # Registers the deployment check that the personal-data keys are set.
        from sanxian import personal_data  # noqa: F401
