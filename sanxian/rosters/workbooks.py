"""The workbooks the import hands out: the template of each roster, and the error workbook
of a checked file.

The template's first sheet is the one the import reads: the Chinese headers, drop-down
lists for the columns with fixed choices (and the area's neighborhoods), identity card and
phone columns formatted as text so Excel keeps all 18 digits, dates as dates. A second
sheet, 填写说明, says what each column takes and shows an example row in grey.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from sanxian.rosters.kinds import NEIGHBORHOOD, Kind
from sanxian.rosters.models import ImportBatch, ImportIssue
from sanxian.rosters.reasons import describe
from sanxian.spreadsheets import safe_cell

TEMPLATE_ROWS = 200_000  # rows the drop-downs are set on (as many as an import reads)
OPTIONS_SHEET = "选项"
INSTRUCTIONS_SHEET = "填写说明"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
GREY = Font(color="808080", italic=True)
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def template_workbook(kind: Kind, neighborhoods: Sequence[str]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = kind.sheet
    ws.append(kind.headers)
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        ws.column_dimensions[letter].width = column.width
        fmt = "@" if column.as_text else ("yyyy-mm-dd" if column.dates else None)
        if fmt is not None:
            # The column's own format: what is typed or pasted into it stays text (all 18
            # digits of an identity card number) or a date. (No empty formatted cells are
            # written, so the first row typed or appended is row 2.)
            ws.column_dimensions[letter].number_format = fmt
        cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        if column.choices:
            _drop_down(ws, f'"{",".join(column.choices)}"', cells)
        elif column is NEIGHBORHOOD and neighborhoods:
            options = wb.create_sheet(OPTIONS_SHEET)
            for name in neighborhoods:
                options.append([safe_cell(name)])
            options.sheet_state = "hidden"
            _drop_down(ws, f"{OPTIONS_SHEET}!$A$1:$A${len(neighborhoods)}", cells, strict=False)
    ws.freeze_panes = "A2"
    _instructions(wb, kind)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _drop_down(ws: Any, formula: str, cells: str, *, strict: bool = True) -> None:
    rule = DataValidation(type="list", formula1=formula, allow_blank=True)
    rule.showErrorMessage = strict
    rule.error = _("Choose a value from the list.")
    rule.errorTitle = _("Not in the list")
    ws.add_data_validation(rule)
    rule.add(cells)


def _instructions(wb: Workbook, kind: Kind) -> None:
    ws = wb.create_sheet(INSTRUCTIONS_SHEET, 1)
    ws.append([_("How to fill in the %(sheet)s sheet") % {"sheet": kind.sheet}])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([str(kind.note)])
    ws.append(
        [
            _(
                "Keep the first row (the column headers) as it is, one record per row, no "
                "formulas. Identity card and phone columns are formatted as text: keep them so."
            )
        ]
    )
    ws.append([])
    ws.append([_("Column"), _("Required"), _("What to write"), _("Example")])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for column in kind.columns:
        ws.append(
            [
                column.header,
                _("yes") if column.required else _("no"),
                str(column.note),
                safe_cell(column.example) if column.example != "" else "",
            ]
        )
        example = ws.cell(row=ws.max_row, column=4)
        example.font = GREY
        if column.as_text:
            example.number_format = "@"
    ws.append([])
    ws.append(
        [_("An example row (grey), for reference only: fill in your rows on the first sheet.")]
    )
    ws.append(kind.headers)
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    ws.append([safe_cell(c.example) for c in kind.columns])
    for cell in ws[ws.max_row]:
        cell.font = GREY
        cell.number_format = "@"
    for letter, width in (("A", 14), ("B", 10), ("C", 60), ("D", 22)):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2, max_row=3):
        for cell in row:
            cell.alignment = WRAP
    for row in ws.iter_rows(min_row=6, max_row=5 + len(kind.columns), min_col=3, max_col=3):
        for cell in row:
            cell.alignment = WRAP


def error_workbook(batch: ImportBatch, issues: Iterable[ImportIssue]) -> bytes:
    """Each problem of the batch: row number, column, reason (in the current language)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Errors"))
    for letter, width in (("A", 8), ("B", 14), ("C", 90)):
        ws.column_dimensions[letter].width = width
    ws.append([_("Row"), _("Column"), _("Reason")])
    if batch.file_error:
        ws.append(["", "", safe_cell(describe(batch.file_error, batch.file_error_params))])
    written = 0
    for issue in issues:
        ws.append(
            [issue.row, safe_cell(issue.column), safe_cell(describe(issue.code, issue.params))]
        )
        written += 1
    if batch.error_count > written:
        ws.append(
            [
                "",
                "",
                _("%(n)s more problems are not listed: correct these and check the file again.")
                % {"n": batch.error_count - written},
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


__all__ = ["error_workbook", "template_workbook"]
