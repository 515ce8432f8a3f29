"""Every periodic job, run a second time over the same data, changes nothing more: a job
enqueued twice (two schedulers, a worker restarted mid-run and the task retried) has the
effect of one run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string

from sanxian.appeals.models import AppealCategory
from sanxian.appeals.services import file_appeal, seed_default_categories
from sanxian.periodic.jobs import JOBS
from sanxian.places.services import record_departure
from sanxian.workdays.selectors import clear_cache
from sanxian.workdays.services import seed_holidays
from tests.world import World

# Records of the runs themselves, not of their effect.
RUN_RECORDS = {"audit.auditevent", "dashboards.rolluprun", "periodic.periodicrun"}


def _state() -> dict[str, list[tuple]]:
    """Every row of every model of the product, as plain values without its id (roll-ups
    are rewritten as new rows with the same values: the same effect)."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if not label.startswith(tuple(f"{a}." for a in _product_apps())) or label in RUN_RECORDS:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not f.primary_key
            and (not isinstance(f, models.DateTimeField) or f.name != "computed_at")
        ]
        state[label] = sorted(model.objects.values_list(*fields), key=repr)
    return state


def _product_apps() -> list[str]:
    return [c.label for c in apps.get_app_configs() if c.name.startswith("sanxian.")]


@pytest.fixture
def busy_world(world: World) -> World:
    """Something for every job to do: an overdue appeal, a departed resident, cycles and
    duty rosters to generate, roll-ups to compute."""
    clear_cache()
    year = timezone.localdate().year
    seed_holidays([year - 1, year, year + 1])
    seed_default_categories()
    file_appeal(
        category=AppealCategory.objects.filter(active=True).first(),
        text="楼道灯坏了很久",
        place=world.household,
        resident=world.resident,
        filed_by=world.users["resident"],
        now=timezone.now() - timedelta(days=30),
    )
    record_departure(
        resident=world.leader,
        on=timezone.localdate() - timedelta(days=800),
        actor=world.users["secretary"],
    )
    return world


@pytest.mark.django_db(transaction=True)
def test_every_job_run_twice_takes_effect_once(busy_world: World) -> None:
    changed = set()
    for job in JOBS:
        task = import_string(job.task_path)
        before = _state()
        task.call()
        after_first = _state()
        if after_first != before:
            changed.add(job.name)
        task.call()
        assert _state() == after_first, f"{job.name} changed more on its second run"
    # The data gave these jobs work to do: their first run did change something.
    assert changed >= {
        "escalate_overdue_appeals",
        "refresh_rollups",
        "generate_cycle_meetings",
        "erase_departed_residents",
    }, changed
