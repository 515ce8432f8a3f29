"""Background jobs of the dashboards: keeping the roll-ups fresh (idempotent)."""

from __future__ import annotations

from django_tasks import task

from sanxian.dashboards.services import refresh_all, refresh_changed


@task()
def refresh_rollups_task() -> dict[str, object]:
    """Recompute the days touched since the last refresh (hourly)."""
    run = refresh_changed()
    return {"mode": run.mode, "days": run.days, "rows": run.rows}


@task()
def rebuild_rollups_task() -> dict[str, object]:
    """Rebuild every day of the roll-ups (nightly, a safety net for the incremental run)."""
    run = refresh_all()
    return {"mode": run.mode, "days": run.days, "rows": run.rows}
