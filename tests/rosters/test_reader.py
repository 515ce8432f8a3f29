"""The streaming reader gives the values Excel shows: shared and inline strings, numbers,
dates (1900 and 1904 calendars, Chinese date formats), formulas as formulas, errors as
errors; and it refuses XML declarations."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook

from sanxian.rosters.reader import CellError, Formula, Workbook, WorkbookError

WORKSHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<x:sheetData>{rows}</x:sheetData></x:worksheet>"
)


def package(sheet: str, *, strings: str = "", styles: str = "", date1904: bool = False) -> bytes:
    """A minimal workbook written by hand, as other spreadsheet programs write them."""
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    rels = [
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    ]
    if strings:
        rels.append(
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/>'
        )
    if styles:
        rels.append(
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/styles" Target="styles.xml"/>'
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{pr}<sheets><sheet name="居民" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels)
            + "</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if strings:
            z.writestr("xl/sharedStrings.xml", strings)
        if styles:
            z.writestr("xl/styles.xml", styles)
    return buffer.getvalue()


def read(content: bytes) -> list[tuple[int, dict[int, object]]]:
    with Workbook(io.BytesIO(content)) as book:
        return list(book.rows())


def test_shared_and_inline_strings_numbers_and_errors() -> None:
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>北苑</t></si><si><r><t>1号</t></r><r><rPr><b/></rPr><t>楼</t></r></si>"
        "<si><t>张</t><rPh><t>ちょう</t></rPh></si></sst>"
    )
    rows = (
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
        '<x:c r="C1" t="s"><x:v>2</x:v></x:c></x:row>'
        '<x:row r="3"><x:c r="A3"><x:v>101</x:v></x:c><x:c r="B3"><x:v>2.5</x:v></x:c>'
        '<x:c r="D3" t="inlineStr"><x:is><x:t>户主</x:t></x:is></x:c>'
        '<x:c r="E3" t="e"><x:v>#N/A</x:v></x:c><x:c r="F3" t="b"><x:v>1</x:v></x:c>'
        '<x:c r="G3"><x:f>SUM(A3:B3)</x:f><x:v>103.5</x:v></x:c></x:row>'
        '<x:row r="4"><x:c r="A4" s="0"/></x:row>'
    )
    found = read(package(WORKSHEET.format(rows=rows), strings=strings))
    assert found[0] == (1, {0: "北苑", 1: "1号楼", 2: "张"})
    number, cells = found[1]
    assert number == 3
    assert cells[0] == 101 and cells[1] == 2.5 and cells[3] == "户主" and cells[5] is True
    assert isinstance(cells[4], CellError) and cells[4].code == "#N/A"
    assert isinstance(cells[6], Formula) and cells[6].text == "=SUM(A3:B3)"
    assert len(found) == 2  # the empty row is left out


def test_dates_by_number_format_and_calendar() -> None:
    styles = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月'
        '&quot;d&quot;日&quot;"/></numFmts><cellXfs count="4"><xf numFmtId="0"/>'
        '<xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="31"/></cellXfs></styleSheet>'
    )
    rows = (
        '<x:row r="1"><x:c r="A1" s="1"><x:v>45356</x:v></x:c><x:c r="B1" s="2"><x:v>45356</x:v>'
        '</x:c><x:c r="C1" s="3"><x:v>45356</x:v></x:c><x:c r="D1" s="0"><x:v>45356</x:v></x:c>'
        '<x:c r="E1" s="1"><x:v>45356.5</x:v></x:c></x:row>'
    )
    cells = read(package(WORKSHEET.format(rows=rows), styles=styles))[0][1]
    assert cells[0] == cells[1] == cells[2] == date(2024, 3, 5)
    assert cells[3] == 45356  # General: a number, not a date
    assert cells[4] == datetime(2024, 3, 5, 12, 0)
    mac = read(package(WORKSHEET.format(rows=rows), styles=styles, date1904=True))[0][1]
    assert mac[0] == date(2028, 3, 6)


def test_what_openpyxl_writes_reads_back() -> None:
    wb = OpenpyxlWorkbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "入住日期", "身份证号"])
    ws.append(["李四", date(2021, 3, 5), "31010419580315123X"])
    ws["D2"] = "=A2&B2"
    buffer = io.BytesIO()
    wb.save(buffer)
    found = read(buffer.getvalue())
    assert found[0][1] == {0: "姓名", 1: "入住日期", 2: "身份证号"}
    cells = found[1][1]
    assert cells[0] == "李四" and cells[1] == date(2021, 3, 5) and cells[2] == "31010419580315123X"
    assert isinstance(cells[3], Formula)


def test_a_doctype_is_refused_by_the_parser() -> None:
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "ha">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    with pytest.raises(WorkbookError) as info:
        read(package(sheet))
    assert info.value.code == "xml_declarations"


def test_broken_xml_and_a_missing_sheet_are_named() -> None:
    with pytest.raises(WorkbookError) as info:
        read(package("<worksheet><sheetData><row>"))
    assert info.value.code == "unreadable"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook><sheets/></workbook>")
    with pytest.raises(WorkbookError) as info:
        read(buffer.getvalue())
    assert info.value.code == "no_sheet"
