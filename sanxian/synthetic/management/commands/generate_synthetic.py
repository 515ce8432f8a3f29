"""``python manage.py generate_synthetic --tier T0|T1|T2 --seed N [--today YYYY-MM-DD]``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanxian.synthetic.generate import DEFAULT_TODAY, TIERS, GenerationError, Report, generate


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today must be a date like 2026-06-30, not {value!r}.") from exc


class Command(BaseCommand):
    help = (
        "Generate the deterministic synthetic district at a scale tier: T0 one neighborhood, "
        "T1 a sub-district of 20, T2 a district of 300. Tiers nest: a larger tier on a "
        "database holding a smaller one (same seed) adds only what is missing; a tier that is "
        "already complete changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tier", required=True, choices=sorted(TIERS), help="scale tier")
        parser.add_argument("--seed", required=True, type=int, help="random seed (an integer)")
        parser.add_argument(
            "--today",
            default=DEFAULT_TODAY.isoformat(),
            help=f"the day the data is as of (default {DEFAULT_TODAY.isoformat()})",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes building neighborhoods while this one writes (default: one fewer "
            "than the processors; 0 builds here); the data does not depend on it",
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing but errors")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options["today"])
        quiet = bool(options["quiet"])
        tier, seed = options["tier"], options["seed"]
        if not quiet:
            self.stdout.write(f"Synthetic data {tier}, seed {seed}, as of {today} …")
        try:
            report = generate(
                tier=tier,
                seed=seed,
                today=today,
                out=None if quiet else self.stdout,
                workers=options["workers"],
            )
        except GenerationError as exc:
            raise CommandError(str(exc)) from exc
        if not quiet:
            self.stdout.write(format_report(report))


def format_report(report: Report) -> str:
    if report.nothing_to_do:
        return (
            f"Tier {report.tier} (seed {report.seed}) is already complete: "
            f"{report.already} neighborhoods, nothing added."
        )
    lines = [
        f"Added {len(report.created)} neighborhoods"
        + (f" ({report.already} were already there)" if report.already else "")
        + f" in {report.seconds:.1f} s.",
        "",
        f"{'table':<32} {'rows':>10} {'insert s':>9}",
    ]
    for label, rows in sorted(report.rows.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"{label:<32} {rows:>10,} {report.insert_seconds.get(label, 0.0):>9.2f}")
    total = sum(report.rows.values())
    inserted = sum(report.insert_seconds.values())
    lines.append(f"{'total':<32} {total:>10,} {inserted:>9.2f}")
    lines.append(
        f"{total / max(report.seconds, 1e-9):,.0f} rows/s overall; "
        f"{report.seconds - inserted:.1f} s building rows, {inserted:.1f} s writing them."
    )
    return "\n".join(lines)
