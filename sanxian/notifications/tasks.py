"""Background work of notifications, run by the task worker (``manage.py db_worker``).

``send_deliveries`` is enqueued after each commit that queues deliveries; a run whose sends
failed enqueues itself again for when the first retry falls due; the scheduler also runs it
every ten minutes (catching up after the worker was down). The others are periodic jobs.
Each is idempotent: running it twice, or again after an interruption, has the effect of one
run.
"""

from __future__ import annotations

from django.db.models import Min
from django.utils import timezone
from django_tasks import task

from sanxian.notifications import delivery, jobs
from sanxian.notifications.models import Delivery, DeliveryState


@task()
def send_deliveries() -> dict[str, int]:
    """Send every due e-mail and robot post; counts by outcome."""
    outcomes = delivery.send_due()
    if outcomes.get(DeliveryState.PENDING):
        retry_at = Delivery.objects.filter(
            state=DeliveryState.PENDING, attempts__gt=0, next_attempt_at__gt=timezone.now()
        ).aggregate(at=Min("next_attempt_at"))["at"]
        if retry_at is not None:
            send_deliveries.using(run_after=retry_at).enqueue()
    return outcomes


@task()
def send_reminders() -> dict[str, int]:
    """Remind invitees and group robots of meetings, and team robots of duty shifts, in
    the next 24 hours."""
    counts = jobs.remind_meetings()
    counts["shifts"] = jobs.remind_shifts()
    return counts


@task()
def notify_events() -> dict[str, int]:
    """Tell residents how their appeals progress, staff of escalations, and those who
    raised issues of their transitions."""
    return jobs.scan_events()


@task()
def send_digests() -> int:
    """Yesterday's daily digest for each person who chose it."""
    return jobs.send_digests()
