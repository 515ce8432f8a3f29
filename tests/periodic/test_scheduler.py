"""Periodic jobs are enqueued once per interval, and the worker runs them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sanxian.periodic.jobs import JOBS
from sanxian.periodic.models import PeriodicRun
from sanxian.periodic.services import enqueue_due_jobs


@pytest.mark.django_db
def test_each_job_is_enqueued_once_per_interval() -> None:
    now = timezone.now()
    names = [job.name for job in JOBS]
    assert enqueue_due_jobs(now=now) == names
    assert enqueue_due_jobs(now=now + timedelta(minutes=5)) == []
    assert DBTaskResult.objects.count() == len(JOBS)
    later = now + max(job.every for job in JOBS)
    assert enqueue_due_jobs(now=later) == names
    assert DBTaskResult.objects.count() == 2 * len(JOBS)
    run = PeriodicRun.objects.get(name=names[0])
    assert run.last_enqueued_at == later
    assert run.last_task_id


@pytest.mark.django_db(transaction=True)
def test_scheduler_once_then_worker_runs_the_jobs() -> None:
    call_command("run_scheduler", once=True, verbosity=0)
    assert DBTaskResult.objects.count() == len(JOBS)
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}
