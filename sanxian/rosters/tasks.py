"""Periodic housekeeping of the roster import (idempotent)."""

from __future__ import annotations

from django_tasks import task

from sanxian.rosters.services import sweep_import_files


@task()
def sweep_import_files_task() -> int:
    """Delete stored uploads that are imported, found wrong, or older than seven days."""
    return sweep_import_files()
