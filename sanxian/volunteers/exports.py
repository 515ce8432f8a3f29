"""Volunteer workbooks: the service record (志愿服务记录证明), and the section's lists (teams,
a team's members, the honour roll, the hours awaiting approval).

The service record (openpyxl):

The sheet carries what the national rules for volunteer service records ask of an issuing
organisation: the volunteer's name and identity document (left for the issuer to fill in,
the product keeps no ID numbers for volunteers yet), the teams, each service (date, content,
place, start and end, hours), the total hours, the period covered, the issuing
organisations, the person handling it, the issue date and a serial number. Text from users
is written as text, never as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from sanxian.spreadsheets import Column, common_path, field_label, list_export, safe_cell
from sanxian.volunteers import selectors
from sanxian.volunteers.models import HoursEntry, TeamMembership, VolunteerTeam
from sanxian.volunteers.selectors import HonourRoll, RollRow, ServiceRecord, TeamRow


def record_filename(record: ServiceRecord) -> str:
    return _("Volunteer service record %(name)s %(serial)s.xlsx") % {
        "name": record.volunteer.name,
        "serial": record.serial,
    }


def _day(value: date | None) -> str:
    return date_format(value, "DATE_FORMAT") if value is not None else ""


def service_record_xlsx(record: ServiceRecord) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Service record")[:31]
    bold = Font(bold=True)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    ws.append([_("Volunteer service record")])
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells("A1:G1")
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([])
    period = (
        f"{_day(record.period_start)} – {_day(record.period_end)}"
        if record.period_start is not None
        else _("No approved service yet")
    )
    head = [
        (_("Serial number"), record.serial),
        (_("Volunteer"), record.volunteer.name),
        (_("ID document number"), record.id_last4 or ""),
        (_("Teams"), "、".join(record.teams)),
        (_("Period covered"), period),
        (_("Total hours"), float(record.total)),
        (_("Issued by"), "、".join(record.issuers)),
        (_("Issued on"), _day(record.issued_on)),
        (_("Handled by (signature)"), ""),
    ]
    for label, value in head:
        ws.append([label, safe_cell(value)])
        ws.cell(row=ws.max_row, column=1).font = bold
    ws.append([])
    columns = [
        _("Date"),
        _("Service content"),
        _("Place"),
        _("Team"),
        _("Start"),
        _("End"),
        _("Hours"),
    ]
    ws.append(columns)
    header_row = ws.max_row
    for col in range(1, len(columns) + 1):
        cell = ws.cell(row=header_row, column=col)
        cell.font = bold
        cell.border = box
    for line in record.lines:
        start = timezone.localtime(line.started_at)
        end = timezone.localtime(line.ended_at)
        ws.append(
            [
                line.day,
                safe_cell(line.service),
                safe_cell(line.where),
                safe_cell(line.team),
                start.strftime("%Y-%m-%d %H:%M"),
                end.strftime("%Y-%m-%d %H:%M"),
                float(line.hours),
            ]
        )
        row = ws.max_row
        ws.cell(row=row, column=1).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=7).number_format = "0.00"
        for col in range(1, len(columns) + 1):
            ws.cell(row=row, column=col).border = box
    ws.append([_("Total hours"), "", "", "", "", "", float(record.total)])
    total_row = ws.max_row
    ws.cell(row=total_row, column=1).font = bold
    ws.cell(row=total_row, column=7).font = bold
    ws.cell(row=total_row, column=7).number_format = "0.00"
    for col, width in enumerate((14, 34, 18, 16, 18, 18, 10), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.column_dimensions["B"].width = 34
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = f"{header_row}:{header_row}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- The section's lists ------------------------------------------------------------------

CHUNK = 2000


def _community_path(request: HttpRequest) -> str:
    return common_path(selectors.get_viewer(request.user).scope.community_paths)


def team_columns() -> list[Column[VolunteerTeam]]:
    def label(name: str) -> str:
        return field_label(VolunteerTeam, name)

    return [
        Column(_("Name"), lambda t: t.name, 24),
        Column(label("parent"), lambda t: t.parent.name if t.parent else "", 20),
        Column(label("place"), lambda t: t.place.name, 14),
        Column(_("Members"), lambda t: getattr(t, "n", 0), 8),
        Column(label("created_on"), lambda t: t.created_on, 14),
    ]


def _forest(rows: list[TeamRow]) -> Iterator[VolunteerTeam]:
    """The teams in the page's order: each top team followed by the teams below it."""
    for row in rows:
        yield row.team
        yield from _forest(row.children)


