"""``manage.py erase_departed [--dry-run]``: erase the personal data of residents who moved
out longer ago than ``SANXIAN_DEPARTED_RETENTION_DAYS`` (the daily job does the same).
Idempotent; ``--dry-run`` only says how many are due."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sanxian.places.services import due_for_erasure, erase_departed, retention_cutoff


class Command(BaseCommand):
    help = "Erase the personal data of residents past the retention period after moving out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count the residents due, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.SANXIAN_DEPARTED_RETENTION_DAYS
        if options["dry_run"]:
            due = due_for_erasure().count()
            self.stdout.write(
                f"{due} departed resident(s) moved out before {retention_cutoff():%Y-%m-%d} "
                f"(retention {days} days) would be erased"
            )
            return
        erased = erase_departed()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{erased} departed resident(s) erased (retention {days} days)")
