"""Enqueue the periodic jobs whose time has come, each at most once per interval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from sanxian.periodic.jobs import JOBS, Job
from sanxian.periodic.models import PeriodicRun


def enqueue_due_jobs(*, now: datetime | None = None, jobs: Sequence[Job] = JOBS) -> list[str]:
    """Enqueue every due job and return their names.

    A job is claimed with a conditional update on its last run time, so two schedulers
    running at once enqueue it once.
    """
    now = now or timezone.now()
    enqueued: list[str] = []
    for job in jobs:
        PeriodicRun.objects.get_or_create(name=job.name)
        with transaction.atomic():
            claimed = (
                PeriodicRun.objects.filter(name=job.name)
                .filter(Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lte=now - job.every))
                .update(last_enqueued_at=now)
            )
            if not claimed:
                continue
            result = import_string(job.task_path).enqueue()
            PeriodicRun.objects.filter(name=job.name).update(last_task_id=str(result.id))
        enqueued.append(job.name)
    return enqueued
