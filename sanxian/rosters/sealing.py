"""Sealing the numbers and spelling the names of new residents, beside the import.

For each new resident the import seals two numbers (Fernet, ``personal_data.seal``) and
spells the name in pinyin: about half of the work per row that is not the database's. A
large import hands this to one helper process (forked, so it has the same settings and keys)
while it reads and checks the next chunk, which puts the machine's second core to work.

The helper is used only when the process has a single thread (the management command, a
gunicorn sync worker): forking a process that runs other threads can copy a lock another
thread holds. Otherwise, and for small chunks, the same function runs in place.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from django.conf import settings

from sanxian import personal_data
from sanxian.rosters import cells

# (name, identity card number, phone or None) → (pinyin, initials, sealed id number, its
# digest, its last four, sealed phone, its digest, its last four)
Sealed = tuple[str, str, str, str, str, str, str, str]
# Chunks with fewer new residents than this are sealed in place.
HELPER_FROM = 200


def seal_rows(rows: list[tuple[str, str, str | None]]) -> list[Sealed]:
    result: list[Sealed] = []
    for name, number, phone in rows:
        full, initials = cells.name_pinyin(name)
        sealed = personal_data.seal(number)
        sealed_phone = personal_data.seal(phone) if phone else personal_data.EMPTY
        result.append(
            (
                full,
                initials,
                sealed.sealed,
                sealed.digest,
                sealed.last4,
                sealed_phone.sealed,
                sealed_phone.digest,
                sealed_phone.last4,
            )
        )
    return result


def helper_allowed() -> bool:
    return bool(getattr(settings, "SANXIAN_IMPORT_HELPER", True)) and (
        threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    )


class Sealer:
    """Hands chunks of new residents to ``seal_rows``, in the helper process when allowed."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._allowed: bool | None = None

    def submit(self, rows: list[tuple[str, str, str | None]]) -> Future[list[Sealed]]:
        if len(rows) >= HELPER_FROM:
            if self._allowed is None:
                self._allowed = helper_allowed()
            if self._allowed:
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(
                        max_workers=1, mp_context=multiprocessing.get_context("fork")
                    )
                return self._pool.submit(seal_rows, rows)
        done: Future[list[Sealed]] = Future()
        done.set_result(seal_rows(rows))
        return done

    @property
    def in_helper(self) -> bool:
        return self._pool is not None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Sealer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
