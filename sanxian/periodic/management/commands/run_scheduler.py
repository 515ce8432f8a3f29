"""Hand the periodic jobs to the task worker when they are due.

python manage.py run_scheduler          # loop (make run starts it)
python manage.py run_scheduler --once   # enqueue what is due now and exit (cron)
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sanxian.periodic.services import enqueue_due_jobs


class Command(BaseCommand):
    help = "Enqueue periodic jobs (escalation of overdue appeals, …) when they are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue what is due, then exit.")
        parser.add_argument(
            "--interval", type=int, default=60, help="Seconds between checks (default 60)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            for name in enqueue_due_jobs():
                self.stdout.write(f"enqueued {name}")
            if options["once"]:
                return
            time.sleep(max(5, options["interval"]))
