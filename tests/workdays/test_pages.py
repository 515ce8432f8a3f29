"""The calendar page: only the sub-district administrator opens and edits it."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from sanxian.workdays.models import CalendarDay, CalendarYear, DayKind
from sanxian.workdays.selectors import is_working_day
from sanxian.workdays.services import seed_holidays
from tests.world import World

PERSONAS = [
    "admin",
    "secretary",
    "social_worker",
    "group_leader",
    "party_member",
    "resident",
    "outsider",
    "auditor",
    "nobody",
]


@pytest.fixture(autouse=True)
def _seeded(db) -> None:  # type: ignore[no-untyped-def]
    seed_holidays([2026])


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_admin_opens_and_edits_the_calendar(login, world: World, persona: str) -> None:
    client = login(persona)
    allowed = persona == "admin"
    assert client.get(reverse("appeals:calendar", args=[2026])).status_code == (
        200 if allowed else 404
    )
    response = client.post(
        reverse("appeals:calendar_day", args=[2027]),
        {"date": "2027-02-08", "kind": DayKind.HOLIDAY, "name": "春节"},
    )
    assert response.status_code == (302 if allowed else 404)
    assert CalendarDay.objects.filter(date=date(2027, 2, 8)).exists() == allowed
    for name in ("calendar_complete", "calendar_seed"):
        assert client.post(reverse(f"appeals:{name}", args=[2027])).status_code == (
            302 if allowed else 404
        )
    response = client.post(
        reverse("appeals:calendar_day_delete", args=[2027]), {"date": "2027-02-08"}
    )
    assert response.status_code == (302 if allowed else 404)


@pytest.mark.django_db
def test_admin_edits_2027_by_hand(login, world: World) -> None:
    client = login("admin")
    page = client.get(reverse("appeals:calendar", args=[2027])).content.decode()
    assert 'data-testid="calendar-warning"' in page
    client.post(
        reverse("appeals:calendar_day", args=[2027]),
        {"date": "2027-02-08", "kind": DayKind.HOLIDAY, "name": "春节"},
    )
    assert not is_working_day(date(2027, 2, 8))
    client.post(reverse("appeals:calendar_complete", args=[2027]), {"complete": "on"})
    assert CalendarYear.objects.get(year=2027).complete
    page = client.get(reverse("appeals:calendar", args=[2027])).content.decode()
    assert 'data-testid="calendar-warning"' not in page


@pytest.mark.django_db
def test_bad_input_rerenders_and_changes_nothing(login, world: World) -> None:
    client = login("admin")
    count = CalendarDay.objects.count()
    for data in (
        {"date": "2026-13-01", "kind": DayKind.HOLIDAY},
        {"date": "2025-05-01", "kind": DayKind.HOLIDAY},  # another year
        {"date": "2026-03-04", "kind": DayKind.MAKEUP_WORKDAY},  # a Wednesday
        {"date": "2026-03-07", "kind": "nonsense"},
    ):
        response = client.post(reverse("appeals:calendar_day", args=[2026]), data)
        assert response.status_code == 400, data
        assert 'class="errorlist"' in response.content.decode()
    assert CalendarDay.objects.count() == count
    assert client.get(reverse("appeals:calendar_day", args=[2026])).status_code == 405
