"""Spreadsheet downloads shared by every app: one way to write a list as an xlsx workbook,
to name a download, and to record an export in the audit log.

- ``safe_cell``: text a spreadsheet would evaluate (formula injection: text starting with
  = + - @ or a tab) gets a leading apostrophe, so it stays text.
- ``write_xlsx`` / ``xlsx_response``: one sheet written in openpyxl's write-only mode (rows
  go to the file as they come; memory does not grow with the list): a bold, frozen header,
  every value through ``safe_cell``, dates and times as real spreadsheet dates with a date
  format in the user's language, numbers as numbers.
- ``list_export``: the list pages' "Export to Excel" in one call — the workbook, the
  response, and an ``AuditAction.EXPORT`` entry with what list, the filters, the row count
  and the place path.
- ``content_disposition`` / ``download_response``: ``attachment`` with an ASCII fallback
  name and the UTF-8 (Chinese) name of RFC 5987/6266, not cached.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import INVALID_TITLE_REGEX

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# One sheet holds at most this many rows (the header included).
EXCEL_MAX_ROWS = 1_048_576
SHEET_TITLE_MAX = 31
DEFAULT_WIDTH = 14
# Numbers of the spreadsheet's own formats: 2026年3月5日 in Chinese, 2026-03-05 otherwise.
DATE_FORMATS = {"zh": 'yyyy"年"m"月"d"日"', "": "yyyy-mm-dd"}
DATETIME_FORMATS = {"zh": 'yyyy"年"m"月"d"日" hh:mm', "": "yyyy-mm-dd hh:mm"}
TIME_FORMAT = "hh:mm"
_FORBIDDEN_IN_NAMES = str.maketrans(dict.fromkeys('\\/:*?"<>|\r\n\t', " "))


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _language_key() -> str:
    return "zh" if (get_language() or "").startswith("zh") else ""


def date_format() -> str:
    return DATE_FORMATS[_language_key()]


def datetime_format() -> str:
    return DATETIME_FORMATS[_language_key()]


# --- Naming a download --------------------------------------------------------------------


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 5987/6266)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_name(text: str) -> str:
    """A name every operating system accepts (no slashes, colons, quotes …)."""
    return " ".join(text.translate(_FORBIDDEN_IN_NAMES).split())


def download_response(
    content: bytes, *, content_type: str, filename: str, ascii_name: str
) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(file_name(filename), ascii_name)
    response["Cache-Control"] = "private, no-store"
    return response


def workbook_response(content: bytes, *, filename: str, ascii_name: str) -> HttpResponse:
    """A finished workbook (e.g. a multi-sheet report) as a download."""
    return download_response(
        content, content_type=XLSX_CONTENT_TYPE, filename=filename, ascii_name=ascii_name
    )


def dated_names(title: str, slug: str) -> tuple[str, str]:
    """``("诉求 2026-03-05.xlsx", "appeals-2026-03-05.xlsx")``: the UTF-8 name and the ASCII
    fallback of a list exported today."""
    day = timezone.localdate().isoformat()
    return f"{title} {day}.xlsx", f"{slug}-{day}.xlsx"


# --- Cells and sheets ---------------------------------------------------------------------


def _text(value: str) -> str:
    return str(safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value)))


def cell_value(value: object) -> tuple[object, str | None]:
    """The value a sheet stores, and the number format it needs (None: the default)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return (_("Yes") if value else _("No")), None
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value, datetime_format()
    if isinstance(value, date):
        return value, date_format()
    if isinstance(value, time):
        return value, TIME_FORMAT
    if isinstance(value, (int, float, Decimal)):
        return value, None
    return _text(str(value)), None


def _cell(ws: Any, value: object) -> object:
    stored, number_format = cell_value(value)
    if number_format is None:
        return stored
    cell = WriteOnlyCell(ws, value=stored)
    cell.number_format = number_format
    return cell


