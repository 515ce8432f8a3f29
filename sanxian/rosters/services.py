"""Every write of the roster import: taking in an upload and checking it (a dry run that
writes nothing to the roster), applying a checked roster in one transaction, and deleting
stored uploads that are no longer needed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxian.audit import services as audit
from sanxian.audit.models import AuditAction
from sanxian.places.errors import DomainError
from sanxian.places.models import Place
from sanxian.rosters import engine, upload
from sanxian.rosters.models import BatchState, ImportBatch, ImportIssue
from sanxian.rosters.upload import UploadRefused

# An upload awaiting "import" is kept this long; then the periodic sweep deletes it.
KEEP_DAYS = 7
# A file in the folder that no batch names (an upload being taken in right now, or one left
# by a crash) is deleted after this long.
ORPHAN_AGE = timedelta(hours=1)


def start_import(
    *,
    kind: str,
    place: Place,
    user: Any,
    chunks: Iterable[bytes],
    file_name: str,
    request: HttpRequest | None = None,
) -> ImportBatch:
    """Take in an upload (refusing what ``upload.store`` refuses, with ``UploadRefused``),
    record it as a batch, and check it: a dry run that writes nothing to the roster."""
    try:
        stored = upload.store(chunks)
    except UploadRefused as exc:
        record_refusal(user=user, place=place, code=exc.code, kind=kind, request=request)
        raise
    batch = ImportBatch.objects.create(
        kind=kind,
        place=place,
        path=place.path,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        file_name=file_name[:200],
        sha256=stored.sha256,
        size=stored.size,
        stored_name=stored.name,
        state=BatchState.CHECKED,
    )
    return check_batch(batch=batch, actor=user, request=request)


def record_refusal(
    *,
    user: Any,
    place: Place,
    code: str,
    kind: str = "",
    request: HttpRequest | None = None,
) -> None:
    """An upload refused before it became a batch (too large, not a workbook, a bomb)."""
    audit.record(
        AuditAction.IMPORT,
        actor=user,
        request=request,
        target=f"roster:{kind}" if kind else "roster",
        path=place.path,
        kind=kind,
        refused=code,
    )


def _run(batch: ImportBatch, *, commit: bool) -> engine.Outcome:
    return engine.run(
        str(upload.stored_path(batch.stored_name)),
        kind=batch.kind,
        area=batch.place,
        commit=commit,
        max_rows=upload.max_rows(),
        today=timezone.localdate(),
    )


def _save_outcome(batch: ImportBatch, outcome: engine.Outcome, state: str) -> None:
    batch.state = state
    batch.rows = outcome.rows
    batch.created = outcome.created
    batch.updated = outcome.updated
    batch.unchanged = outcome.unchanged
    batch.error_rows = outcome.error_rows
    batch.error_count = outcome.problem_count
    batch.file_error = outcome.file_error
    batch.file_error_params = outcome.file_error_params
    batch.detail = outcome.detail
    batch.save(
        update_fields=[
            "state",
            "rows",
            "created",
            "updated",
            "unchanged",
            "error_rows",
            "error_count",
            "file_error",
            "file_error_params",
            "detail",
            "checked_at",
            "imported_at",
        ]
    )
    ImportIssue.objects.filter(batch=batch).delete()
    ImportIssue.objects.bulk_create(
        [
            ImportIssue(batch=batch, row=p.row, column=p.column, code=p.code, params=p.params)
            for p in outcome.sorted_problems()
        ],
        batch_size=2000,
    )


def _counts(outcome: engine.Outcome) -> dict[str, Any]:
    return {
        "rows": outcome.rows,
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "error_rows": outcome.error_rows,
        "errors": outcome.problem_count,
        "file_error": outcome.file_error,
    }


def _forget_file(batch: ImportBatch) -> None:
    """Delete the stored upload (after the transaction commits) and say so on the batch."""
    name = batch.stored_name
    if not name:
        return
    batch.stored_name = ""
    batch.save(update_fields=["stored_name"])
    transaction.on_commit(lambda: upload.delete_stored(name))


def check_batch(
    *, batch: ImportBatch, actor: Any, request: HttpRequest | None = None
) -> ImportBatch:
    """The dry run: read and check every row against the database as it is now."""
    outcome = _run(batch, commit=False)
    with transaction.atomic():
        batch.checked_at = timezone.now()
        _save_outcome(batch, outcome, BatchState.CHECKED if outcome.ok else BatchState.HAS_ERRORS)
        if not outcome.ok:
            _forget_file(batch)  # it can never be imported: keep nothing
        audit.record(
            AuditAction.IMPORT,
            actor=actor,
            request=request,
            target=batch,
            path=batch.path,
            kind=batch.kind,
            dry_run=True,
            **_counts(outcome),
        )
    return batch


class _RollBack(Exception):
    def __init__(self, outcome: engine.Outcome) -> None:
        super().__init__("roster import rolled back")
        self.outcome = outcome


def commit_batch(
    *, batch: ImportBatch, actor: Any, request: HttpRequest | None = None
) -> ImportBatch:
    """Apply a checked roster: read the stored upload again, check every row again (the
    database may have changed since the dry run) and write everything in one transaction.
    Any problem rolls all of it back; the batch then says what was wrong."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().select_related("place").get(pk=batch.pk)
        if locked.state == BatchState.IMPORTED:
            raise DomainError(_("This roster has already been imported."))
        if locked.state != BatchState.CHECKED:
            raise DomainError(_("Only a roster checked without errors can be imported."))
        if not locked.stored_name or not upload.stored_path(locked.stored_name).is_file():
            raise DomainError(
                _(
                    "The uploaded file is no longer kept (uploads are kept %(days)s days). "
                    "Please upload it again."
                )
                % {"days": KEEP_DAYS}
            )
        try:
            with transaction.atomic():
                outcome = _run(locked, commit=True)
                if not outcome.ok:
                    raise _RollBack(outcome)
                locked.imported_at = timezone.now()
                _save_outcome(locked, outcome, BatchState.IMPORTED)
                audit.record(
                    AuditAction.IMPORT,
                    actor=actor,
                    request=request,
                    target=locked,
                    path=locked.path,
                    kind=locked.kind,
                    dry_run=False,
                    **_counts(outcome),
                )
        except IntegrityError:
            # Someone else wrote the same records meanwhile (a unique identity card number).
            conflict = engine.Outcome(file_error="write_conflict")
            _save_outcome(locked, conflict, BatchState.FAILED)
            audit.record(
                AuditAction.IMPORT,
                actor=actor,
                request=request,
                target=locked,
                path=locked.path,
                kind=locked.kind,
                dry_run=False,
                failed=True,
                file_error="write_conflict",
            )
        except _RollBack as rolled_back:
            _save_outcome(locked, rolled_back.outcome, BatchState.FAILED)
            audit.record(
                AuditAction.IMPORT,
                actor=actor,
                request=request,
                target=locked,
                path=locked.path,
                kind=locked.kind,
                dry_run=False,
                failed=True,
                **_counts(rolled_back.outcome),
            )
        _forget_file(locked)
    batch.refresh_from_db()
    return batch


