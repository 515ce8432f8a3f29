from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sanxian.appeals.models import AppealCategory
from tests.dashboards.helpers import get_category


@pytest.fixture
def category(db) -> AppealCategory:  # type: ignore[no-untyped-def]
    return get_category()


@pytest.fixture
def mid_month() -> Iterator[None]:
    """The 20th of a month, whatever today's date: pages that show this month by default
    then hold data put 1–11 days back."""
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield
