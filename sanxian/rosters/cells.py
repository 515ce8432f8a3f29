"""Turning one spreadsheet cell into a clean value, or a reason why it cannot be one.

Every function takes the value the reader produced (``str``, ``int``, ``float``, ``bool``,
``date``/``datetime``, ``Formula`` or ``CellError``) and returns the clean value or raises
``CellProblem(code, **params)``; ``reasons.py`` words each code for the user.

Identity card and phone numbers are checked by the same libraries as everywhere else
(python-stdnum's ``cn.ric`` and phonenumbers, through ``sanxian.personal_data``). Two fast
paths keep a 100,000-row roster quick and give the same answers (a property test holds
them to it): the birth-place lookup of an identity card number is remembered per region
and year, and an 11-digit mobile number is checked against phonenumbers' own patterns for
+86, compiled once into one expression (what ``is_valid_number`` decides, without its
parser and its walk through the number types). Anything the fast path does not accept goes through
the full check, which names what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import PhoneMetadata, PhoneNumber
from pypinyin import lazy_pinyin
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from sanxian import personal_data
from sanxian.rosters.reader import CellError, Formula

FORMULA_STARTS = ("=", "+", "-", "@")
ID_NUMBER_LENGTH = 18
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00)?)?$"
)
_SPACES = re.compile(r"\s+")


class CellProblem(Exception):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def text(value: object, *, max_length: int) -> str:
    """Text as typed, trimmed; numbers become their digits (101 → "101")."""
    if type(value) is str:  # nearly every cell: the text branch below, without the tests
        result = value.strip()
        if "  " in result or not result.isprintable():
            result = _SPACES.sub(" ", result).strip()
        if result.startswith(FORMULA_STARTS):
            raise CellProblem("formula_text")
        if len(result) > max_length:
            raise CellProblem("too_long", limit=max_length)
        return result
    if isinstance(value, Formula):
        raise CellProblem("formula")
    if isinstance(value, CellError):
        raise CellProblem("cell_error", value=value.code)
    if isinstance(value, bool):
        raise CellProblem("not_text")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellProblem("not_text")
        value = int(value)
    if isinstance(value, int):
        result = str(value)
    elif isinstance(value, (date, datetime)):
        raise CellProblem("not_text")
    else:
        result = str(value).strip()
        if "  " in result or not result.isprintable():  # line breaks, 全角 spaces …
            result = _SPACES.sub(" ", result).strip()
        if result.startswith(FORMULA_STARTS):
            raise CellProblem("formula_text")
    if len(result) > max_length:
        raise CellProblem("too_long", limit=max_length)
    return result


def _plain(value: object) -> str:
    """Text with full-width digits and letters made plain (３１０ → 310)."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def integer(value: object, *, low: int, high: int) -> int:
    if isinstance(value, Formula):
        raise CellProblem("formula")
    if isinstance(value, (bool, date, datetime, CellError)):
        raise CellProblem("not_integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellProblem("not_integer")
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        raw = _plain(value)
        if raw.startswith(("=", "+", "@")):
            raise CellProblem("formula_text")
        if raw.endswith(("层", "楼")):
            raw = raw[:-1].strip()
        try:
            number = int(raw)
        except ValueError as exc:
            raise CellProblem("not_integer") from exc
    if not low <= number <= high:
        raise CellProblem("out_of_range", low=low, high=high)
    return number


def day(value: object, *, latest: date | None = None) -> date:
    """A date: a real spreadsheet date, or text such as 2024-03-05, 2024/3/5, 2024年3月5日."""
    if isinstance(value, Formula):
        raise CellProblem("formula")
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, str):
        raw = _plain(value)
        if raw.startswith(FORMULA_STARTS):
            raise CellProblem("formula_text")
        match = _DATE.match(raw)
        if match is None:
            raise CellProblem("not_a_date")
        try:
            result = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError as exc:
            raise CellProblem("not_a_date") from exc
    else:
        # A bare number: a spreadsheet date whose cell lost its date format, or a typo.
        raise CellProblem("not_a_date")
    if result.year < 1900:
        raise CellProblem("not_a_date")
    if latest is not None and result > latest:
        raise CellProblem("date_in_future")
    return result


def choice(value: object, options: dict[str, str], aliases: dict[str, str] | None = None) -> str:
    """The stored value of one of the drop-down's labels (or of an earlier name of one)."""
    if isinstance(value, Formula):
        raise CellProblem("formula")
    raw = "".join(str(value).split()) if not isinstance(value, CellError) else ""
    if raw.startswith(FORMULA_STARTS):
        raise CellProblem("formula_text")
    found = options.get(raw)
    if found is None and aliases:
        found = aliases.get(raw)
    if found is None:
        labels = list(dict.fromkeys(options))
        raise CellProblem("not_a_choice", choices="、".join(labels))
    return found


# --- Identity card numbers -------------------------------------------------------------


