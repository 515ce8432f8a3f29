"""Concurrency tests run real threads, each with its own database connection (the SQLite
test database is a file in WAL mode, so threads share it)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

from sanxian.places.errors import DomainError


def race(action: Callable[[int], None], n: int = 2) -> list[str]:
    """Run ``action(i)`` in ``n`` threads released together; return each outcome:
    ``"ok"``, ``"refused"`` (a ``DomainError``) or ``"error: …"``."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = ["?"] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            action(i)
            outcomes[i] = "ok"
        except DomainError:
            outcomes[i] = "refused"
        except Exception as exc:
            outcomes[i] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes
