from __future__ import annotations

import pytest

from sanxian.workdays.selectors import clear_cache


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():  # type: ignore[no-untyped-def]
    clear_cache()
    yield
    clear_cache()
