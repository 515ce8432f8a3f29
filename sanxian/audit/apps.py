from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "sanxian.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from sanxian.audit import signals  # noqa: F401  (connects the receivers)
