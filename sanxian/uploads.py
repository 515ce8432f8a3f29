"""Photos uploaded with appeals and action records: checked by content, not by name.

A photo is accepted when it is at most ``SANXIAN_MAX_PHOTO_BYTES`` long, Pillow recognises
it as JPEG, PNG or WebP, and it has at most ``MAX_PIXELS`` pixels (decompression bombs are
refused before decoding). Stored files get random names; they are served only through
views that check the user's scope (``photo_response``).

A photo is written while its record is being saved; when that transaction rolls back the
file stays behind without a record. Models that keep photos name their path fields in
``photo_fields``; ``sweep_orphan_photos`` (a daily job) deletes stored photos that no
such field refers to once they are a day old.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.apps import apps
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


def referenced_photos() -> set[str]:
    """Every stored photo path some record refers to (models with ``photo_fields``)."""
    refs: set[str] = set()
    for model in apps.get_models():
        for name in getattr(model, "photo_fields", ()):
            values = model._base_manager.exclude(**{name: ""}).values_list(name, flat=True)
            refs.update(values.iterator(chunk_size=5000))
    return refs


def sweep_orphan_photos(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete stored photos no record refers to (left by rolled-back submissions) once
    they are older than ``older_than``; return how many were deleted."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    candidates = [
        path
        for path in root.rglob("*")
        if path.suffix in CONTENT_TYPES and path.is_file() and path.stat().st_mtime < cutoff
    ]
    if not candidates:
        return 0
    refs = referenced_photos()
    removed = 0
    for path in candidates:
        if path.relative_to(root).as_posix() not in refs:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
