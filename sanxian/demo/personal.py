"""Identity card and phone numbers for the demo's residents: well-formed (region 310104 徐汇区,
the resident's birth year, a sequence odd for men and even for women, the right check
character) and made up, sealed like any real number."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from stdnum.cn import ric

from sanxian import personal_data
from sanxian.places.models import Gender, Resident
from sanxian.places.paths import subtree_q

REGION = "310104"
MOBILE_PREFIXES = ("135", "136", "138", "139", "150", "158", "186", "189")


def _id_number(rng: random.Random, birth_year: int, male: bool, taken: set[str]) -> str:
    while True:
        born = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
        seq = rng.randrange(50) * 20 + rng.randrange(5) * 2 + (1 if male else 0)
        body = f"{REGION}{born:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in taken:
            taken.add(number)
            return number


def load_personal_numbers(path: str, *, seed: int = 31) -> int:
    """Give every resident under ``path`` without numbers an identity card number (when
    the birth year is known) and a mobile phone; return how many residents changed."""
    rng = random.Random(seed)
    residents = list(Resident.objects.filter(subtree_q(path), id_number_digest="").order_by("id"))
    taken: set[str] = set()
    for r in residents:
        if r.birth_year:
            sealed = personal_data.seal(
                _id_number(rng, r.birth_year, r.gender == Gender.MALE, taken)
            )
            r.id_number_sealed, r.id_number_digest = sealed.sealed, sealed.digest
            r.id_number_last4 = sealed.last4
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        sealed_phone = personal_data.seal(phone)
        r.phone_sealed, r.phone_digest = sealed_phone.sealed, sealed_phone.digest
        r.phone_last4 = sealed_phone.last4
    with transaction.atomic():
        Resident.objects.bulk_update(
            residents,
            [
                "id_number_sealed",
                "id_number_digest",
                "id_number_last4",
                "phone_sealed",
                "phone_digest",
                "phone_last4",
            ],
            batch_size=500,
        )
    return len(residents)
