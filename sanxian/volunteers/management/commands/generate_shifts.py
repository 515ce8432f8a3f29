from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sanxian.volunteers.services import SHIFT_DAYS_AHEAD, generate_shifts


class Command(BaseCommand):
    help = "Create the coming days' shifts of every current duty roster (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=SHIFT_DAYS_AHEAD)

    def handle(self, *args: Any, **options: Any) -> None:
        created = generate_shifts(days=options["days"])
        self.stdout.write(f"{created} shifts created.")
