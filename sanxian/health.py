"""Health checks for load balancers, orchestrators and monitoring.

- ``/healthz/``: the process answers (no database, no session) — a liveness probe.
- ``/readyz/``: the process can serve: the database answers and every migration is applied —
  a readiness probe; 503 with the failing part named otherwise, so a balancer stops sending
  requests to a web process whose database is gone or whose code is ahead of the schema.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Migrations checked once per process: the schema does not go back once it has caught up.
_schema_current = False


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _migrations() -> str:
    global _schema_current
    if not _schema_current:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return "pending"
        _schema_current = True
    return "ok"


@never_cache
@require_safe
def liveness(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def readiness(request: HttpRequest) -> JsonResponse:
    checks = {"database": "unavailable", "migrations": "unknown"}
    try:
        checks["database"] = _database()
        checks["migrations"] = _migrations()
    except DatabaseError:
        logger.exception("readiness check: the database did not answer")
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )
