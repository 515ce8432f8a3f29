"""Workbooks for the roster import tests, written with openpyxl the way staff fill the
template, and well-formed (or deliberately broken) identity card numbers."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from stdnum.cn import ric

from sanxian.rosters.kinds import KINDS

_sequence = itertools.count(1)


def id_number(born: date = date(1958, 3, 15), *, male: bool = True, region: str = "310104") -> str:
    """A well-formed identity card number (a new one each call)."""
    n = next(_sequence) % 500
    seq = n * 2 + (1 if male else 0)
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def bad_checksum(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def xlsx_bytes(
    headers: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    text_columns: Iterable[int] = (),
    formulas: dict[tuple[int, int], str] | None = None,
) -> bytes:
    """A workbook whose first sheet has ``headers`` and ``rows`` (cells of ``text_columns``
    formatted as text, as the template does; text starting with "=" stays text; ``formulas``
    put real formulas in cells: (row index from 0, column index from 0) → "=…")."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(headers))
    text = set(text_columns)
    for r, row in enumerate(rows):
        ws.append(list(row))
        for c in text:
            ws.cell(row=r + 2, column=c + 1).number_format = "@"
        for c, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                # Text that looks like a formula, as a cell formatted as text holds it
                # (openpyxl would otherwise write it as a formula).
                ws.cell(row=r + 2, column=c + 1).data_type = "s"
    for (r, c), formula in (formulas or {}).items():
        ws.cell(row=r + 2, column=c + 1).value = formula
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def roster(kind: str, rows: Iterable[Sequence[object]], **kwargs) -> bytes:  # type: ignore[no-untyped-def]
    spec = KINDS[kind]
    text = [i for i, c in enumerate(spec.columns) if c.as_text]
    return xlsx_bytes(spec.headers, rows, text_columns=text, **kwargs)


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
