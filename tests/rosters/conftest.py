from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Uploads go to a folder of the test's own."""
    settings.SANXIAN_PRIVATE_ROOT = tmp_path / "private"