def _valid_birth_date(number: str) -> bool:
    """Digits 7–14 form a real date (as ``ric.get_birth_date`` requires)."""
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=8192)
def _region_valid_in(region_and_year: str) -> bool:
    """Whether the region code (first six digits) existed in the birth year; the answer
    depends on nothing else, so it is remembered."""
    try:
        ric.get_birth_place(region_and_year + "01010000")
    except (StdnumError, KeyError):  # KeyError: a code python-stdnum knows only in part
        return False
    return True


def id_number(value: object) -> str:
    """A resident identity card number, upper-case (``personal_data`` rules)."""
    if isinstance(value, Formula):
        raise CellProblem("formula")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Excel keeps 15 significant digits: an 18-digit number typed into a number cell
        # has already lost its last digits.
        raise CellProblem("id_as_number")
    if not isinstance(value, str):
        raise CellProblem("id_format")
    raw = _plain(value)
    if raw.startswith(FORMULA_STARTS):
        raise CellProblem("formula_text")
    number = "".join(raw.split()).replace("-", "").upper()
    body = number[:-1]
    if (
        len(number) == ID_NUMBER_LENGTH
        and body.isascii()
        and body.isdigit()
        and number[-1] == ric.calc_check_digit(number)
        and _valid_birth_date(number)
        and _region_valid_in(number[:10])
    ):
        return number
    try:
        return personal_data.normalise_id_number(number)
    except KeyError as exc:
        # python-stdnum fails this way on a few region codes it knows only in part.
        raise CellProblem("id_birth") from exc
    except ValidationError as exc:
        cause = type(exc.__cause__).__name__
        code = {"InvalidChecksum": "id_checksum", "InvalidComponent": "id_birth"}.get(
            cause, "id_format"
        )
        raise CellProblem(code) from exc


def id_is_male(number: str) -> bool:
    """The 17th character of an identity card number is odd for men, even for women."""
    return int(number[16]) % 2 == 1


def id_birth_year(number: str) -> int:
    return int(number[6:10])


# --- Phone numbers ---------------------------------------------------------------------

_MOBILE = re.compile(r"^1\d{10}$")


def _mobile_check() -> Callable[[str], bool]:
    """``phonenumbers.is_valid_number`` for an 11-digit national number of +86, in one
    step. The library finds the region (86 has only CN), then calls a number valid when it
    matches the region's general pattern and the pattern of any one number type whose
    possible lengths allow 11 digits (``_number_type_helper``). The same patterns, taken
    from the library's metadata, are compiled here once into one alternation."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(86, ())
    metadata = PhoneMetadata.metadata_for_region("CN", None)
    if tuple(regions) != ("CN",) or metadata is None:  # pragma: no cover - other metadata

        def library(raw: str) -> bool:
            return phonenumbers.is_valid_number(
                PhoneNumber(country_code=86, national_number=int(raw))
            )

        return library

    def pattern(desc: Any) -> str | None:
        if desc is None or not desc.national_number_pattern:
            return None
        if desc.possible_length and 11 not in desc.possible_length:
            return None
        return str(desc.national_number_pattern)

    general = pattern(metadata.general_desc)
    kinds = [
        p
        for p in map(
            pattern,
            (
                metadata.premium_rate,
                metadata.toll_free,
                metadata.shared_cost,
                metadata.voip,
                metadata.personal_number,
                metadata.pager,
                metadata.uan,
                metadata.voicemail,
                metadata.fixed_line,
                metadata.mobile,
            ),
        )
        if p is not None
    ]
    if general is None or not kinds:  # pragma: no cover - no 11-digit numbers at all

        def never(raw: str) -> bool:
            return False

        return never
    in_general = re.compile(general).fullmatch
    of_a_kind = re.compile("|".join(f"(?:{p})" for p in kinds)).fullmatch

    def check(raw: str) -> bool:
        return in_general(raw) is not None and of_a_kind(raw) is not None

    return check


_valid_mobile = _mobile_check()


def phone(value: object) -> str:
    """A mainland mobile (11 digits) or landline with its area code (``personal_data``)."""
    if isinstance(value, Formula):
        raise CellProblem("formula")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise CellProblem("phone")
    raw = _plain(value)
    if raw.startswith(FORMULA_STARTS):
        raise CellProblem("formula_text")
    if _MOBILE.match(raw) and _valid_mobile(raw):
        return raw
    try:
        return personal_data.normalise_phone(raw)
    except ValidationError as exc:
        raise CellProblem("phone") from exc


# --- Names ---------------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def name_pinyin(name: str) -> tuple[str, str]:
    """``places.services.name_pinyin`` in one pass of pypinyin instead of two: the
    initials are the first letters of the same syllables (a property test holds the two
    to the same answers)."""
    syllables = lazy_pinyin(name, errors="ignore")
    return "".join(syllables).lower(), "".join(s[:1] for s in syllables).lower()
