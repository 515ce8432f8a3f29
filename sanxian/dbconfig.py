"""The database settings: the embedded SQLite file by default, PostgreSQL from DATABASE_URL.

Kept apart from settings.py so that tests can build the configuration a deployment gets from
its environment and open real connections with it.
"""

from __future__ import annotations

from typing import Any

import dj_database_url

POOL_MIN_SIZE = 2
POOL_MAX_SIZE = 10


def postgres_pool_options(min_size: int = POOL_MIN_SIZE, max_size: int = POOL_MAX_SIZE) -> dict:
    """Options of the psycopg connection pool of one web or worker process.

    Django checks every connection (a round trip) when it leaves the pool because
    ``CONN_HEALTH_CHECKS`` is on (see ``from_url``), so connections that a database restart or
    failover broke are replaced before a request uses them, rather than failing one request
    each.
    """
    return {
        "min_size": min_size,
        "max_size": max_size,
        # A request waits at most this long for a free connection, then fails clearly.
        "timeout": 10,
        # Connections are renewed now and then so that none lives forever.
        "max_lifetime": 30 * 60,
    }


def from_url(url: str, pool: bool) -> dict[str, Any]:
    """The default database from a URL; with ``pool``, PostgreSQL gets a connection pool.

    Without a pool every request opens its own connection and closes it at the end
    (``conn_max_age=0``). ``conn_health_checks`` makes a reused connection prove it is alive —
    with a pool, every connection handed out by it.
    """
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        if pool:
            options["pool"] = postgres_pool_options()
    return config
