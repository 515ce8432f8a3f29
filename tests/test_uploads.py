"""Photos are checked by content and size, and served only from under MEDIA_ROOT."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from sanxian.uploads import photo_response, store_photo, validate_photo


def png_bytes(size: tuple[int, int] = (20, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_real_png_is_accepted_and_stored(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("x.txt", png_bytes(), content_type="text/plain")
    assert validate_photo(upload) == ".png"
    relative = store_photo(upload, folder="actions")
    assert (tmp_path / relative).read_bytes() == png_bytes()
    response = photo_response(relative)
    assert response["Content-Type"] == "image/png"
    response.close()


def test_a_script_named_jpg_is_refused() -> None:
    upload = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", "image/jpeg")
    with pytest.raises(ValidationError) as info:
        validate_photo(upload)
    assert info.value.code == "not_an_image"


def test_an_oversized_photo_is_refused(settings) -> None:
    settings.SANXIAN_MAX_PHOTO_BYTES = 10
    with pytest.raises(ValidationError) as info:
        validate_photo(SimpleUploadedFile("a.png", png_bytes(), "image/png"))
    assert info.value.code == "too_large"


def test_a_decompression_bomb_is_refused(monkeypatch) -> None:
    monkeypatch.setattr("sanxian.uploads.MAX_PIXELS", 100)
    with pytest.raises(ValidationError) as info:
        validate_photo(SimpleUploadedFile("a.png", png_bytes((20, 10)), "image/png"))
    assert info.value.code == "too_many_pixels"


def test_paths_outside_media_root_are_not_served(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "secret.png").write_bytes(png_bytes())
    with pytest.raises(Http404):
        photo_response("../secret.png")
