"""Identity-card and phone numbers at rest (个人信息保护法; 等级保护 2.0 "encryption of
important personal data").

A number is never stored as it was typed. ``seal`` turns it into three columns:

- ``sealed``: the number encrypted with Fernet (AES-128-CBC with HMAC-SHA256). The keys come
  from ``SANXIAN_DATA_KEYS`` (comma-separated Fernet keys: the first encrypts, all decrypt,
  so a key is rotated by putting a new one first and re-sealing);
- ``digest``: an HMAC-SHA256 of the normalised number under ``SANXIAN_LOOKUP_KEY``, for exact
  lookup (the same person in a re-imported roster) without decrypting anything;
- ``last4``: the last four characters, for display (``**************123X``).

Reading the full number is ``unseal``; pages do it only through a reveal that states a
reason and is written to the audit log. Without the environment keys (development and
tests) both keys derive from ``SECRET_KEY``; ``check --deploy`` warns about that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.checks import register
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError


@dataclass(frozen=True)
class Sealed:
    sealed: str
    digest: str
    last4: str


EMPTY = Sealed("", "", "")


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"sanxian:{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(k.strip()) for k in keys.split(",") if k.strip()])
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derived("data")))])


def _cipher() -> MultiFernet:
    return _fernet(getattr(settings, "SANXIAN_DATA_KEYS", "") or "")


def _lookup_key() -> bytes:
    key = getattr(settings, "SANXIAN_LOOKUP_KEY", "") or ""
    return key.encode() if key else _derived("lookup")


def digest(normalised: str) -> str:
    return hmac.new(_lookup_key(), normalised.encode(), hashlib.sha256).hexdigest()


def seal(normalised: str) -> Sealed:
    """Seal an already normalised number ("" stays empty)."""
    if not normalised:
        return EMPTY
    token = _cipher().encrypt(normalised.encode()).decode()
    return Sealed(sealed=token, digest=digest(normalised), last4=normalised[-4:])


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _cipher().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:  # a key was removed before the data was re-sealed
        raise ValueError("the number cannot be decrypted with the configured keys") from exc


def mask(last4: str, length: int) -> str:
    return "*" * max(length - len(last4), 0) + last4 if last4 else ""


# --- Normalising what people type --------------------------------------------------------


def normalise_id_number(raw: str) -> str:
    """A resident identity card number (18 characters: region, birth date, sequence,
    check character), upper-case; ``ValidationError`` saying what is wrong."""
    value = "".join((raw or "").split()).replace("-", "").upper()
    if not value:
        return ""
    try:
        return ric.validate(value)
    except StdnumError as exc:
        code = type(exc).__name__
        if code == "InvalidChecksum":
            message = _("The identity card number's check character is wrong.")
        elif code == "InvalidComponent":
            message = _("The identity card number holds no valid birth date or region.")
        else:
            message = _("An identity card number has 18 characters (the last may be X).")
        raise ValidationError(message, code="id_number") from exc
    except KeyError as exc:
        # python-stdnum knows some region codes only in part (a prefecture without its
        # counties) and then fails looking the county up: not a region a card is issued for.
        raise ValidationError(
            _("The identity card number holds no valid birth date or region."), code="id_number"
        ) from exc


def normalise_phone(raw: str) -> str:
    """A mainland Chinese phone number as the 11 digits people write (mobile) or with its
    area code (landline), without spaces; ``ValidationError`` when it is not one."""
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a phone number."), code="phone") from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This is not a valid mainland China phone number."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(
        " ", ""
    )


@register(deploy=True)
def _keys_configured(app_configs, **kwargs):
    missing = [
        name
        for name in ("SANXIAN_DATA_KEYS", "SANXIAN_LOOKUP_KEY")
        if not getattr(settings, name, "")
    ]
    if not missing:
        return []
    return [
        CheckWarning(
            "Personal data keys are derived from SECRET_KEY: set " + " and ".join(missing),
            hint="Generate a data key with: python -c 'from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())'",
            id="sanxian.W001",
        )
    ]
