"""``manage.py check_structure [NODE]``: the structure check (把架构建起来) from the shell.

NODE is a place id or an exact place name; by default every root sub-district is checked.
Exit status: 0 when there is no gap, 1 when there are gaps, 2 when NODE is unknown or
ambiguous.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sanxian.party.structure import Gap, check_structure, summary_counts
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import ancestor_paths

EXIT_GAPS = 1
EXIT_BAD_NODE = 2


class Command(BaseCommand):
    help = (
        "List every gap between the territory tree and the party tree under a place, "
        "with a suggested fix. Exits 1 when there are gaps, 2 for an unknown place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "node",
            nargs="?",
            help="place id or exact place name (default: the root sub-districts)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        nodes = self.resolve(options.get("node"))
        total: list[Gap] = []
        for node in nodes:
            gaps = check_structure(node)
            total.extend(gaps)
            self.report(node, gaps)
        if len(nodes) > 1:
            self.stdout.write(self.summary(_("all checked places"), total))
        if total:
            raise SystemExit(EXIT_GAPS)

    def fail(self, message: str) -> NoReturn:
        self.stderr.write(self.style.ERROR(message))
        raise SystemExit(EXIT_BAD_NODE)

    def resolve(self, node: str | None) -> list[Place]:
        if node is None:
            roots = list(Place.objects.filter(depth=1, kind=PlaceKind.SUBDISTRICT).order_by("path"))
            if not roots:
                self.fail(_("There is no sub-district to check."))
            return roots
        node = node.strip()
        if node.isdigit():
            place = Place.objects.filter(pk=int(node)).first()
            if place is None:
                self.fail(_("No place has the id %(id)s.") % {"id": node})
            return [place]
        matches = list(Place.objects.filter(name=node).order_by("path"))
        if not matches:
            self.fail(_("No place is named “%(name)s”.") % {"name": node})
        if len(matches) > 1:
            lines = [
                _("%(count)d places are named “%(name)s”; give one of their ids:")
                % {"count": len(matches), "name": node}
            ]
            labels = self.labels(matches)
            lines.extend(f"  {p.pk}\t{p.kind_label}\t{labels[p.pk]}" for p in matches)
            self.fail("\n".join(lines))
        return matches

    def labels(self, places: list[Place]) -> dict[int, str]:
        """Full labels (ancestors' names) of the places, with one query."""
        paths = {a for p in places for a in ancestor_paths(p.path)}
        names = dict(Place.objects.filter(path__in=paths).values_list("path", "name"))
        return {
            p.pk: " / ".join(names[a] for a in ancestor_paths(p.path) if a in names) for p in places
        }

    def summary(self, name: str, gaps: list[Gap]) -> str:
        if not gaps:
            return _("No gaps in %(name)s.") % {"name": name}
        errors, warnings = summary_counts(gaps)
        counts = {
            "count": len(gaps),
            "name": name,
            "errors": ngettext("%(n)d error", "%(n)d errors", errors) % {"n": errors},
            "warnings": ngettext("%(n)d warning", "%(n)d warnings", warnings) % {"n": warnings},
        }
        return (
            ngettext(
                "%(count)d gap in %(name)s (%(errors)s, %(warnings)s).",
                "%(count)d gaps in %(name)s (%(errors)s, %(warnings)s).",
                len(gaps),
            )
            % counts
        )

    def report(self, node: Place, gaps: list[Gap]) -> None:
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                _("Structure check: %(name)s (%(kind)s, id %(id)s)")
                % {"name": node.name, "kind": node.kind_label, "id": node.pk}
            )
        )
        style = {"error": self.style.ERROR, "warning": self.style.WARNING}
        for gap in gaps:
            severity = _("error") if gap.severity == "error" else _("warning")
            self.stdout.write(style.get(gap.severity, str)(f"[{severity}] {gap.subject}"))
            self.stdout.write(f"    {gap.message}")
            self.stdout.write(f"    → {gap.fix}")
        line = self.summary(node.name, gaps)
        self.stdout.write(self.style.SUCCESS(line) if not gaps else line)
