"""The query log of one request per page: how many queries, their time, the slowest.

``python -m bench.queries PAGES.json`` (DJANGO_SETTINGS_MODULE and the database set by
bench/run.py; PAGES.json as bench.fixtures prints it) requests every page once in process
with Django's test client as the page's user (after one request to warm caches), timing
each query with a database execute wrapper, and prints a JSON list, one object per page:
status, query count, total SQL ms, view ms, the slowest queries with their SQL
(parameters not filled in, shortened), and the functions with the most own time in a
profiled third request (cProfile, which slows the request down: compare them, not the
total).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

SLOWEST = 5
SQL_CHARS = 600
HOT_FUNCTIONS = 8


def hot_functions(client: Any, url: str) -> dict[str, list[dict[str, Any]]]:
    """Where the Python time of one request goes: the functions with the most own time, and
    the product's own functions (and Django's ``render``) with the most cumulative time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename
        for marker in ("site-packages/", "/work/main/", "lib/python3"):
            if marker in where:
                where = where.split(marker, 1)[1]
        rows.append(
            {
                "function": f"{where}:{line}({function})",
                "calls": calls,
                "own_ms": round(tottime * 1000, 2),
                "cumulative_ms": round(cumtime * 1000, 2),
            }
        )
    own = sorted(rows, key=lambda r: -r["own_ms"])[:HOT_FUNCTIONS]
    product = sorted(
        (
            r
            for r in rows
            if (r["function"].startswith("sanxian/") and "middleware" not in r["function"])
            or "shortcuts.py" in r["function"]
        ),
        key=lambda r: -r["cumulative_ms"],
    )[:HOT_FUNCTIONS]
    return {"own": own, "product": product}


class QueryTimer:
    """A database execute wrapper that appends each query's SQL and milliseconds."""

    def __init__(self, into: list[dict[str, Any]]) -> None:
        self.into = into

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            self.into.append({"ms": round(ms, 3), "sql": sql[:SQL_CHARS]})


def profile(pages: list[dict[str, Any]], users: dict[str, str]) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client

    from sanxian.accounts.models import User

    clients: dict[str, Client] = {}
    for key, username in users.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[key] = client
    out = []
    for page in pages:
        client = clients[page["user"]]
        client.get(page["url"])  # warm: templates compiled, scope cached per process
        queries: list[dict[str, Any]] = []
        with connection.execute_wrapper(QueryTimer(queries)):
            started = time.perf_counter()
            response = client.get(page["url"])
            view_ms = (time.perf_counter() - started) * 1000
        slowest = sorted(queries, key=lambda q: -q["ms"])[:SLOWEST]
        out.append(
            {
                "name": page["name"],
                "url": page["url"],
                "status": response.status_code,
                "queries": len(queries),
                "sql_ms": round(sum(q["ms"] for q in queries), 2),
                "view_ms": round(view_ms, 2),
                "slowest": slowest,
                "hot": hot_functions(client, page["url"]),
            }
        )
    return out


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m bench.queries PAGES.json")
    with open(args[0], encoding="utf-8") as f:
        spec = json.load(f)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    result = profile(spec["pages"], spec["users"])
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
