"""Nothing sensitive is readable in the database: after a resident's identity card and
phone numbers and an appeal's callback phone are recorded, no column of any table holds
them (or their first digits) in clear text."""

from __future__ import annotations

from django.apps import apps
from django.db import connection
from stdnum.cn import ric

from sanxian.appeals.models import AppealCategory
from sanxian.appeals.services import file_appeal
from sanxian.places.services import set_personal_numbers
from tests.world import World

BODY = "31010419580315123"
ID_NUMBER = BODY + ric.calc_check_digit(BODY + "0")
PHONE = "13912345678"
CALLBACK = "13687654321"


def all_text(cursor) -> str:  # type: ignore[no-untyped-def]
    chunks: list[str] = []
    for model in apps.get_models():
        table = model._meta.db_table
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # nosec B608
        for row in cursor.fetchall():
            chunks.extend(str(value) for value in row if value is not None)
    return "\n".join(chunks)


def test_no_table_holds_the_numbers_in_clear(world: World) -> None:
    set_personal_numbers(resident=world.resident, id_number=ID_NUMBER, phone=PHONE)
    category = AppealCategory.objects.order_by("id").first()
    assert category is not None
    file_appeal(
        category=category,
        text="楼道灯坏了，请回电",
        place=world.household,
        resident=world.resident,
        filed_by=world.users["resident"],
        contact_phone=CALLBACK,
    )
    with connection.cursor() as cursor:
        text = all_text(cursor)
    assert "楼道灯坏了" in text  # the dump does read the tables
    for secret in (ID_NUMBER, ID_NUMBER[:14], PHONE, PHONE[:7], CALLBACK, CALLBACK[:7]):
        assert secret not in text, secret
