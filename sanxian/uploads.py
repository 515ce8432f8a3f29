"""Photos uploaded with appeals and action records: checked by content, not by name.

A photo is accepted when it is at most ``SANXIAN_MAX_PHOTO_BYTES`` long, Pillow recognises
it as JPEG, PNG or WebP, and it has at most ``MAX_PIXELS`` pixels (decompression bombs are
refused before decoding). Stored files get random names; they are served only through
views that check the user's scope (``photo_response``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
MAX_PIXELS = 40_000_000


def validate_photo(upload: UploadedFile) -> str:
    """Check an uploaded photo; return the file suffix for its format.

    Raises ``ValidationError`` with a message for the user when it is not acceptable.
    """
    limit = int(getattr(settings, "SANXIAN_MAX_PHOTO_BYTES", 5 * 1024 * 1024))
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("The photo is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            fmt = image.format or ""
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("This file is not a photo (JPEG, PNG or WebP)."), code="not_an_image"
        ) from exc
    finally:
        upload.seek(0)
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(
            _("This file is not a photo (JPEG, PNG or WebP)."), code="not_an_image"
        )
    return ALLOWED_FORMATS[fmt]


def store_photo(upload: UploadedFile, *, folder: str) -> str:
    """Validate and save a photo under MEDIA_ROOT/folder; return its relative path."""
    suffix = validate_photo(upload)
    relative = Path(folder) / f"{uuid.uuid4().hex}{suffix}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return relative.as_posix()


def photo_response(relative: str) -> FileResponse:
    """Serve a stored photo (the caller has already checked the user's scope)."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404
    content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
