"""Reading an uploaded workbook one row at a time.

An xlsx file is a zip of XML parts. This reader walks the first worksheet's XML with the C
expat parser, feeding it the zip member in 64 KB pieces and handing out rows as they
complete, so memory does not grow with the number of rows. What the values mean follows
openpyxl (the same built-in and custom date formats, the same 1900/1904 date epochs, shared
and inline strings); openpyxl's own read-only mode is not used for the rows because on this
project's machines it reads about 8,000 rows a second with defusedxml installed, below the
roster import's target on its own.

Defences (see also ``upload.py``, which refuses bombs before anything is parsed):

- every parser refuses a DOCTYPE, entity declarations and external entities, raising
  defusedxml's own ``DTDForbidden`` / ``EntitiesForbidden`` / ``ExternalReferenceForbidden``
  (the same hooks defusedxml puts on expat);
- the shared-strings table is kept in a temporary file with an offset array, not as a list
  of Python strings, so a file of many distinct names and numbers costs eight bytes per
  string in memory;
- a formula is never evaluated or stored: a cell holding one comes back as ``Formula``.
"""

from __future__ import annotations

import contextlib
import mmap
import posixpath
import re
import tempfile
import zipfile
from array import array
from collections.abc import Iterator
from datetime import date, datetime
from pyexpat import ExpatError, ParserCreate
from typing import IO, Any

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
DOC_REL_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
PACKAGE_REL_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKBOOK_PART = "xl/workbook.xml"
PIECE = 64 * 1024
# Number formats of Chinese-locale Excel that hold dates (年月日) but are not in openpyxl's
# list of built-in formats, which follows the en-US locale.
CJK_DATE_FORMAT_IDS = frozenset({27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58})


class WorkbookError(Exception):
    """The workbook cannot be read; ``code`` says why (see ``reasons.FILE_REASONS``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class Formula:
    """A cell holding a formula (its text), which the import refuses."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


class CellError:
    """A cell holding a spreadsheet error value such as #N/A or #REF!."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return f"CellError({self.code!r})"


def _refuse_doctype(*args: object) -> None:
    raise DTDForbidden(str(args[0]) if args else "", None, None)


def _refuse_entity(name: str, *args: object) -> None:
    raise EntitiesForbidden(name, None, None, None, None, None)


def _refuse_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def make_parser(*, namespaces: bool = True) -> Any:
    """An expat parser that refuses any DOCTYPE, entity declaration or external reference.
    With ``namespaces`` a tag "{ns}local" arrives as "ns}local"; without, as written
    ("x:row" or "row"), which halves the parser's own time on a worksheet."""
    parser = ParserCreate(namespace_separator="}") if namespaces else ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.buffer_text = True
    parser.buffer_size = PIECE
    return parser


def _names(local: str, namespaces: tuple[str, ...]) -> frozenset[str]:
    return frozenset(f"{ns}}}{local}" for ns in namespaces) | {local}


def _feed(parser: Any, stream: IO[bytes]) -> Iterator[None]:
    """Feed ``stream`` to ``parser`` piece by piece, yielding after each piece."""
    try:
        while True:
            piece = stream.read(PIECE)
            if not piece:
                parser.Parse(b"", True)
                yield None
                return
            parser.Parse(piece, False)
            yield None
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise WorkbookError("xml_declarations") from exc
    except ExpatError as exc:
        raise WorkbookError("unreadable") from exc


def _parse_part(archive: zipfile.ZipFile, name: str, start: Any) -> None:
    parser = make_parser()
    parser.StartElementHandler = start
    with archive.open(name) as stream:
        for _ in _feed(parser, stream):
            pass


class StringTable:
    """The workbook's shared strings, kept in a temporary file: ``table[i]`` reads one."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._offsets = array("q", [0])
        self._pending = bytearray()
        self._map: mmap.mmap | None = None

    def append(self, text: str) -> None:
        data = text.encode("utf-8")
        self._pending += data
        self._offsets.append(self._offsets[-1] + len(data))
        if len(self._pending) > 1 << 20:
            self._file.write(self._pending)
            self._pending.clear()

    def finish(self) -> None:
        self._file.write(self._pending)
        self._pending = bytearray()
        self._file.flush()
        if self._offsets[-1]:
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> str:
        start, end = self._offsets[index], self._offsets[index + 1]
        if start == end or self._map is None:
            return ""
        return self._map[start:end].decode("utf-8")

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        self._file.close()


def _root_prefix(archive: zipfile.ZipFile, name: str) -> str:
    """The namespace prefix of the part's root element ("x:" for <x:worksheet>, else "")."""
    with archive.open(name) as stream:
        head = stream.read(4096).decode("utf-8", "replace")
    match = _ROOT.search(head)
    return match.group(1) or "" if match else ""


