"""Appeal tests: the official calendar and the default categories are seeded for every
test (transactional tests flush what the data migrations wrote), photos go to a temporary
MEDIA_ROOT, and ``make_appeal`` files appeals at a chosen time."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sanxian.accounts.models import User
from sanxian.appeals.models import Appeal, AppealCategory
from sanxian.appeals.services import file_appeal, seed_default_categories
from sanxian.places.models import Place, Resident
from sanxian.workdays.selectors import SHANGHAI, clear_cache
from sanxian.workdays.services import seed_holidays
from tests.world import World


@pytest.fixture(autouse=True)
def _appeal_data(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_cache()
    seed_holidays([2024, 2025, 2026])
    seed_default_categories()
    yield
    clear_cache()


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def png(name: str = "p.png", size: tuple[int, int] = (30, 20)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 160, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def category(name: str = "楼道堆物") -> AppealCategory:
    return AppealCategory.objects.get(name=name)


MakeAppeal = Callable[..., Appeal]


@pytest.fixture
def make_appeal(world: World) -> MakeAppeal:
    """``make_appeal(text=…, place=…, resident=…, by=user, at=datetime, …)``."""

    def _make(
        *,
        text: str = "3楼楼道堆满杂物",
        place: Place | None = None,
        resident: Resident | None = None,
        by: User | None = None,
        at: datetime | None = None,
        category_name: str = "楼道堆物",
        **kwargs: Any,
    ) -> Appeal:
        resident = resident or world.resident
        by = by or world.users["resident"]
        on_behalf = by.resident_id != resident.pk
        return file_appeal(
            category=category(category_name),
            text=text,
            place=place or resident.household,
            resident=resident,
            filed_by=by,
            on_behalf=on_behalf,
            now=at,
            **kwargs,
        )

    return _make


def south_resident(world: World) -> Resident:
    return Resident.objects.filter(path__startswith=world.south_household.path).first()  # type: ignore[return-value]
