"""``manage.py escalate_overdue [--enqueue]``: escalate overdue appeals up the tree now
(block → neighborhood → sub-district), or hand the job to the task worker. Idempotent, so
cron may call it as often as it likes (e.g. hourly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sanxian.appeals.tasks import escalate_overdue_appeals


class Command(BaseCommand):
    help = "Escalate overdue appeals now (or --enqueue for the task worker)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the task for db_worker instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = escalate_overdue_appeals.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        raised = escalate_overdue_appeals.call()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{raised} appeal(s) escalated")
