"""Housekeeping jobs that belong to no one app (idempotent)."""

from __future__ import annotations

from django_tasks import task

from sanxian.uploads import sweep_orphan_photos


@task()
def sweep_orphan_photos_task() -> int:
    """Delete stored photos that no record refers to (a day after they were written)."""
    return sweep_orphan_photos()
