"""The dashboard's list of overdue appeals is exactly the first rows of the plain filter
(``open_overdue_q`` under the node, most overdue first), though it is read from small
candidate sets per state and deadline."""

from __future__ import annotations

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxian.appeals.models import Appeal, AppealState
from sanxian.appeals.selectors import open_overdue_q
from sanxian.dashboards.selectors import OVERDUE_LIMIT, overdue_appeals
from sanxian.places.paths import any_subtree_q
from tests.dashboards.helpers import NOW, add_appeal, at, get_category
from tests.world import World

PLACES = ["north", "south", "block", "building", "household", "south_household"]

overdue_cases = st.lists(
    st.fixed_dictionaries(
        {
            "place": st.sampled_from(PLACES),
            # Hours before NOW the appeal was filed (some after NOW: deadlines still ahead).
            "created": st.integers(-48, 24 * 40),
            "response_hours": st.sampled_from([1, 24, 72]),
            "resolution_hours": st.sampled_from([24, 24 * 5, 24 * 20]),
            "contacted_after": st.none() | st.integers(0, 96),
            "state": st.sampled_from([s for s in AppealState.values if s != AppealState.MERGED]),
        }
    ),
    max_size=30,
)


def expected(where, limit: int) -> list[int]:  # type: ignore[no-untyped-def]
    return list(
        Appeal.objects.filter(where)
        .filter(open_overdue_q(NOW))
        .order_by("resolution_due_at", "id")
        .values_list("id", flat=True)[:limit]
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=overdue_cases)
def test_overdue_list_is_the_plain_filters_first_rows(world: World, cases: list[dict]) -> None:
    with transaction.atomic():
        category = get_category()
        for case in cases:
            add_appeal(
                getattr(world, case["place"]),
                category,
                created=at(case["created"]),
                response_hours=case["response_hours"],
                resolution_hours=case["resolution_hours"],
                contacted_after=case["contacted_after"],
                state=case["state"],
                closed_after=5,
                rating="",
                rated_after=None,
            )
        for place in (world.subdistrict, world.north, world.block, world.household):
            where = any_subtree_q([place.path])
            rows, more = overdue_appeals(where, NOW)
            first = expected(where, OVERDUE_LIMIT + 1)
            assert [a.pk for a in rows] == first[:OVERDUE_LIMIT], place.name
            assert more == (len(first) > OVERDUE_LIMIT), place.name
        transaction.set_rollback(True)


def test_more_than_a_page_of_overdue_appeals_in_one_state(world: World) -> None:
    category = get_category()
    for n in range(OVERDUE_LIMIT + 3):
        add_appeal(
            world.building,
            category,
            created=at(24 * 30 + n),
            response_hours=24,
            resolution_hours=24 * 5,
            contacted_after=None,
            state=AppealState.SUBMITTED,
            closed_after=None,
            rating="",
            rated_after=None,
        )
    where = any_subtree_q([world.north.path])
    rows, more = overdue_appeals(where, NOW)
    assert more
    assert [a.pk for a in rows] == expected(where, OVERDUE_LIMIT)
    assert len(rows) == OVERDUE_LIMIT
