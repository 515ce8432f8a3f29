"""Identity card and phone numbers: checked when typed, stored sealed (no plaintext in any
column), found by keyed digest, shown by their last four, and revealed only with a reason
that goes to the audit log."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation
from stdnum.cn import ric

from sanxian import personal_data
from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.places.errors import DomainError
from sanxian.places.models import Resident
from sanxian.places.services import set_personal_numbers
from tests.world import World


def id_number(body: str = "31010419580315123") -> str:
    return body + ric.calc_check_digit(body + "0")


PHONE = "13800138000"


def test_numbers_are_checked_when_typed() -> None:
    translation.activate("en")
    good = id_number()
    assert personal_data.normalise_id_number(f" {good[:6]} {good[6:]} ".lower()) == good
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    for raw, fragment in (
        (bad_check, "check character"),
        (id_number("31010419581315123"), "birth date"),  # month 13
        ("3101041958031512", "18 characters"),
        # A region python-stdnum knows only in part (no counties): refused, not a crash.
        (id_number("21335019800101123"), "region"),
    ):
        with pytest.raises(ValidationError) as info:
            personal_data.normalise_id_number(raw)
        assert fragment in info.value.messages[0]
    assert personal_data.normalise_phone("138 0013 8000") == PHONE
    assert personal_data.normalise_phone("+86 21 6418 1234") == "02164181234"
    for raw in ("12345", "not a phone", "+1 202 555 0100"):
        with pytest.raises(ValidationError):
            personal_data.normalise_phone(raw)


def test_no_plaintext_is_stored(world: World) -> None:
    number = id_number()
    set_personal_numbers(resident=world.resident, id_number=number, phone=PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM places_resident WHERE id = %s", [world.resident.pk])
        row = cursor.fetchone()
    stored = " ".join(str(v) for v in row)
    assert number not in stored and number[:-4] not in stored
    assert PHONE not in stored and PHONE[:7] not in stored
    fresh = Resident.objects.get(pk=world.resident.pk)
    assert personal_data.unseal(fresh.id_number_sealed) == number
    assert (fresh.id_number_last4, fresh.phone_last4) == (number[-4:], PHONE[-4:])
    # Exact lookup by keyed digest, without decrypting anything.
    digest = personal_data.digest(number)
    assert Resident.objects.get(id_number_digest=digest).pk == world.resident.pk


def test_one_resident_per_identity_card_number(world: World) -> None:
    number = id_number()
    set_personal_numbers(resident=world.resident, id_number=number)
    with pytest.raises(DomainError):
        set_personal_numbers(resident=world.leader, id_number=number)
    assert Resident.objects.get(pk=world.leader.pk).id_number_digest == ""
    # Clearing is allowed; the number is then free.
    set_personal_numbers(resident=world.resident, id_number="")
    set_personal_numbers(resident=world.leader, id_number=number)


def test_keys_rotate(settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SANXIAN_DATA_KEYS = old
    sealed = personal_data.seal(PHONE)
    settings.SANXIAN_DATA_KEYS = f"{new},{old}"  # a new key first; the old one still reads
    assert personal_data.unseal(sealed.sealed) == PHONE
    resealed = personal_data.seal(PHONE)
    settings.SANXIAN_DATA_KEYS = new
    assert personal_data.unseal(resealed.sealed) == PHONE
    with pytest.raises(ValueError):
        personal_data.unseal(sealed.sealed)


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("admin", True),
        ("secretary", True),
        ("social_worker", True),
        ("resident", True),  # their own numbers
        ("group_leader", False),  # a housemate, not staff of this person
        ("party_member", False),
        ("outsider", False),
        ("auditor", False),
        ("nobody", False),
    ],
)
def test_who_sees_and_reveals(world: World, login, persona: str, sees: bool) -> None:
    set_personal_numbers(resident=world.resident, id_number=id_number(), phone=PHONE)
    client = login(persona)
    page = client.get(reverse("places:resident", args=[world.resident.pk]))
    assert ('data-testid="personal-numbers"' in page.text) == sees
    if sees:
        assert "*******" + PHONE[-4:] in page.text and PHONE not in page.text
    url = reverse("places:resident_reveal", args=[world.resident.pk])
    response = client.post(url, {"field": "phone", "reason": "回电核实诉求"})
    assert response.status_code == (200 if sees else 404)
    assert (PHONE in response.text) == sees
    entries = AuditEvent.objects.filter(action=AuditAction.REVEAL)
    assert entries.count() == (1 if sees else 0)
    if sees:
        entry = entries.get()
        assert entry.detail == {"field": "phone", "reason": "回电核实诉求"}
        assert entry.actor_id == world.users[persona].pk
        assert response["Cache-Control"] == "private, no-store"


def test_a_reveal_needs_a_reason(world: World, login) -> None:
    set_personal_numbers(resident=world.resident, phone=PHONE)
    client = login("secretary")
    url = reverse("places:resident_reveal", args=[world.resident.pk])
    for data in ({"field": "phone", "reason": " "}, {"field": "password", "reason": "看看"}):
        response = client.post(url, data)
        assert response.status_code == 400
        assert PHONE not in response.text
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    assert client.get(url).status_code == 405
