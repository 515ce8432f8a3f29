"""Roster imports (导入花名册): each uploaded workbook is one ``ImportBatch``; what is wrong
with it is a list of ``ImportIssue`` rows (row, column, reason code and its parameters —
never the cell's content, which may be an identity card number)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    HOUSEHOLDS = "households", _("Buildings and households")
    RESIDENTS = "residents", _("Residents")
    PARTY_MEMBERS = "party_members", _("Party members")


class BatchState(models.TextChoices):
    CHECKED = "checked", _("Checked, ready to import")
    HAS_ERRORS = "has_errors", _("Has errors")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Import failed")


class ImportBatch(models.Model):
    kind = models.CharField(_("what"), max_length=20, choices=ImportKind.choices)
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    # A copy of the place's path: who may see the batch is a prefix test on it.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, db_index=True)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    # The stored upload under SANXIAN_PRIVATE_ROOT/imports ("" once it is deleted).
    stored_name = models.CharField(max_length=100, blank=True, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=BatchState.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # A problem with the file as a whole (wrong headers, too many rows …): code and params.
    file_error = models.CharField(max_length=40, blank=True)
    file_error_params = models.JSONField(default=dict, blank=True)
    # What else was counted (e.g. buildings and building groups created).
    detail = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering: ClassVar = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def can_commit(self) -> bool:
        return self.state == BatchState.CHECKED and bool(self.stored_name)


class ImportIssue(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=20, blank=True)
    code = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering: ClassVar = ["batch", "row", "id"]
        indexes: ClassVar = [models.Index(fields=["batch", "row", "id"], name="import_issue_order")]

    def __str__(self) -> str:
        return f"{self.row} {self.column} {self.code}"
