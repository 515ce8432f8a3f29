"""The periodic jobs: which task runs how often.

The task worker (``db_worker``) runs tasks; the scheduler (``run_scheduler``) only enqueues
each job when its interval has passed. Every job's task is idempotent, so a job enqueued
twice (two schedulers, a restart) has the effect of one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Job:
    name: str
    task_path: str  # dotted path of a django-tasks Task
    every: timedelta


JOBS: tuple[Job, ...] = (
    Job(
        name="escalate_overdue_appeals",
        task_path="sanxian.appeals.tasks.escalate_overdue_appeals",
        every=timedelta(hours=1),
    ),
    Job(
        name="refresh_rollups",
        task_path="sanxian.dashboards.tasks.refresh_rollups_task",
        every=timedelta(hours=1),
    ),
    Job(
        name="rebuild_rollups",
        task_path="sanxian.dashboards.tasks.rebuild_rollups_task",
        every=timedelta(days=1),
    ),
    Job(
        name="generate_duty_shifts",
        task_path="sanxian.volunteers.tasks.generate_duty_shifts",
        every=timedelta(days=1),
    ),
    Job(
        name="sweep_orphan_photos",
        task_path="sanxian.periodic.tasks.sweep_orphan_photos_task",
        every=timedelta(days=1),
    ),
    Job(
        name="sweep_import_files",
        task_path="sanxian.rosters.tasks.sweep_import_files_task",
        every=timedelta(days=1),
    ),
    Job(
        name="generate_cycle_meetings",
        task_path="sanxian.meetings.tasks.generate_cycle_meetings",
        every=timedelta(days=1),
    ),
    Job(
        name="erase_departed_residents",
        task_path="sanxian.places.tasks.erase_departed_residents",
        every=timedelta(days=1),
    ),
    # Notifications: e-mails and group-robot posts still due (a catch-up: sends and retries
    # are enqueued as they arise), appeal and issue progress, meeting and duty reminders,
    # the daily digest (sent from 7:00).
    Job(
        name="send_deliveries",
        task_path="sanxian.notifications.tasks.send_deliveries",
        every=timedelta(minutes=10),
    ),
    Job(
        name="notify_events",
        task_path="sanxian.notifications.tasks.notify_events",
        every=timedelta(minutes=10),
    ),
    Job(
        name="send_reminders",
        task_path="sanxian.notifications.tasks.send_reminders",
        every=timedelta(minutes=15),
    ),
    Job(
        name="send_digests",
        task_path="sanxian.notifications.tasks.send_digests",
        every=timedelta(hours=1),
    ),
)
