"""Two people clicking at the same moment make one transition (real threads, each with its
own database connection; the SQLite test database is a file in WAL mode)."""

from __future__ import annotations

import pytest

from sanxian.appeals.models import Appeal, AppealEvent, AppealState, EventKind, Rating
from sanxian.appeals.services import (
    acknowledge_appeal,
    merge_into_issue,
    rate_appeal,
    resolve_appeal,
)
from sanxian.issues.models import Issue
from tests.concurrency import race
from tests.world import World


@pytest.mark.django_db(transaction=True)
def test_two_acknowledgements_make_one(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal()
    actors = [world.users["secretary"], world.users["social_worker"]]
    # Both pages were loaded before either click: each thread holds its own copy.
    copies = [Appeal.objects.get(pk=appeal.pk) for _ in actors]

    def click(i: int) -> None:
        acknowledge_appeal(appeal=copies[i], actor=actors[i])

    outcomes = race(click)
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.ACKNOWLEDGED
    assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.ACKNOWLEDGED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_ratings_make_one(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal()
    acknowledge_appeal(appeal=appeal, actor=world.users["secretary"])
    resolve_appeal(appeal=appeal, actor=world.users["secretary"], note="done")
    user = world.users["resident"]
    copies = [Appeal.objects.select_related("category").get(pk=appeal.pk) for _ in range(2)]

    def rate(i: int) -> None:
        rate_appeal(
            appeal=copies[i],
            actor=user,
            rating=Rating.UNSATISFIED,
            reopen=True,
        )

    outcomes = race(rate)
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    appeal.refresh_from_db()
    assert appeal.reopen_count == 1
    assert appeal.state == AppealState.IN_PROGRESS
    assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.REOPENED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_merges_make_one_issue(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    first, second = make_appeal(), make_appeal(text="三楼走廊堆放杂物很多")
    actors = [world.users["secretary"], world.users["admin"]]
    copies = [list(Appeal.objects.filter(pk__in=[first.pk, second.pk])) for _ in actors]

    def merge(i: int) -> None:
        merge_into_issue(appeals=copies[i], actor=actors[i], title=f"楼道堆物 {i}")

    outcomes = race(merge)
    assert sorted(outcomes) == ["ok", "refused"], outcomes
    assert Issue.objects.count() == 1  # the loser's issue was rolled back with it
    assert set(Appeal.objects.values_list("issue_id", flat=True)) == {Issue.objects.get().pk}
