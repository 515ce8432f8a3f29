"""Health checks (/healthz/, /readyz/) and the PostgreSQL pool's recovery from broken
connections, as a database restart leaves them."""

from __future__ import annotations

from unittest import mock

import psycopg
import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from django.test import Client

from sanxian import dbconfig, health

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.mark.django_db
def test_liveness_answers_without_database_or_cookie(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = Client().get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_reports_database_and_migrations() -> None:
    response = Client().get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}


@pytest.mark.django_db
def test_readiness_fails_when_the_database_does_not_answer() -> None:
    with mock.patch.object(health, "_database", side_effect=OperationalError("gone")):
        response = Client().get("/readyz/")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_readiness_fails_while_a_migration_is_pending(monkeypatch) -> None:
    monkeypatch.setattr(health, "_schema_current", False)
    with mock.patch(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        return_value=[("a migration", False)],
    ):
        response = Client().get("/readyz/")
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"


def test_health_endpoints_refuse_writes() -> None:
    assert Client().post("/healthz/").status_code == 405


ALIAS = "pool_check"  # pools are kept per alias: not the suite's own "default"


def _pooled(health_checks: bool) -> ConnectionHandler:
    config = dbconfig.from_url(f"{PG_SERVER}/postgres", pool=True)
    config["OPTIONS"]["pool"] = dbconfig.postgres_pool_options(min_size=1, max_size=1)
    config["CONN_HEALTH_CHECKS"] = health_checks
    # A handler needs a "default"; only ALIAS is ever connected.
    return ConnectionHandler({"default": dict(config, OPTIONS={}), ALIAS: config})


def _broken_pool_then_query(handler: ConnectionHandler) -> tuple[int, int]:
    """Open a pooled connection, return it to the pool, kill its server process (what a
    restart does to every open connection), then use the pool again."""
    connection = handler[ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            first = cursor.fetchone()[0]
        connection.close()  # back to the pool, as at the end of a request
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [first])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            second = cursor.fetchone()[0]
        return first, second
    finally:
        connection.close()
        connection.close_pool()


def test_pool_replaces_a_connection_the_server_dropped(django_db_blocker) -> None:
    """With the product's settings a killed connection is noticed when it leaves the pool
    and replaced: the next request does not fail."""
    assert dbconfig.from_url(f"{PG_SERVER}/postgres", pool=True)["CONN_HEALTH_CHECKS"]
    with django_db_blocker.unblock():
        first, second = _broken_pool_then_query(_pooled(health_checks=True))
    assert second != first


def test_without_the_check_a_dropped_connection_fails_a_request(django_db_blocker) -> None:
    """The same pool without the check hands out the dead connection (the case the check
    exists for)."""
    with django_db_blocker.unblock(), pytest.raises(OperationalError):
        _broken_pool_then_query(_pooled(health_checks=False))
