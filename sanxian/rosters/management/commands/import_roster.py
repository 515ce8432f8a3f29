"""``manage.py import_roster {households,residents,party_members} FILE --place ID --user NAME
[--commit]``: check a roster workbook (and with ``--commit`` apply it) as that user would
from the import page, then print the counts and the rows per second.

The last line printed is one JSON object (``rows``, ``created``, ``updated``, ``unchanged``,
``error_rows``, ``errors``, ``state``, ``seconds``, ``rows_per_second``, ``batch``) so that
scripts (the benchmark) can read it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from sanxian.places.errors import DomainError
from sanxian.rosters import selectors, services, upload
from sanxian.rosters.models import ImportKind
from sanxian.rosters.reasons import describe


class Command(BaseCommand):
    help = "Check a roster workbook (xlsx) and, with --commit, import it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in ImportKind])
        parser.add_argument("file", type=Path)
        parser.add_argument("--place", type=int, required=True, help="id of the import area")
        parser.add_argument("--user", required=True, help="user name of the importing staff")
        parser.add_argument(
            "--commit", action="store_true", help="apply the roster (default: check only)"
        )
        parser.add_argument("--show", type=int, default=20, help="problems to print (default 20)")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("zh-hans")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"no active user {options['user']!r}")
        try:
            place = selectors.get_place_for_import(user, options["place"])
        except Exception as exc:
            raise CommandError(
                f"{options['user']} may not import rosters into place {options['place']}"
            ) from exc
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        started = time.perf_counter()
        try:
            with path.open("rb") as stream:
                chunks = upload.read_in_chunks(stream)
                if options["commit"]:
                    batch = services.import_now(
                        kind=options["kind"],
                        place=place,
                        user=user,
                        chunks=chunks,
                        file_name=path.name,
                    )
                else:
                    batch = services.start_import(
                        kind=options["kind"],
                        place=place,
                        user=user,
                        chunks=chunks,
                        file_name=path.name,
                    )
        except upload.UploadRefused as exc:
            raise CommandError(describe(exc.code, exc.params)) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        seconds = time.perf_counter() - started
        rate = batch.rows / seconds if seconds > 0 else 0.0
        self.stdout.write(
            f"{batch.get_state_display()}: {batch.rows} rows, {batch.created} new, "
            f"{batch.updated} updated, {batch.unchanged} unchanged, "
            f"{batch.error_rows} rows with errors ({batch.error_count} problems) "
            f"in {seconds:.2f} s, {rate:,.0f} rows/s"
        )
        if batch.file_error:
            self.stdout.write(describe(batch.file_error, batch.file_error_params))
        for issue in batch.issues.order_by("row", "id")[: options["show"]]:
            self.stdout.write(
                f"  row {issue.row} {issue.column}: {describe(issue.code, issue.params)}"
            )
        self.stdout.write(
            json.dumps(
                {
                    "batch": batch.pk,
                    "state": batch.state,
                    "rows": batch.rows,
                    "created": batch.created,
                    "updated": batch.updated,
                    "unchanged": batch.unchanged,
                    "error_rows": batch.error_rows,
                    "errors": batch.error_count,
                    "seconds": round(seconds, 3),
                    "rows_per_second": round(rate, 1),
                }
            )
        )
