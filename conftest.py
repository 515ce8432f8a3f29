"""Shared by the unit tests (``tests/``) and the browser tests (``e2e/``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine


@pytest.fixture(autouse=True, scope="session")
def _clock() -> Iterator[None]:
    """``SANXIAN_TEST_CLOCK=2026-11-29T21:30+08:00`` runs the suite from that moment on (the
    clock keeps ticking), so behaviour that depends on the time of day can be tried at any
    hour: in the evening tonight's shifts have started, after midnight "today" is new."""
    moment = os.environ.get("SANXIAN_TEST_CLOCK")
    if not moment:
        yield
        return
    with time_machine.travel(datetime.fromisoformat(moment), tick=True):
        yield
