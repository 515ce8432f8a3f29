from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sanxian.meetings.services import generate_meetings


class Command(BaseCommand):
    help = "Create the coming months' meetings of every neighborhood (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, default=3)

    def handle(self, *args: Any, **options: Any) -> None:
        result = generate_meetings(months=options["months"])
        self.stdout.write(str(result))
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
