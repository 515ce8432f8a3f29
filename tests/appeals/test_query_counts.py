"""Every appeal page answers in a fixed number of queries (at most 15), whatever the data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanxian.appeals.models import Appeal, Rating
from sanxian.appeals.services import (
    acknowledge_appeal,
    rate_appeal,
    resolve_appeal,
)
from sanxian.issues.models import IssueSource
from sanxian.issues.services import create_issue
from sanxian.places.models import Place
from tests.appeals.conftest import png
from tests.world import World, grow

MAX_QUERIES = 15


def count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def more_appeals(world: World, make_appeal, n: int) -> None:  # type: ignore[no-untyped-def]
    staff = world.users["secretary"]
    bg = Place.objects.get(pk=world.building_group.pk)
    for i in range(n):
        appeal = make_appeal(
            text=f"{i % 6 + 1}楼楼道堆满杂物", photos=[png()] if i % 3 == 0 else ()
        )
        make_appeal(text="三楼走廊堆放杂物很多", place=bg, by=staff, on_behalf_note="电话")
        if i % 2:
            acknowledge_appeal(appeal=appeal, actor=staff)
            resolve_appeal(appeal=appeal, actor=staff, note="已清理")
            rate_appeal(appeal=appeal, actor=world.users["resident"], rating=Rating.SATISFIED)
    create_issue(place=bg, title=f"议题{n}", source=IssueSource.STAFF, actor=staff)


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_data(login, world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    first = make_appeal(photos=[png()])
    more_appeals(world, make_appeal, 2)
    own = make_appeal(text="楼道灯坏了")
    acknowledge_appeal(appeal=own, actor=world.users["secretary"])
    cases: list[tuple[str, Callable[[], str]]] = [
        ("secretary", lambda: reverse("appeals:list")),
        ("secretary", lambda: reverse("appeals:list") + "?state=open&overdue=on"),
        ("secretary", lambda: reverse("appeals:list") + f"?before={first.pk + 5}"),
        ("group_leader", lambda: reverse("appeals:list")),
        ("secretary", lambda: reverse("appeals:detail", args=[first.pk])),
        ("group_leader", lambda: reverse("appeals:detail", args=[first.pk])),
        ("resident", lambda: reverse("appeals:detail", args=[first.pk])),
        ("resident", lambda: reverse("appeals:detail", args=[own.pk])),
        ("resident", lambda: reverse("appeals:mine")),
        ("resident", lambda: reverse("appeals:new")),
        ("secretary", lambda: reverse("appeals:new_for") + "?q=w"),
        ("secretary", lambda: reverse("appeals:new_for_resident", args=[world.resident.pk])),
        ("secretary", lambda: reverse("appeals:rates", args=[world.north.pk])),
        ("admin", lambda: reverse("appeals:rates", args=[world.subdistrict.pk])),
        (
            "admin",
            lambda: reverse("appeals:rates", args=[world.subdistrict.pk]) + "?period=2026-03",
        ),
        ("admin", lambda: reverse("appeals:calendar", args=[2026])),
    ]

    def measure() -> dict[tuple[str, str], int]:
        result = {}
        for persona, url_of in cases:
            client = login(persona)
            client.get(url_of())  # warm the per-process calendar cache
            result[(persona, url_of())] = count(client, url_of())
        return result

    before = measure()
    grow(world)
    more_appeals(world, make_appeal, 12)
    assert Appeal.objects.count() >= 30  # more than one page of the list
    after = measure()
    grown = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not grown, f"query counts changed with the data: {grown}"
    too_many = {k: v for k, v in after.items() if v > MAX_QUERIES}
    assert not too_many, f"more than {MAX_QUERIES} queries: {too_many}"
