from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from sanxian.dashboards.services import refresh_all, refresh_changed, refresh_recent


class Command(BaseCommand):
    help = (
        "Refresh the dashboards' daily roll-ups: everything (default), the last N days "
        "(--days N) or only the days changed since the last refresh (--changed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--days", type=int, help="recompute the last N days")
        group.add_argument(
            "--changed", action="store_true", help="only the days changed since the last run"
        )

    def handle(self, *args: object, **options: object) -> None:
        began = time.monotonic()
        days = options.get("days")
        if isinstance(days, int):
            if days < 1:
                self.stderr.write("--days must be at least 1")
                raise SystemExit(2)
            run = refresh_recent(days)
        elif options.get("changed"):
            run = refresh_changed()
        else:
            run = refresh_all()
        self.stdout.write(
            f"{run.mode}: {run.first_day} – {run.last_day}, {run.days} days, "
            f"{run.rows} rows in {time.monotonic() - began:.2f} s"
        )
