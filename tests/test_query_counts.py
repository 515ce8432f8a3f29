"""Every list and detail page answers in a fixed number of queries, whatever the data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.world import World, grow

MAX_QUERIES = 15

CASES = [
    ("admin", lambda w: reverse("accounts:home")),
    ("secretary", lambda w: reverse("accounts:home")),
    ("group_leader", lambda w: reverse("accounts:home")),
    ("resident", lambda w: reverse("accounts:home")),
    ("admin", lambda w: reverse("places:detail", args=[w.subdistrict.pk])),
    ("secretary", lambda w: reverse("places:detail", args=[w.north.pk])),
    ("secretary", lambda w: reverse("places:detail", args=[w.block.pk])),
    ("secretary", lambda w: reverse("places:detail", args=[w.building.pk])),
    ("secretary", lambda w: reverse("places:detail", args=[w.building_group.pk])),
    ("secretary", lambda w: reverse("places:detail", args=[w.household.pk])),
    ("resident", lambda w: reverse("places:detail", args=[w.household.pk])),
    ("secretary", lambda w: reverse("places:resident", args=[w.leader.pk])),
    ("secretary", lambda w: reverse("grids:detail", args=[w.grid.pk])),
    ("group_leader", lambda w: reverse("grids:detail", args=[w.grid.pk])),
    ("secretary", lambda w: reverse("places:search") + "?q=w"),
    ("secretary", lambda w: reverse("places:search") + "?q=101"),
    ("secretary", lambda w: reverse("places:search") + "?q=王"),
    ("secretary", lambda w: reverse("party:structure", args=[w.north.pk])),
    ("admin", lambda w: reverse("party:structure", args=[w.subdistrict.pk])),
    ("secretary", lambda w: reverse("places:residents_xlsx", args=[w.north.pk])),
    ("secretary", lambda w: reverse("places:party_members_xlsx", args=[w.north.pk])),
    ("social_worker", lambda w: reverse("places:residents_xlsx", args=[w.block.pk])),
]


def count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_data(login, world: World) -> None:
    before = {}
    for persona, url_of in CASES:
        client = login(persona)
        url = url_of(world)
        before[(persona, url)] = count_queries(client, url)
    grow(world)
    after = {}
    for persona, url_of in CASES:
        client = login(persona)
        url = url_of(world)
        after[(persona, url)] = count_queries(client, url)
    grown = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not grown, f"query counts changed with the data: {grown}"
    too_many = {k: v for k, v in after.items() if v > MAX_QUERIES}
    assert not too_many, f"more than {MAX_QUERIES} queries: {too_many}"
