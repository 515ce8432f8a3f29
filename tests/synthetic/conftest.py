"""A T0 tier generated once per module for the read-only tests (rolled back at the end)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from sanxian.synthetic.generate import Report, generate

SEED = 1


@pytest.fixture(scope="module")
def t0(django_db_setup, django_db_blocker) -> Iterator[Report]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield generate(tier="T0", seed=SEED, workers=0)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
