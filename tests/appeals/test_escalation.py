"""Overdue appeals escalate up the tree (block → neighborhood → sub-district); running the
escalation twice at the same time does nothing more than running it once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus

from sanxian.appeals.models import AppealEvent, EscalationLevel, EventKind
from sanxian.appeals.services import (
    acknowledge_appeal,
    escalate_overdue,
    escalation_target,
    resolve_appeal,
)
from sanxian.appeals.tasks import escalate_overdue_appeals
from tests.appeals.conftest import shanghai
from tests.world import World


@pytest.mark.django_db
def test_escalation_steps_up_the_tree(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    # 楼道堆物, filed Monday 3 Nov 2025 09:00: contact by 4 Nov 09:00, resolve by the end of
    # Monday 10 Nov; the sub-district takes over after 5 more working days (17 Nov).
    appeal = make_appeal(at=shanghai(2025, 11, 3, 9, 0))
    quiet = make_appeal(at=shanghai(2025, 11, 3, 9, 0), text="另一件事")
    acknowledge_appeal(appeal=quiet, actor=world.users["secretary"], now=shanghai(2025, 11, 3, 10))

    assert escalate_overdue(now=shanghai(2025, 11, 4, 8, 0)) == 0
    # An hour after the contact deadline: to the block.
    assert escalate_overdue(now=shanghai(2025, 11, 4, 10, 0)) == 1
    assert escalate_overdue(now=shanghai(2025, 11, 4, 10, 0)) == 0  # same hour: nothing more
    assert escalate_overdue(now=shanghai(2025, 11, 4, 10, 30)) == 0
    appeal.refresh_from_db()
    assert appeal.escalation_level == EscalationLevel.BLOCK
    assert appeal.escalated_to_id == world.block.pk
    assert appeal.escalated_path == world.block.path

    # The day after the resolution deadline: both open appeals go to the neighborhood.
    assert escalate_overdue(now=shanghai(2025, 11, 11, 9, 0)) == 2
    appeal.refresh_from_db()
    assert appeal.escalation_level == EscalationLevel.NEIGHBORHOOD
    assert appeal.escalated_to_id == world.north.pk

    assert escalate_overdue(now=shanghai(2025, 11, 17, 12, 0)) == 0
    assert escalate_overdue(now=shanghai(2025, 11, 18, 0, 30)) == 2
    appeal.refresh_from_db()
    assert appeal.escalation_level == EscalationLevel.SUBDISTRICT
    assert appeal.escalated_to_id == world.subdistrict.pk
    assert escalate_overdue(now=shanghai(2025, 11, 30, 0, 0)) == 0

    levels = list(
        AppealEvent.objects.filter(appeal=appeal, kind=EventKind.ESCALATED)
        .order_by("id")
        .values_list("level", "place_id")
    )
    assert levels == [
        (EscalationLevel.BLOCK, world.block.pk),
        (EscalationLevel.NEIGHBORHOOD, world.north.pk),
        (EscalationLevel.SUBDISTRICT, world.subdistrict.pk),
    ]


@pytest.mark.django_db
def test_closed_and_contacted_appeals_are_left_alone(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    staff = world.users["secretary"]
    closed = make_appeal(at=shanghai(2025, 11, 3, 9, 0))
    acknowledge_appeal(appeal=closed, actor=staff, now=shanghai(2025, 11, 3, 9, 30))
    resolve_appeal(appeal=closed, actor=staff, note="ok", now=shanghai(2025, 11, 3, 11, 0))
    assert escalation_target(closed, shanghai(2026, 1, 1)) == EscalationLevel.NONE
    contacted = make_appeal(at=shanghai(2025, 11, 3, 9, 0))
    acknowledge_appeal(appeal=contacted, actor=staff, now=shanghai(2025, 11, 3, 9, 30))
    assert escalation_target(contacted, shanghai(2025, 11, 5)) == EscalationLevel.NONE
    assert escalate_overdue(now=shanghai(2025, 11, 5)) == 0


@pytest.mark.django_db
def test_the_command_runs_the_task_now(world: World, make_appeal, capsys) -> None:  # type: ignore[no-untyped-def]
    make_appeal(at=timezone.now() - timedelta(days=2))
    call_command("escalate_overdue")
    call_command("escalate_overdue")
    out = capsys.readouterr().out.splitlines()
    assert out == ["1 appeal(s) escalated", "0 appeal(s) escalated"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_task_twice_with_one_effect(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal(at=timezone.now() - timedelta(days=2))
    first = escalate_overdue_appeals.enqueue()
    second = escalate_overdue_appeals.enqueue()
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    first.refresh()
    second.refresh()
    assert first.status == second.status == TaskResultStatus.SUCCESSFUL
    assert sorted([first.return_value, second.return_value]) == [0, 1]
    appeal.refresh_from_db()
    assert appeal.escalation_level == EscalationLevel.BLOCK
    assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.ESCALATED).count() == 1