def import_now(
    *,
    kind: str,
    place: Place,
    user: Any,
    chunks: Iterable[bytes],
    file_name: str,
) -> ImportBatch:
    """Take in a file and apply it at once (the management command's ``--commit``): the
    same checks, one pass, one transaction."""
    stored = upload.store(chunks)
    batch = ImportBatch.objects.create(
        kind=kind,
        place=place,
        path=place.path,
        uploaded_by=user,
        file_name=file_name[:200],
        sha256=stored.sha256,
        size=stored.size,
        stored_name=stored.name,
        state=BatchState.CHECKED,
        checked_at=timezone.now(),
    )
    return commit_batch(batch=batch, actor=user)


def sweep_import_files(*, now: datetime | None = None) -> int:
    """Delete stored uploads that are no longer needed: those of batches imported or
    found wrong, those older than ``KEEP_DAYS``, and files no batch names; return how many
    were deleted. Idempotent."""
    now = now or timezone.now()
    folder = upload.storage_dir()
    files = {p.name: p for p in folder.iterdir() if p.is_file()}
    if not files:
        return 0
    batches = {
        name: (pk, state, uploaded_at)
        for pk, name, state, uploaded_at in ImportBatch.objects.filter(
            stored_name__in=list(files)
        ).values_list("pk", "stored_name", "state", "uploaded_at")
    }
    cutoff = now - timedelta(days=KEEP_DAYS)
    removed = 0
    forgotten: list[int] = []
    for name, path in files.items():
        found = batches.get(name)
        if found is None:
            modified = datetime.fromtimestamp(
                path.stat().st_mtime, tz=timezone.get_current_timezone()
            )
            if modified > now - ORPHAN_AGE:
                continue
        elif found[1] == BatchState.CHECKED and found[2] >= cutoff:
            continue
        else:
            forgotten.append(found[0])
        path.unlink(missing_ok=True)
        removed += 1
    if forgotten:
        ImportBatch.objects.filter(pk__in=forgotten).update(stored_name="")
    return removed
