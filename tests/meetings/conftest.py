from __future__ import annotations

import pytest

from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays


@pytest.fixture
def calendar(db):  # type: ignore[no-untyped-def]
    """The official calendars of 2025 and 2026 (2027 left without data)."""
    clear_cache()
    seed_holidays([2025, 2026])
    clear_cache()
    yield
    clear_cache()
