"""The four rates on hand-built data with known values, and the page that shows them.

March 2026 in 北苑 (楼道堆物: contact within 24 hours, resolve within 5 working days):

====  ========================  ===================  =======================  ==============
      filed                     first contact        closed                   rated
====  ========================  ===================  =======================  ==============
A1    Mon 2 Mar 09:00           2 Mar 15:00 (ok)     resolved 5 Mar (ok)      satisfied
A2    Tue 3 Mar 09:00           5 Mar 10:00 (late)   resolved 20 Mar (late)   basically
A3    Wed 4 Mar 09:00           4 Mar 10:00 (ok)     rejected 4 Mar (ok)      satisfied
A4    Mon 9 Mar 09:00           never                open, due 16 Mar         —
A5    Tue 10 Mar 09:00          10 Mar 10:00 (ok)    resolved 11 Mar (ok)     unsatisfied
A6    Tue 31 Mar 20:00          1 Apr (April)        open, due 8 Apr (April)  —
A7    Thu 26 Feb 09:00          26 Feb (February)    open, due 4 Mar          —
A8    Thu 12 Mar 09:00          merged 12 Mar 12:00  merged 12 Mar (ok)       —
S1    南苑, Mon 2 Mar 09:00      never                open, due 9 Mar          —
====  ========================  ===================  =======================  ==============

北苑: response 4/6 (A1 A3 A5 A8 of A1 A2 A3 A4 A5 A8); resolution 2/4 (A1 A2 of the rated
A1 A2 A3 A5); satisfaction 3/4 (A1 A2 A3); on time 4/7 (A1 A3 A5 A8 of closed A1 A2 A3 A5 A8
plus open and overdue A4 A7). The sub-district adds S1: response 4/7, on time 4/8.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanxian.appeals.models import Rating
from sanxian.appeals.selectors import appeal_rates, appeal_rates_by_child
from sanxian.appeals.services import (
    acknowledge_appeal,
    merge_into_issue,
    rate_appeal,
    reject_appeal,
    resolve_appeal,
)
from sanxian.places.models import Place
from tests.appeals.conftest import shanghai, south_resident
from tests.world import World

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
NOW = shanghai(2026, 4, 10, 12, 0)


@pytest.fixture
def march(world: World, make_appeal):  # type: ignore[no-untyped-def]
    staff = world.users["secretary"]
    user = world.users["resident"]

    def handle(filed, contacted=None, resolved=None, rejected=None, rating=None, rated=None):  # type: ignore[no-untyped-def]
        appeal = make_appeal(at=filed)
        if contacted:
            acknowledge_appeal(appeal=appeal, actor=staff, now=contacted)
        if resolved:
            resolve_appeal(appeal=appeal, actor=staff, note="done", now=resolved)
        if rejected:
            reject_appeal(appeal=appeal, actor=staff, reason="no", now=rejected)
        if rating:
            rate_appeal(appeal=appeal, actor=user, rating=rating, now=rated)
        return appeal

    handle(
        shanghai(2026, 3, 2, 9),
        contacted=shanghai(2026, 3, 2, 15),
        resolved=shanghai(2026, 3, 5, 9),
        rating=Rating.SATISFIED,
        rated=shanghai(2026, 3, 6, 9),
    )
    handle(
        shanghai(2026, 3, 3, 9),
        contacted=shanghai(2026, 3, 5, 10),
        resolved=shanghai(2026, 3, 20, 9),
        rating=Rating.BASICALLY_SATISFIED,
        rated=shanghai(2026, 3, 21, 9),
    )
    handle(
        shanghai(2026, 3, 4, 9),
        rejected=shanghai(2026, 3, 4, 10),
        rating=Rating.SATISFIED,
        rated=shanghai(2026, 3, 5, 9),
    )
    handle(shanghai(2026, 3, 9, 9))
    handle(
        shanghai(2026, 3, 10, 9),
        contacted=shanghai(2026, 3, 10, 10),
        resolved=shanghai(2026, 3, 11, 9),
        rating=Rating.UNSATISFIED,
        rated=shanghai(2026, 3, 12, 9),
    )
    a6 = handle(shanghai(2026, 3, 31, 20), contacted=shanghai(2026, 4, 1, 9))
    assert a6.resolution_due_at == shanghai(2026, 4, 8, 23, 59, 59)  # 清明 4–6 April off
    a7 = handle(shanghai(2026, 2, 26, 9), contacted=shanghai(2026, 2, 26, 10))
    assert a7.resolution_due_at == shanghai(2026, 3, 4, 23, 59, 59)  # Saturday 28 Feb worked
    a8 = handle(shanghai(2026, 3, 12, 9))
    merge_into_issue(appeals=[a8], actor=staff, title="楼道堆物", now=shanghai(2026, 3, 12, 12))
    make_appeal(
        at=shanghai(2026, 3, 2, 9), resident=south_resident(world), by=world.users["outsider"]
    )
    return world


def fractions(rates: dict) -> dict[str, tuple[int, int]]:  # type: ignore[type-arg]
    return {k: (v["numerator"], v["denominator"]) for k, v in rates.items()}


@pytest.mark.django_db
def test_rates_of_the_neighborhood(march: World) -> None:
    with CaptureQueriesContext(connection) as ctx:
        rates = appeal_rates(march.north, *MARCH, now=NOW)
    assert len(ctx.captured_queries) == 1
    assert fractions(rates) == {
        "response": (4, 6),
        "resolution": (2, 4),
        "satisfaction": (3, 4),
        "on_time": (4, 7),
    }
    assert rates["on_time"]["closed"] == 5
    assert rates["on_time"]["open_overdue"] == 2
    assert rates["response"]["percent"] == 66.7
    assert rates["resolution"]["rate"] == 0.5
    assert rates["satisfaction"]["percent"] == 75.0
    assert rates["on_time"]["percent"] == 57.1


@pytest.mark.django_db
def test_rates_of_the_subdistrict_and_other_periods(march: World) -> None:
    rates = appeal_rates(march.subdistrict, *MARCH, now=NOW)
    assert fractions(rates)["response"] == (4, 7)
    assert fractions(rates)["on_time"] == (4, 8)
    assert fractions(appeal_rates(march.south, *MARCH, now=NOW)) == {
        "response": (0, 1),
        "resolution": (0, 0),
        "satisfaction": (0, 0),
        "on_time": (0, 1),
    }
    # April: A6 contacted on time and now overdue; nothing rated, nothing closed.
    april = appeal_rates(march.north, date(2026, 4, 1), date(2026, 4, 30), now=NOW)
    assert fractions(april) == {
        "response": (1, 1),
        "resolution": (0, 0),
        "satisfaction": (0, 0),
        "on_time": (0, 1),
    }
    assert april["resolution"]["rate"] is None
    # Before A6's deadline passed, it was not yet overdue.
    early = appeal_rates(march.north, date(2026, 4, 1), date(2026, 4, 30), now=shanghai(2026, 4, 8))
    assert fractions(early)["on_time"] == (0, 0)


@pytest.mark.django_db
def test_rates_by_child_in_one_query(march: World) -> None:
    children = list(Place.objects.get_children(march.subdistrict))
    with CaptureQueriesContext(connection) as ctx:
        by_child = appeal_rates_by_child(march.subdistrict, children, *MARCH, now=NOW)
    assert len(ctx.captured_queries) == 1
    assert fractions(by_child[march.north.pk]) == fractions(
        appeal_rates(march.north, *MARCH, now=NOW)
    )
    assert fractions(by_child[march.south.pk])["response"] == (0, 1)


@pytest.mark.django_db
def test_the_page_shows_values_formulas_and_the_period(login, march: World) -> None:
    client = login("secretary")
    client.cookies["sanxian_language"] = "en"
    url = reverse("appeals:rates", args=[march.north.pk])
    page = client.get(url, {"period": "2026-03"}).content.decode()
    assert 'data-testid="rate-response-fraction">4 / 6<' in page
    assert 'data-testid="rate-response-value">66.7%<' in page
    assert 'data-testid="rate-resolution-fraction">2 / 4<' in page
    assert 'data-testid="rate-satisfaction-value">75.0%<' in page
    assert 'data-testid="rate-on_time-fraction">4 / 7<' in page
    assert "Response rate = appeals first contacted by their contact deadline" in page
    assert "Resolution rate = appeals rated resolved ÷ appeals rated in the period" in page
    assert "Satisfaction rate = (satisfied + basically satisfied) ÷ appeals rated" in page
    assert "On-time rate = closed on time ÷ (closed in the period + open and overdue)" in page
    assert "Period: 1 Mar 2026 to 31 Mar 2026, both days included (Beijing time)" in page
    same = client.get(url, {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert 'data-testid="rate-on_time-fraction">4 / 7<' in same


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"period": "2026-13"},
        {"start": "2026-03-01"},
        {"start": "2026-03-31", "end": "2026-03-01"},
        {"start": "2024-01-01", "end": "2026-03-01"},
        {"start": "garbage", "end": "2026-03-01"},
    ],
)
def test_a_bad_period_is_a_400_with_a_message(login, march: World, params: dict) -> None:  # type: ignore[type-arg]
    client = login("secretary")
    response = client.get(reverse("appeals:rates", args=[march.north.pk]), params)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
