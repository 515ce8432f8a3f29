"""Background jobs of the places app, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from sanxian.places.services import erase_departed


@task()
def erase_departed_residents() -> int:
    """Erase the personal data of residents who moved out longer ago than the retention
    period; return how many (idempotent: a second run erases nothing more)."""
    return erase_departed()
