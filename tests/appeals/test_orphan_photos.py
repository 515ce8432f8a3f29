"""A photo written for an appeal whose transaction rolled back is swept a day later;
photos that records refer to, and fresh ones, stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.db import transaction

from sanxian.appeals.models import AppealPhoto
from sanxian.uploads import sweep_orphan_photos
from tests.appeals.conftest import MakeAppeal, png


def _age(path: Path, days: float) -> None:
    past = time.time() - days * 86400
    os.utime(path, (past, past))


def test_rolled_back_photos_are_swept(settings, tmp_path, make_appeal: MakeAppeal) -> None:
    settings.MEDIA_ROOT = tmp_path
    kept = make_appeal(photos=[png()])
    kept_file = tmp_path / AppealPhoto.objects.get(appeal=kept).file

    class Abort(Exception):
        """Raised to roll the second appeal back after its photo was written."""

    with pytest.raises(Abort), transaction.atomic():
        make_appeal(text="楼道灯坏了", photos=[png("b.png")])
        raise Abort
    files = sorted(p for p in tmp_path.rglob("*.png"))
    assert len(files) == 2
    orphan = next(p for p in files if p != kept_file)

    for path in files:
        _age(path, 0)  # written just now, on the product's clock
    assert sweep_orphan_photos() == 0  # too fresh: it may belong to a save in progress
    for path in files:
        _age(path, 2)
    (tmp_path / "notes.txt").write_text("not a photo")
    _age(tmp_path / "notes.txt", 2)
    assert sweep_orphan_photos() == 1
    assert kept_file.exists()
    assert not orphan.exists()
    assert (tmp_path / "notes.txt").exists()
    assert sweep_orphan_photos() == 0
