"""``python manage.py load_demo [--reset]``: load the demo sub-district 斜土街道."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sanxian.demo.xietu import delete_demo, load_demo, sign_in_rows


class Command(BaseCommand):
    help = (
        "Load the demo sub-district 斜土街道 (徐汇区) with its neighborhoods, grids, residents, "
        "party members and demo sign-ins. Does nothing if it is already loaded; --reset "
        "deletes it first and loads it again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo sub-district and the demo sign-ins, then load them again.",
        )

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        started = time.monotonic()
        if reset:
            delete_demo(stdout=self.stdout)
        load_demo(stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write("Demo sign-ins 演示账号:")
        self.stdout.write(format_table(sign_in_rows()))
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def format_table(rows: list[tuple[str, str, str, str, str]]) -> str:
    header = ("username", "password", "role", "where", "name")
    table = [header, *rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for n, row in enumerate(table):
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
