"""What is wrong, in words: every problem the roster import can find has a code, and this
module words it for the user in the current language. Problems are stored as code and
parameters (never the cell's content, which may be an identity card number), so a page or
an error workbook reads in the language of whoever opens it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

# Problems with one cell or one row.
REASONS: dict[str, Any] = {
    "required": _("This column must be filled in."),
    "formula": _("The cell holds a formula; type the value itself."),
    "formula_text": _(
        "Text starting with =, +, - or @ is refused because a spreadsheet would run it as "
        "a formula; remove that first character."
    ),
    "cell_error": _("The cell holds a spreadsheet error (%(value)s)."),
    "not_text": _("Expected text here."),
    "too_long": _("At most %(limit)s characters."),
    "not_integer": _("Expected a whole number."),
    "out_of_range": _("Expected a number from %(low)s to %(high)s."),
    "not_a_date": _("Not a date: write it as 2024-03-05, 2024/3/5 or 2024年3月5日."),
    "date_in_future": _("The date lies in the future."),
    "not_a_choice": _("Choose one of: %(choices)s."),
    "id_format": _("An identity card number has 18 characters (the last may be X)."),
    "id_checksum": _("The identity card number's check character is wrong."),
    "id_birth": _("The identity card number holds no valid birth date or region."),
    "id_as_number": _(
        "The identity card number was stored as a number and has lost its last digits: "
        "format the column as text and type the number again."
    ),
    "gender_mismatch": _(
        "The gender does not match the identity card number (it says %(gender)s)."
    ),
    "phone": _("This is not a valid mainland China phone number."),
    "unknown_neighborhood": _("There is no neighborhood named %(name)s in %(place)s."),
    "outside_area": _("%(name)s lies outside the area of this import (%(place)s)."),
    "unknown_block": _("%(neighborhood)s has no management block named %(name)s."),
    "unknown_building": _("%(neighborhood)s has no building named %(name)s."),
    "ambiguous_building": _(
        "%(neighborhood)s has several buildings named %(name)s; import them by block."
    ),
    "building_in_other_block": _(
        "%(neighborhood)s already has a building named %(name)s in another management block."
    ),
    "unknown_group": _("Building %(building)s has no building group named %(name)s."),
    "unknown_room": _("Building %(building)s has no room %(room)s. Import the household first."),
    "ambiguous_room": _(
        "Building %(building)s has room %(room)s in several building groups (%(groups)s): "
        "fill in the building group column."
    ),
    "duplicate": _("Same %(column)s as row %(row)s."),
    "resident_outside_area": _(
        "This identity card number belongs to a resident registered outside the area of "
        "this import."
    ),
    "unknown_resident": _(
        "No resident with this identity card number lives in the area of this import. "
        "Import the residents first."
    ),
    "name_mismatch": _(
        "The name differs from that of the resident with this identity card number."
    ),
    "unknown_party_group": _("There is no party group named %(name)s in %(place)s."),
    "ambiguous_party_group": _("Several party groups are named %(name)s; rename one first."),
}

# Problems with the file as a whole.
FILE_REASONS: dict[str, Any] = {
    "not_xlsx": _(
        "This is not an Excel workbook (.xlsx). Save the file as “Excel workbook (*.xlsx)” "
        "and upload it again."
    ),
    "old_excel": _(
        "This is an Excel 97–2003 workbook (.xls) or a password-protected file. Save it as "
        "an unprotected “Excel workbook (*.xlsx)” and upload it again."
    ),
    "too_large": _("The file is larger than %(mb)s MB."),
    "empty_file": _("The file is empty."),
    "zip_bomb": _(
        "The workbook expands to far more data than a roster holds (a “zip bomb”); it is refused."
    ),
    "xml_declarations": _(
        "The workbook contains XML declarations (DOCTYPE or ENTITY) that a spreadsheet never "
        "needs; it is refused."
    ),
    "unreadable": _("The workbook could not be read; it may be damaged. Save it again in Excel."),
    "no_sheet": _("The workbook has no worksheet."),
    "no_rows": _("The first worksheet holds no rows below the column headers."),
    "too_many_rows": _("The file has more than %(limit)s rows; split it into several files."),
    "write_conflict": _(
        "Someone changed the same records while the roster was being imported; nothing was "
        "imported. Upload the file again to check it against the records as they are now."
    ),
    "headers": _(
        "The first row must hold the column headers of the template: %(expected)s. %(problems)s"
    ),
    "missing_headers": _("Missing: %(names)s."),
    "unknown_headers": _("Not recognised: %(names)s."),
    "repeated_headers": _("Repeated: %(names)s."),
}


def describe(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The problem ``code`` in words (the current language)."""
    template = REASONS.get(code) or FILE_REASONS.get(code)
    if template is None:
        return code
    params = dict(params or {})
    for key, value in params.items():
        if key == "problems" and isinstance(value, list):
            params[key] = " ".join(describe(c, p) for c, p in value)
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)
