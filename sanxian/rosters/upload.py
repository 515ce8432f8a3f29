"""Taking in an uploaded roster safely, before anything parses it.

- Size: ``SANXIAN_IMPORT_MAX_BYTES`` (default 20 MB), checked on the request's
  Content-Length before the body is read (``announced_too_large``) and on the bytes actually
  received while they are written to disk (``store``).
- Type by content, not by name: a zip archive holding ``[Content_Types].xml`` and
  ``xl/workbook.xml``. A .csv, a .docx or an old .xls renamed to .xlsx is refused.
- Zip bombs, from the archive's directory before any member is expanded: at most
  ``MAX_MEMBERS`` members, ``MAX_EXPANDED`` bytes expanded in all, and no large member
  compressed more than ``MAX_RATIO`` times (zipfile never yields more than the size the
  directory declares, and checks the CRC, so the declared sizes bind).
- XML bombs: every XML part is scanned for DOCTYPE and ENTITY declarations (which no
  spreadsheet needs) and refused; the parsers refuse them again (``reader.make_parser``),
  and openpyxl, wherever it reads, parses through defusedxml.

The accepted file is kept under ``SANXIAN_PRIVATE_ROOT/imports`` with a random name and
owner-only permissions, outside every URL; the import deletes it once it is imported or
found wrong, and ``sweep_import_files`` after ``KEEP_DAYS``.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

MB = 1024 * 1024
MAX_MEMBERS = 1000
MAX_EXPANDED = 200 * MB
MAX_RATIO = 100
RATIO_FROM = MB  # members smaller than this may compress as well as they like
SCAN_PIECE = MB
XML_SUFFIXES = (".xml", ".rels", ".vml")
FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")


class UploadRefused(Exception):
    """The file is not taken in; ``code`` names why (``reasons.FILE_REASONS``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def max_bytes() -> int:
    return int(getattr(settings, "SANXIAN_IMPORT_MAX_BYTES", 20 * MB))


def max_rows() -> int:
    return int(getattr(settings, "SANXIAN_IMPORT_MAX_ROWS", 200_000))


def too_large() -> UploadRefused:
    return UploadRefused("too_large", mb=max(max_bytes() // MB, 1))


def storage_dir() -> Path:
    root = Path(getattr(settings, "SANXIAN_PRIVATE_ROOT", Path(settings.BASE_DIR) / "private"))
    folder = root / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def stored_path(name: str) -> Path:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    return storage_dir() / name


def delete_stored(name: str) -> None:
    if name:
        stored_path(name).unlink(missing_ok=True)


# The multipart envelope (boundaries, field names, the CSRF token) adds a little.
ENVELOPE = 64 * 1024


def announced_too_large(meta: Any) -> bool:
    """Whether a request announces (Content-Length) a body larger than an import may be;
    checked before the body is read."""
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return False
    return length > max_bytes() + ENVELOPE


@dataclass(frozen=True)
class Stored:
    name: str
    sha256: str
    size: int

    @property
    def path(self) -> Path:
        return stored_path(self.name)


def store(chunks: Iterable[bytes]) -> Stored:
    """Write the upload to private storage, counting and hashing as it comes; refuse it
    (and leave nothing behind) when it is too large, not a workbook, or a bomb."""
    limit = max_bytes()
    name = f"{uuid.uuid4().hex}.xlsx"
    path = stored_path(name)
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise too_large()
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRefused("empty_file")
        inspect(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Stored(name=name, sha256=digest.hexdigest(), size=size)


def read_in_chunks(stream: IO[bytes], piece: int = 1024 * 1024) -> Iterable[bytes]:
    while True:
        chunk = stream.read(piece)
        if not chunk:
            return
        yield chunk


def inspect(path: Path) -> None:
    """Refuse anything that is not a plain xlsx workbook safe to parse."""
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(OLE_MAGIC[:4]):
        raise UploadRefused("old_excel")
    if not head.startswith(ZIP_MAGIC):
        raise UploadRefused("not_xlsx")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            check_directory(members)
            for info in members:
                if info.filename.lower().endswith(XML_SUFFIXES):
                    scan_xml(archive, info)
    except zipfile.BadZipFile as exc:
        raise UploadRefused("not_xlsx") from exc
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        # ZIP64 beyond limits, an unknown compression method, an encrypted member.
        raise UploadRefused("unreadable") from exc


def check_directory(members: list[zipfile.ZipInfo]) -> None:
    """Bomb checks on the archive's directory alone (nothing is expanded)."""
    names = {m.filename for m in members}
    if not all(part in names for part in REQUIRED_PARTS):
        raise UploadRefused("not_xlsx")
    if len(members) > MAX_MEMBERS:
        raise UploadRefused("zip_bomb")
    if sum(m.file_size for m in members) > MAX_EXPANDED:
        raise UploadRefused("zip_bomb")
    for m in members:
        if m.flag_bits & 0x1:
            raise UploadRefused("old_excel")  # encrypted member
        if m.file_size > RATIO_FROM and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise UploadRefused("zip_bomb")


def scan_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an XML part that declares a DOCTYPE or an ENTITY (billion laughs, external
    entities), or that is not UTF-8 (which the scan could not read)."""
    tail = b""
    with archive.open(info) as stream:
        first = True
        while True:
            piece = stream.read(SCAN_PIECE)
            if not piece:
                return
            if first:
                first = False
                if piece.startswith((b"\xff\xfe", b"\xfe\xff")) or piece[:4] in (
                    b"<\x00?\x00",
                    b"\x00<\x00?",
                ):
                    raise UploadRefused("unreadable")  # UTF-16: not what Excel writes
            window = tail + piece
            if any(marker in window for marker in FORBIDDEN):
                raise UploadRefused("xml_declarations")
            tail = window[-16:]