def write_sheet(
    wb: Workbook,
    *,
    title: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    widths: Sequence[float] | None = None,
) -> int:
    """Append one write-only sheet to ``wb``; return how many rows (without the header)
    were written. Beyond the sheet's capacity a last row says what was left out."""
    # A sheet's name is never evaluated; it may not hold []:*?/\ nor start or end with '.
    name = INVALID_TITLE_REGEX.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title))
    name = " ".join(name.split())[:SHEET_TITLE_MAX].strip("' ")
    ws = wb.create_sheet(title=name or "Sheet")
    for i in range(len(header)):
        width = widths[i] if widths is not None and i < len(widths) else DEFAULT_WIDTH
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    head = []
    for label in header:
        cell = WriteOnlyCell(ws, value=_text(str(label)))
        cell.font = bold
        cell.alignment = wrap
        head.append(cell)
    ws.append(head)
    count = 0
    capacity = EXCEL_MAX_ROWS - 2  # the header and the note below
    left_out = 0
    for row in rows:
        if count >= capacity:
            left_out += 1
            continue
        ws.append([_cell(ws, v) for v in row])
        count += 1
    if left_out:
        note = _("%(n)d more rows did not fit in one sheet: narrow the list.")
        ws.append([note % {"n": left_out}])
    return count


def write_xlsx(
    *,
    sheet_title: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    widths: Sequence[float] | None = None,
) -> tuple[bytes, int]:
    """One sheet as workbook bytes, and the number of rows written."""
    wb = Workbook(write_only=True)
    count = write_sheet(wb, title=sheet_title, header=header, rows=rows, widths=widths)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), count


def xlsx_response(
    *,
    filename: str,
    ascii_name: str,
    sheet_title: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    widths: Sequence[float] | None = None,
) -> HttpResponse:
    """One sheet as a download named ``filename`` (``ascii_name`` for old clients). The
    response's ``exported_rows`` says how many rows were written."""
    content, count = write_xlsx(sheet_title=sheet_title, header=header, rows=rows, widths=widths)
    response = workbook_response(content, filename=filename, ascii_name=ascii_name)
    response.exported_rows = count  # type: ignore[attr-defined]
    return response


# --- Lists as sheets ------------------------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column of a list export: its header, how wide, and the value of a row."""

    header: str | Promise
    value: Callable[[T], object]
    width: float = DEFAULT_WIDTH


def field_label(model: Any, name: str) -> str:
    """A model field's name as a column header (its verbose name, translated)."""
    return capfirst(str(model._meta.get_field(name).verbose_name))


def table(
    columns: Sequence[Column[T]], items: Iterable[T]
) -> tuple[list[str], Iterable[list[object]], list[float]]:
    """Header, rows (lazily, one per item) and widths of ``columns`` over ``items``."""
    header = [str(c.header) for c in columns]
    rows = ([c.value(item) for c in columns] for item in items)
    return header, rows, [c.width for c in columns]


def common_path(paths: Iterable[str], step: int = 4) -> str:
    """The deepest place path above all ``paths`` (whole steps only): where a list lies."""
    found = sorted(set(paths))
    if not found:
        return ""
    first, last = found[0], found[-1]
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[: n - n % step]


def list_export(
    request: HttpRequest,
    *,
    what: str,
    title: str,
    slug: str,
    columns: Sequence[Column[T]],
    items: Iterable[T],
    path: str = "",
    filters: Mapping[str, object] | None = None,
    target: Any = None,
) -> HttpResponse:
    """The export of a list page: ``items`` (what the page lists, all of it) as a sheet
    named ``title``, downloaded as "<title> <today>.xlsx", and written to the audit log
    (``what`` list, the filters that were set, the row count, the place path)."""
    from sanxian.audit.services import record_export

    header, rows, widths = table(columns, items)
    filename, ascii_name = dated_names(title, slug)
    response = xlsx_response(
        filename=filename,
        ascii_name=ascii_name,
        sheet_title=title,
        header=header,
        rows=rows,
        widths=widths,
    )
    record_export(
        request,
        what=what,
        rows=response.exported_rows,  # type: ignore[attr-defined]
        path=path,
        filters=filters,
        target=target,
    )
    return response
