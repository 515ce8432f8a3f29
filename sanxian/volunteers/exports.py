"""The volunteer service record (志愿服务记录证明) as a workbook (openpyxl).

The sheet carries what the national rules for volunteer service records ask of an issuing
organisation: the volunteer's name and identity document (left for the issuer to fill in,
the product keeps no ID numbers for volunteers yet), the teams, each service (date, content,
place, start and end, hours), the total hours, the period covered, the issuing
organisations, the person handling it, the issue date and a serial number. Text from users
is written as text, never as a formula.
"""

from __future__ import annotations

import io
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from sanxian.spreadsheets import safe_cell
from sanxian.volunteers.selectors import ServiceRecord


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
