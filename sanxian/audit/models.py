"""The audit log: who did what, when and from where — sign-ins, refused access, workflow
transitions, imports, exports and reveals of personal data.

Rows are only ever added. The model refuses updates and deletes, its queryset refuses bulk
updates and deletes, and a database trigger refuses ``UPDATE`` on both SQLite and
PostgreSQL, so no user role and no code path of the product can change an entry. Old rows
leave only through ``purge_older_than`` (the retention command), never younger than the
six months the law asks for.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGN_OUT = "sign_out", _("Signed out")
    ACCESS_REFUSED = "access_refused", _("Access refused")
    TRANSITION = "transition", _("Workflow transition")
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    REVEAL = "reveal", _("Personal data revealed")
    ACCOUNT = "account", _("Account changed")
    RECORD_CHANGED = "record_changed", _("Record changed")
    PERSONAL_DATA_ERASED = "erased", _("Personal data erased")


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")

    def _purge(self) -> int:
        """Delete for the retention command only."""
        return models.QuerySet.delete(self)[0]


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        # An entry outlives the account it names and is never rewritten: no constraint,
        # nothing done when the account goes (``username`` keeps who it was).
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    # Copies, so an entry still says who it was after the account is renamed or removed.
    username = models.CharField(_("user name"), max_length=150, blank=True, editable=False)
    action = models.CharField(_("what"), max_length=20, choices=AuditAction.choices)
    target = models.CharField(_("on what"), max_length=200, blank=True, editable=False)
    # Where in the territory the record lies (a place path), for the auditor's filters.
    path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    ip = models.GenericIPAddressField(_("from (IP)"), null=True, blank=True, editable=False)
    detail = models.JSONField(_("details"), default=dict, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [models.Index(fields=["action", "at"], name="audit_action_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update"):
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")
