"""Background jobs of the appeals app, run by the task worker (``manage.py db_worker``).

``escalate_overdue_appeals`` is meant to run every hour or so (cron or a scheduler
enqueues it, or runs ``manage.py escalate_overdue``); running it twice changes nothing
more than running it once.
"""

from __future__ import annotations

from django_tasks import task

from sanxian.appeals.services import escalate_overdue


@task()
def escalate_overdue_appeals() -> int:
    """Raise every overdue open appeal to the level it has reached; return how many."""
    return escalate_overdue()
