"""The import pages: who may use them, the template (filled by openpyxl, it imports), the
error workbook, paging of problems, and query counts that do not grow with the data."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from sanxian.places.models import Resident
from sanxian.rosters import services
from sanxian.rosters.kinds import KINDS
from sanxian.rosters.models import BatchState, ImportBatch
from sanxian.rosters.selectors import PAGE_SIZE
from tests.rosters.helpers import bad_checksum, id_number, roster
from tests.world import World, grow

PERSONAS = [
    "admin",
    "secretary",
    "social_worker",
    "group_leader",
    "party_member",
    "resident",
    "outsider",
    "auditor",
    "nobody",
]
IMPORTERS = {"admin", "secretary", "social_worker"}


def north_batch(world: World, rows: list[list[object]] | None = None) -> ImportBatch:
    rows = rows or [["北苑", "1号楼", "", "101", "张三", "男", id_number(), "", "户主", ""]]
    return services.start_import(
        kind="residents",
        place=world.north,
        user=world.users["secretary"],
        chunks=[roster("residents", rows)],
        file_name="居民.xlsx",
    )


def upload(client, world: World, content: bytes, *, kind: str = "residents"):  # type: ignore[no-untyped-def]
    file = io.BytesIO(content)
    file.name = "花名册.xlsx"
    return client.post(
        reverse("rosters:upload"), {"kind": kind, "place": world.north.pk, "file": file}
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_open_the_import_pages(login, world: World, persona: str) -> None:
    batch = north_batch(world)
    client = login(persona)
    urls = [
        reverse("rosters:index"),
        reverse("rosters:template", args=["residents"]),
        reverse("rosters:batch", args=[batch.pk]),
        reverse("rosters:errors", args=[batch.pk]),
    ]
    # The outsider imports in 南苑: the pages open, 北苑's batch does not.
    expected = 200 if persona in IMPORTERS else 404
    for url in urls:
        status = client.get(url).status_code
        if (
            persona == "outsider"
            and "/rosters/" in url
            and url.rstrip("/").split("/")[-1]
            in {
                str(batch.pk),
                "errors.xlsx",
            }
        ):
            assert status == 404, url
        elif persona == "outsider":
            assert status == 200, url
        else:
            assert status == expected, (persona, url)
    response = client.post(reverse("rosters:commit", args=[batch.pk]))
    assert response.status_code == (302 if persona in IMPORTERS else 404)
    home = client.get(reverse("accounts:home")).content.decode()
    offered = reverse("rosters:index") in home
    assert offered == (persona in IMPORTERS or persona == "outsider")


def test_anonymous_is_sent_to_sign_in(client, world: World) -> None:  # type: ignore[no-untyped-def]
    for url in (reverse("rosters:index"), reverse("rosters:template", args=["residents"])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(reverse("rosters:upload"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_upload_needs_the_csrf_token(world: World) -> None:
    from django.test import Client

    from tests.world import PASSWORD

    client = Client(enforce_csrf_checks=True)
    assert client.login(username="secretary", password=PASSWORD)
    response = upload(client, world, roster("residents", []))
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_an_outsider_cannot_import_into_another_neighborhood(login, world: World) -> None:
    client = login("outsider")
    response = upload(client, world, roster("residents", []))
    assert response.status_code == 400  # 北苑 is not one of the offered areas
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("kind", list(KINDS))
def test_templates(login, world: World, kind: str) -> None:
    client = login("secretary")
    response = client.get(reverse("rosters:template", args=[kind]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    spec = KINDS[kind]
    data = wb.worksheets[0]
    assert [c.value for c in data[1]] == spec.headers
    assert data.max_row == 1 or all(c.value is None for c in data[2])  # no example in it
    assert "填写说明" in wb.sheetnames
    instructions = wb["填写说明"]
    texts = [c.value for row in instructions.iter_rows() for c in row if c.value is not None]
    for column in spec.columns:
        assert column.header in texts
    lists = {str(dv.formula1) for dv in data.data_validations.dataValidation}
    for column in spec.columns:
        letter = chr(ord("A") + spec.columns.index(column))
        if column.choices:
            assert f'"{",".join(column.choices)}"' in lists
        if column.as_text:
            assert data.column_dimensions[letter].number_format == "@"
        if column.dates:
            assert data.column_dimensions[letter].number_format == "yyyy-mm-dd"
    if kind != "party_members":
        assert any("选项" in f for f in lists)  # 居民区 drop-down from the area


def test_the_filled_template_imports_and_the_residents_appear(login, world: World) -> None:
    client = login("secretary")
    response = client.get(reverse("rosters:template", args=["residents"]))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.worksheets[0]
    number = id_number()
    ws.append(
        ["北苑", "1号楼", "", "101", "模板人", "男", number, "13812345678", "户主", "2024/3/5"]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    response = upload(client, world, buffer.getvalue())
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.state == BatchState.CHECKED, list(batch.issues.values_list("code", flat=True))
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="commit"' in page
    response = client.post(reverse("rosters:commit", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == BatchState.IMPORTED
    household = client.get(reverse("places:detail", args=[world.household.pk])).content.decode()
    assert "模板人" in household
    assert Resident.objects.get(name="模板人").moved_in.isoformat() == "2024-03-05"


def test_the_error_workbook_names_each_bad_row(login, world: World) -> None:
    rows = [
        ["北苑", "1号楼", "", "101", "好人", "男", id_number(), "", "户主", ""],
        ["北苑", "1号楼", "", "101", "坏号", "男", bad_checksum(id_number()), "", "户主", ""],
        ["北苑", "1号楼", "", "909", "无房", "男", id_number(), "", "户主", ""],
        ["北苑", "1号楼", "", "101", "=1+1", "男", id_number(), "", "亲戚", ""],
    ]
    client = login("secretary")
    response = upload(client, world, roster("residents", rows))
    batch = ImportBatch.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert batch.state == BatchState.HAS_ERRORS
    assert 'data-testid="commit"' not in page
    for row in ("3", "4", "5"):
        assert f"<td>{row}</td>" in page
    response = client.get(reverse("rosters:errors", args=[batch.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.worksheets[0]
    found = [(r[0], r[1]) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert found == [(3, "身份证号"), (4, "室号"), (5, "姓名"), (5, "与户的关系")]
    reasons = [r[2] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert all(reasons) and not any(str(r).startswith("=") for r in reasons)


def test_problems_are_paged(login, world: World) -> None:
    rows = [
        ["北苑", "1号楼", "", "909", f"无房{i}", "男", id_number(), "", "户主", ""]
        for i in range(PAGE_SIZE + 5)
    ]
    batch = north_batch(world, rows)
    assert batch.error_count == PAGE_SIZE + 5
    client = login("secretary")
    page = client.get(reverse("rosters:batch", args=[batch.pk])).content.decode()
    assert page.count("<tr><td>") == PAGE_SIZE
    assert 'data-testid="more-problems"' in page
    after = batch.issues.order_by("row", "id")[PAGE_SIZE - 1].pk
    rest = client.get(reverse("rosters:batch", args=[batch.pk]) + f"?after={after}")
    assert rest.content.decode().count("<tr><td>") == 5


def count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_query_counts_are_small_and_do_not_grow(login, world: World) -> None:
    small = north_batch(world)
    client = login("secretary")
    urls = [
        reverse("rosters:index"),
        reverse("rosters:batch", args=[small.pk]),
        reverse("rosters:template", args=["residents"]),
    ]
    before = [count(client, u) for u in urls]
    grow(world)
    rows = [
        ["北苑", "1号楼", "", "909", f"无房{i}", "男", id_number(), "", "户主", ""]
        for i in range(50)
    ]
    big = north_batch(world, rows)
    for _ in range(5):
        north_batch(world)
    client = login("secretary")
    after = [count(client, u) for u in urls]
    assert before == after
    assert count(client, reverse("rosters:batch", args=[big.pk])) == before[1]
    assert max(after) <= 15
