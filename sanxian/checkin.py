"""QR check-in shared by meetings, activities and duty shifts.

A check-in code is a link holding a signed token that names one record (salted per kind of
record, so a meeting's token never opens an activity); it is accepted only inside the
record's check-in window. Staff show the link as a QR code (``qr_svg_response``).
"""

from __future__ import annotations

import io
from datetime import datetime

import qrcode
import qrcode.image.svg
from django.core import signing
from django.http import HttpResponse
from django.utils.translation import gettext as _

from sanxian.places.errors import DomainError


def make_token(pk: int, *, salt: str) -> str:
    """The record's code: the same every time it is made, so a QR code printed in the morning
    and the one on the screen at the meeting are one code."""
    return signing.Signer(salt=salt).sign_object(pk)


def read_token(token: str, *, salt: str) -> int:
    """The record id in a genuine token, else ``DomainError``."""
    try:
        if token.count(":") == 2:
            # A code made before codes were fixed per record carried the time it was made.
            pk = signing.loads(token, salt=salt)
        else:
            pk = signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError):
        raise invalid() from None
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise invalid()
    return pk


def invalid() -> DomainError:
    return DomainError(_("This check-in code is not valid."))


def check_window(
    now: datetime, opens: datetime, closes: datetime, *, too_early: str, too_late: str
) -> None:
    """``DomainError`` with the caller's wording when ``now`` is outside the window."""
    if now < opens:
        raise DomainError(too_early)
    if now > closes:
        raise DomainError(too_late)


def qr_svg_response(url: str) -> HttpResponse:
    """The QR code of ``url`` as an SVG image, never cached by shared caches."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response
