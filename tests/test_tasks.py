"""Background work: a task enqueued in the database is run by the worker command."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from sanxian.party.tasks import structure_gap_count
from sanxian.places.models import Place
from tests.world import World


@pytest.mark.django_db(transaction=True)
def test_worker_runs_an_enqueued_task(world: World) -> None:
    bg = world.building_group
    Place.objects.filter(pk=bg.pk).update(grid=None)  # a gap the check will find
    result = structure_gap_count.enqueue(world.north.pk)
    assert result.status == TaskResultStatus.READY

    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    counts = result.return_value
    assert counts["error"] + counts["warning"] >= 1
