"""Two refreshes at once (the scheduler and a "refresh now" click) both finish, and the
table is what one refresh makes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sanxian.dashboards.models import DailyRollup, RollupRun
from sanxian.dashboards.services import refresh_all
from sanxian.issues.models import IssueState
from tests.dashboards.helpers import add_issue
from tests.world import build_world


@pytest.mark.django_db(transaction=True)
def test_simultaneous_refreshes() -> None:
    world = build_world()
    now = timezone.now()
    for days in range(1, 30, 3):
        add_issue(
            world.building,
            [
                (IssueState.COLLECTED.value, now - timedelta(days=days + 5)),
                (IssueState.THINK.value, now - timedelta(days=days)),
            ],
        )
    refresh_all()
    expected = sorted(DailyRollup.objects.values_list("node", "day", "metric", "value"))
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            refresh_all()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(DailyRollup.objects.values_list("node", "day", "metric", "value")) == expected
    assert RollupRun.objects.filter(error="").count() == 3
