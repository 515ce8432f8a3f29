"""Upload defences: size, type by content, zip bombs and XML bombs are refused with a
message before anything is parsed, and nothing is created or kept."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.places.models import Place, Resident
from sanxian.rosters import services, upload
from sanxian.rosters.models import ImportBatch
from sanxian.rosters.upload import UploadRefused
from tests.rosters.helpers import id_number, roster
from tests.world import World

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    "</sheetData></worksheet>"
)


def good_roster() -> bytes:
    return roster(
        "residents",
        [["北苑", "1号楼", "", "101", "张三", "男", id_number(), "", "户主", ""]],
    )


def with_member(content: bytes, name: str, data: bytes) -> bytes:
    """The workbook ``content`` with one member replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != name:
                out.writestr(info, source.read(info))
        out.writestr(name, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A real workbook plus a member of 300 MB of zeros, which compresses to ~300 KB."""
    content = good_roster()
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        with out.open("xl/media/zeros.bin", "w", force_zip64=True) as member:
            block = bytes(1024 * 1024)
            for _ in range(300):
                member.write(block)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def refuse(content: bytes) -> str:
    with pytest.raises(UploadRefused) as info:
        upload.store([content])
    return info.value.code


def test_a_real_workbook_is_kept_privately(settings) -> None:  # type: ignore[no-untyped-def]
    stored = upload.store([good_roster()])
    assert stored.path.is_file()
    assert stored.path.stat().st_mode & 0o077 == 0  # owner only
    assert stored.path.is_relative_to(settings.SANXIAN_PRIVATE_ROOT)
    assert not stored.path.is_relative_to(settings.MEDIA_ROOT)
    assert len(stored.sha256) == 64


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: "居民区,楼栋\n北苑,1号楼\n".encode(), "not_xlsx"),
        (docx_bytes, "not_xlsx"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old_excel"),
        (lambda: b"", "empty_file"),
        (zip_bomb, "zip_bomb"),
        (
            lambda: with_member(good_roster(), "xl/worksheets/sheet1.xml", BILLION_LAUGHS.encode()),
            "xml_declarations",
        ),
        (
            lambda: with_member(
                good_roster(),
                "xl/sharedStrings.xml",
                b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><sst/>',
            ),
            "xml_declarations",
        ),
    ],
    ids=["csv", "docx", "xls", "empty", "zip-bomb", "billion-laughs", "external-entity"],
)
def test_bad_files_are_refused_and_not_kept(make, code: str, settings) -> None:  # type: ignore[no-untyped-def]
    assert refuse(make()) == code
    folder = settings.SANXIAN_PRIVATE_ROOT / "imports"
    assert not any(folder.iterdir())


def test_too_many_members_or_too_much_expanded_data(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(upload, "MAX_MEMBERS", 5)
    assert refuse(good_roster()) == "zip_bomb"
    monkeypatch.setattr(upload, "MAX_MEMBERS", 1000)
    monkeypatch.setattr(upload, "MAX_EXPANDED", 1000)
    assert refuse(good_roster()) == "zip_bomb"


def test_an_oversized_file_is_refused_as_it_arrives(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SANXIAN_IMPORT_MAX_BYTES = 1000
    assert refuse(good_roster()) == "too_large"


def counts() -> tuple[int, int, int]:
    return Resident.objects.count(), Place.objects.count(), ImportBatch.objects.count()


@pytest.mark.parametrize(
    "make",
    [
        zip_bomb,
        docx_bytes,
        lambda: with_member(good_roster(), "xl/worksheets/sheet1.xml", BILLION_LAUGHS.encode()),
    ],
    ids=["zip-bomb", "docx", "billion-laughs"],
)
def test_the_page_refuses_with_a_message_and_creates_nothing(login, world: World, make) -> None:  # type: ignore[no-untyped-def]
    client = login("secretary")
    before = counts()
    response = client.post(
        reverse("rosters:upload"),
        {
            "kind": "residents",
            "place": world.north.pk,
            "file": io.BytesIO(make()),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert 'data-testid="file-errors"' in response.content.decode()
    assert counts() == before
    entry = AuditEvent.objects.filter(action=AuditAction.IMPORT).latest("id")
    assert entry.detail["refused"] in {"zip_bomb", "not_xlsx", "xml_declarations"}


def test_the_page_refuses_an_announced_oversized_body_unread(login, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SANXIAN_IMPORT_MAX_BYTES = 10 * 1024
    client = login("secretary")
    before = counts()
    content = good_roster() + bytes(200 * 1024)
    file = io.BytesIO(content)
    file.name = "big.xlsx"
    response = client.post(
        reverse("rosters:upload"), {"kind": "residents", "place": world.north.pk, "file": file}
    )
    assert response.status_code == 413
    assert 'data-testid="upload-refused"' in response.content.decode()
    assert counts() == before


def test_the_page_refuses_oversized_bytes_when_content_length_is_small_enough(
    login, world: World, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SANXIAN_IMPORT_MAX_BYTES = 100 * 1024  # the body fits the announced limit …
    client = login("secretary")
    before = counts()
    file = io.BytesIO(good_roster() + bytes(120 * 1024))  # … the file itself does not
    file.name = "big.xlsx"
    response = client.post(
        reverse("rosters:upload"), {"kind": "residents", "place": world.north.pk, "file": file}
    )
    assert response.status_code in (400, 413)
    assert counts() == before


def test_the_service_records_refusals(world: World) -> None:
    with pytest.raises(UploadRefused):
        services.start_import(
            kind="residents",
            place=world.north,
            user=world.users["secretary"],
            chunks=[b"not a workbook"],
            file_name="x.xlsx",
        )
    assert ImportBatch.objects.count() == 0
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT, detail__refused="not_xlsx").exists()