def teams_xlsx(request: HttpRequest) -> HttpResponse:
    return list_export(
        request,
        what="volunteer teams",
        title=_("Volunteer teams"),
        slug="volunteer-teams",
        columns=team_columns(),
        items=_forest(selectors.team_list(request.user)),
        path=_community_path(request),
    )


def member_columns() -> list[Column[TeamMembership]]:
    def label(name: str) -> str:
        return field_label(TeamMembership, name)

    return [
        Column(label("volunteer"), lambda m: m.volunteer.name, 14),
        Column(label("is_leader"), lambda m: m.is_leader, 10),
        Column(label("joined_on"), lambda m: m.joined_on, 14),
        Column(
            capfirst(_("skills")),
            lambda m: "、".join(sorted(s.name for s in m.volunteer.skills.all())),
            30,
        ),
    ]


def members_xlsx(request: HttpRequest, team: VolunteerTeam) -> HttpResponse:
    return list_export(
        request,
        what="volunteer team members",
        title=f"{team.name} {_('Members')}",
        slug=f"team-{team.pk}-members",
        columns=member_columns(),
        items=selectors.team_members(team).iterator(chunk_size=CHUNK),
        path=team.path,
        target=team,
    )


def roll_columns() -> list[Column[RollRow]]:
    return [
        Column(_("Rank"), lambda r: r.rank, 8),
        Column(_("Volunteer"), lambda r: r.name, 14),
        Column(_("Hours"), lambda r: r.hours, 12),
        Column(_("Times served"), lambda r: r.times, 10),
    ]


def honour_roll_xlsx(request: HttpRequest, roll: HonourRoll) -> HttpResponse:
    where = roll.neighborhood or roll.team
    return list_export(
        request,
        what="honour roll",
        title=f"{_('Honour roll')} {roll.period.label}",
        slug=f"honour-roll-{roll.period.key}",
        columns=roll_columns(),
        items=roll.rows,
        path=where.path if where is not None else _community_path(request),
        filters={
            "period": roll.period.key,
            "team": roll.team.name if roll.team else None,
            "place": roll.neighborhood.name if roll.neighborhood else None,
        },
    )


def pending_columns() -> list[Column[HoursEntry]]:
    def label(name: str) -> str:
        return field_label(HoursEntry, name)

    return [
        Column(label("volunteer"), lambda e: e.volunteer.name, 14),
        Column(label("team"), lambda e: e.team.name if e.team else "", 18),
        Column(label("service"), lambda e: e.service, 30),
        Column(label("started_at"), lambda e: e.started_at, 18),
        Column(label("ended_at"), lambda e: e.ended_at, 18),
        Column(label("hours"), lambda e: e.hours, 8),
        Column(label("source"), lambda e: e.get_source_display(), 12),
        Column(label("created_at"), lambda e: e.created_at, 18),
    ]


def pending_hours_xlsx(request: HttpRequest) -> HttpResponse:
    viewer = selectors.get_viewer(request.user)
    return list_export(
        request,
        what="hours awaiting approval",
        title=_("Pending hours"),
        slug="pending-hours",
        columns=pending_columns(),
        items=selectors.pending_hours(request.user).iterator(chunk_size=CHUNK),
        path=common_path(viewer.scope.paths),
    )
