"""``manage.py seed_holidays [YEAR …] [--force]``: copy the official holidays and make-up
working days from the ``chinesecalendar`` package into the editable calendar table.

Idempotent. Without YEAR every year the package holds is seeded. Years edited by hand are
kept unless ``--force``. A year the package does not know yet is reported, not an error:
its deadlines count Monday to Friday until somebody enters the official list by hand.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sanxian.workdays.services import SeedStatus, seed_holidays


class Command(BaseCommand):
    help = "Seed the working-day calendar from the chinesecalendar package (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", nargs="*", type=int, help="years (default: all known)")
        parser.add_argument(
            "--force", action="store_true", help="overwrite years that were edited by hand"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        years = options["years"] or None
        for result in seed_holidays(years, force=options["force"]):
            if result.status == SeedStatus.NO_DATA:
                self.stdout.write(
                    self.style.WARNING(
                        f"{result.year}: no official data in chinesecalendar; "
                        "working days fall back to Monday–Friday until entered by hand"
                    )
                )
            elif result.status == SeedStatus.KEPT_MANUAL:
                self.stdout.write(f"{result.year}: edited by hand, kept (use --force)")
            elif options["verbosity"] >= 1:
                self.stdout.write(f"{result.year}: {result.status} ({result.days} days)")