_ROOT = re.compile(r"<([A-Za-z_][\w.-]*:)?(?:worksheet|sst)[\s>/]")


def _read_strings(archive: zipfile.ZipFile, name: str, table: StringTable) -> None:
    prefix = _root_prefix(archive, name)
    tag_si, tag_rph = prefix + "si", prefix + "rPh"
    parts: list[str] = []
    mark = [-1]

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == tag_si:
            parts.clear()
        elif tag == tag_rph:
            mark[0] = len(parts)

    def end(tag: str) -> None:
        if tag == tag_si:
            table.append("".join(parts))
        elif tag == tag_rph and mark[0] >= 0:
            del parts[mark[0] :]  # phonetic guide (furigana), not part of the text
            mark[0] = -1

    parser = make_parser(namespaces=False)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = parts.append
    with archive.open(name) as stream:
        for _ in _feed(parser, stream):
            pass
    table.finish()


def _part_path(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


class Workbook:
    """An xlsx file opened for reading its first worksheet row by row."""

    def __init__(self, source: str | IO[bytes]) -> None:
        try:
            self.archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise WorkbookError("not_xlsx") from exc
        self.strings = StringTable()
        try:
            self._open()
        except (KeyError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            self.close()
            raise WorkbookError("unreadable") from exc
        except WorkbookError:
            self.close()
            raise

    def _open(self) -> None:
        names = set(self.archive.namelist())
        if WORKBOOK_PART not in names:
            raise WorkbookError("not_xlsx")
        sheets: list[str] = []
        self.epoch = CALENDAR_WINDOWS_1900
        sheet_tags = _names("sheet", MAIN_NAMESPACES)
        pr_tags = _names("workbookPr", MAIN_NAMESPACES)
        rid_keys = [f"{ns}}}id" for ns in DOC_REL_NAMESPACES]

        def workbook_start(tag: str, attrs: dict[str, str]) -> None:
            if tag in sheet_tags:
                rid = next((attrs[k] for k in rid_keys if k in attrs), "")
                sheets.append(rid)
                self.sheet_names.append(attrs.get("name", ""))
            elif tag in pr_tags and attrs.get("date1904", "").lower() in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904

        self.sheet_names: list[str] = []
        _parse_part(self.archive, WORKBOOK_PART, workbook_start)
        targets: dict[str, str] = {}
        types: dict[str, str] = {}
        rels = "xl/_rels/workbook.xml.rels"
        rel_tag = f"{PACKAGE_REL_NAMESPACE}}}Relationship"

        def rels_start(tag: str, attrs: dict[str, str]) -> None:
            if tag in (rel_tag, "Relationship"):
                targets[attrs.get("Id", "")] = _part_path(WORKBOOK_PART, attrs.get("Target", ""))
                types[attrs.get("Id", "")] = attrs.get("Type", "").rsplit("/", 1)[-1]

        if rels in names:
            _parse_part(self.archive, rels, rels_start)
        if not sheets or sheets[0] not in targets or targets[sheets[0]] not in names:
            raise WorkbookError("no_sheet")
        self.sheet_part = targets[sheets[0]]
        shared = [t for rid, t in targets.items() if types.get(rid) == "sharedStrings"]
        if shared and shared[0] in names:
            _read_strings(self.archive, shared[0], self.strings)
        else:
            self.strings.finish()
        styles = [t for rid, t in targets.items() if types.get(rid) == "styles"]
        self.date_styles = (
            self._date_styles(styles[0]) if styles and styles[0] in names else frozenset()
        )

    def _date_styles(self, part: str) -> frozenset[int]:
        """Indexes of the cell formats (``s`` of a cell) whose number format is a date."""
        custom: dict[int, str] = {}
        formats: list[int] = []
        numfmt = _names("numFmt", MAIN_NAMESPACES)
        xfs = _names("cellXfs", MAIN_NAMESPACES)
        xf = _names("xf", MAIN_NAMESPACES)
        inside = [False]

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag in numfmt:
                with contextlib.suppress(ValueError):
                    custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            elif tag in xfs:
                inside[0] = True
            elif tag in xf and inside[0]:
                try:
                    formats.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    formats.append(0)

        parser = make_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = lambda tag: inside.__setitem__(0, False) if tag in xfs else None
        with self.archive.open(part) as stream:
            for _ in _feed(parser, stream):
                pass
        dates = set()
        for index, fmt_id in enumerate(formats):
            code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
            if fmt_id in CJK_DATE_FORMAT_IDS or (code and is_date_format(code)):
                dates.add(index)
        return frozenset(dates)

    def rows(self) -> Iterator[tuple[int, dict[int, object]]]:
        """``(row number, {column index (0-based): value})`` for every row that has a
        value, in sheet order. Values: ``str``, ``int``, ``float``, ``bool``, ``date`` or
        ``datetime`` (date-formatted numbers), ``Formula`` or ``CellError``."""
        reader = _SheetReader(self, _root_prefix(self.archive, self.sheet_part))
        done = reader.done
        with self.archive.open(self.sheet_part) as stream:
            for _ in _feed(reader.parser, stream):
                if done:
                    batch = done[:]
                    done.clear()
                    yield from batch

    def close(self) -> None:
        self.strings.close()
        self.archive.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_COLUMNS: dict[str, int] = {}


def column_index(ref: str) -> int:
    """0-based column of a cell reference such as "F12"."""
    letters = ref.rstrip("0123456789")
    index = _COLUMNS.get(letters)
    if index is None:
        index = column_index_from_string(letters) - 1
        _COLUMNS[letters] = index
    return index


class _SheetReader:
    """The expat handlers of one worksheet part; completed rows collect in ``done``.

    The handlers are closures over local state and the text of a cell is collected by the
    list's own ``append`` (no Python frame per piece of text): this loop runs for every
    cell of a file of up to 200,000 rows.
    """

    def __init__(self, book: Workbook, prefix: str) -> None:
        strings = book.strings
        date_styles = book.date_styles
        epoch = book.epoch
        done: list[tuple[int, dict[int, object]]] = []
        text: list[str] = []
        # [row number, cells of the row, column, type, style, formula mark, phonetic mark,
        #  formula text]
        state: list[Any] = [0, {}, -1, "n", 0, -1, -1, ""]
        tag_c, tag_row, tag_f, tag_rph = prefix + "c", prefix + "row", prefix + "f", prefix + "rPh"

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == tag_c:
                text.clear()
                ref = attrs.get("r")
                state[2] = column_index(ref) if ref else state[2] + 1
                state[3] = attrs.get("t", "n")
                style = attrs.get("s")
                state[4] = int(style) if style else 0
                state[5] = -1
            elif tag == tag_row:
                ref = attrs.get("r")
                state[0] = int(ref) if ref else state[0] + 1
                state[1] = {}
                state[2] = -1
            elif tag == tag_f:
                state[5] = len(text)
            elif tag == tag_rph:
                state[6] = len(text)

        def end(tag: str) -> None:
            if tag == tag_c:
                if state[5] >= 0:
                    value: object = Formula("=" + state[7].strip())
                else:
                    value = _value("".join(text).strip(), state[3], state[4])
                if value is not None and value != "":
                    state[1][state[2]] = value
            elif tag == tag_row:
                if state[1]:
                    done.append((state[0], state[1]))
            elif tag == tag_f:
                # The formula's text is kept apart from its cached value.
                state[7] = "".join(text[state[5] :])
                del text[state[5] :]
            elif tag == tag_rph and state[6] >= 0:
                del text[state[6] :]  # phonetic guide (furigana), not part of the value
                state[6] = -1

        def _value(raw: str, kind: str, style: int) -> object:
            if kind == "s":
                return strings[int(raw)] if raw else None
            if kind == "inlineStr" or kind == "str":
                return raw
            if not raw:
                return None
            if kind == "n":
                if style in date_styles:
                    return _excel_date(float(raw), epoch)
                if "." in raw or "E" in raw or "e" in raw:
                    number = float(raw)
                    return int(number) if number.is_integer() and abs(number) < 1e15 else number
                return int(raw)
            if kind == "b":
                return raw == "1"
            if kind == "e":
                return CellError(raw)
            if kind == "d":
                try:
                    return datetime.fromisoformat(raw)
                except ValueError:
                    return raw
            return raw

        parser = make_parser(namespaces=False)
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text.append
        self.parser = parser
        self.done = done


def _excel_date(serial: float, epoch: date) -> object:
    moment = from_excel(serial, epoch)
    if isinstance(moment, datetime) and moment.time() == datetime.min.time():
        return moment.date()
    return moment
