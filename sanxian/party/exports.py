"""The structure check's gaps as a workbook: the list the page shows, grouped the same way
(each gap with where it is, what is wrong and the suggested fix)."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from sanxian.party.structure import ERROR, Gap, check_structure, group_gaps
from sanxian.places.models import Place
from sanxian.spreadsheets import Column, list_export


def gap_columns() -> list[Column[Gap]]:
    severities = {ERROR: _("Error")}
    return [
        Column(_("Severity"), lambda g: severities.get(g.severity, _("Warning")), 10),
        Column(_("Gap"), lambda g: g.title, 28),
        Column(_("Where"), lambda g: g.subject, 36),
        Column(_("Problem"), lambda g: g.message, 50),
        Column(_("Suggested fix"), lambda g: g.fix, 50),
    ]


def structure_gaps_xlsx(request: HttpRequest, place: Place) -> HttpResponse:
    groups = group_gaps(check_structure(place))

    def gaps() -> Iterator[Gap]:
        for group in groups:
            yield from group.gaps

    return list_export(
        request,
        what="structure gaps",
        title=f"{place.name} {_('Structure gaps')}",
        slug=f"structure-gaps-{place.pk}",
        columns=gap_columns(),
        items=gaps(),
        path=place.path,
        target=place,
    )
