from __future__ import annotations

import pytest

from sanxian.appeals.models import AppealCategory
from tests.dashboards.helpers import get_category


@pytest.fixture
def category(db) -> AppealCategory:  # type: ignore[no-untyped-def]
    return get_category()
