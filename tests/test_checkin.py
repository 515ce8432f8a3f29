"""Check-in codes: one code per record, signed per kind of record."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from sanxian import checkin
from sanxian.places.errors import DomainError


def test_a_record_has_one_code_whenever_it_is_made():
    first = checkin.make_token(144, salt="meeting")
    with time_machine.travel(timezone.now() + timedelta(days=3, seconds=1)):
        later = checkin.make_token(144, salt="meeting")
    assert first == later
    assert checkin.read_token(later, salt="meeting") == 144


def test_codes_printed_before_codes_were_fixed_are_still_read():
    printed = signing.dumps(144, salt="meeting")  # carried the moment it was made
    assert checkin.read_token(printed, salt="meeting") == 144


@pytest.mark.parametrize(
    "token",
    [
        checkin.make_token(144, salt="activity"),  # another kind of record
        checkin.make_token(144, salt="meeting")[:-2] + "xx",  # tampered
        signing.Signer(salt="meeting").sign_object("144"),  # not an id
        signing.Signer(salt="meeting").sign_object(True),
        signing.Signer(salt="meeting").sign("not base64 !"),
        "",
        "a:b:c",
        "::::",
    ],
)
def test_anything_else_is_not_a_valid_code(token):
    with pytest.raises(DomainError) as refused:
        checkin.read_token(token, salt="meeting")
    assert str(refused.value) == str(checkin.invalid())
