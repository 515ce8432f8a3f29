"""Setting the monthly cycle from the product: who may, what bad input does, and how the
upcoming meetings follow the new rule."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sanxian.meetings import services
from sanxian.meetings.models import CycleRule, InviteeGroup, Meeting, MeetingKind
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


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "collection_day": 6,
        "collection_time": "18:30",
        "collection_invitees": [InviteeGroup.GRID_TEAMS, InviteeGroup.PARTY_BACKBONES],
        "deliberation_day": 16,
        "deliberation_time": "19:00",
        "deliberation_invitees": [InviteeGroup.PARTY_MEMBERS],
        "consultation_day": 26,
        "consultation_time": "14:00",
        "consultation_invitees": [InviteeGroup.GRID_TEAMS],
        "duration_minutes": 90,
        "venue": "江南亲邻驿家",
        "quorum_percent": 60,
        "holiday_policy": "keep",
        "action": "save",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_set_the_cycle(world: World, login, persona: str) -> None:
    client = login(persona)
    north = client.get(reverse("meetings:cycle_rule", args=[world.north.pk]))
    sub = client.get(reverse("meetings:cycle_rule", args=[world.subdistrict.pk]))
    assert north.status_code == (200 if persona in {"admin", "secretary"} else 404)
    assert sub.status_code == (200 if persona == "admin" else 404)
    posted = client.post(reverse("meetings:cycle_rule", args=[world.north.pk]), form_data())
    assert posted.status_code == (302 if persona in {"admin", "secretary"} else 404)
    assert CycleRule.objects.filter(place=world.north).exists() == (
        persona in {"admin", "secretary"}
    )
    listing = client.get(reverse("meetings:list"))
    assert (f'data-testid="cycle-rule-{world.north.pk}"' in listing.text) == (
        persona in {"admin", "secretary"}
    )


def test_a_block_has_no_cycle_of_its_own(world: World, login) -> None:
    client = login("admin")
    assert client.get(reverse("meetings:cycle_rule", args=[world.block.pk])).status_code == 404


@pytest.mark.parametrize(
    "changes",
    [
        {"collection_day": 0},
        {"collection_day": 31},
        {"deliberation_day": "fifteen"},
        {"collection_time": "25:00"},
        {"consultation_invitees": []},
        {"consultation_invitees": ["everyone"]},
        {"consultation_invitees": [InviteeGroup.WALK_IN]},
        {"quorum_percent": 0},
        {"quorum_percent": 101},
        {"duration_minutes": 5},
        {"holiday_policy": "skip"},
        {"deliberation_day": 6},  # same day as the collection meeting
        {"venue": ""},
    ],
)
def test_bad_input_is_named_and_changes_nothing(world: World, login, changes) -> None:
    client = login("secretary")
    url = reverse("meetings:cycle_rule", args=[world.north.pk])
    response = client.post(url, form_data(**changes))
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert not CycleRule.objects.filter(place=world.north).exists()


def test_saving_reschedules_upcoming_meetings_without_records(world: World, calendar) -> None:
    today = date(2026, 10, 1)
    services.generate_meetings(months=2, today=today)
    before = Meeting.objects.filter(place=world.north, kind=MeetingKind.COLLECTION)
    assert sorted(m.scheduled_for for m in before) == [date(2026, 10, 5), date(2026, 11, 5)]
    # The November collection meeting already has an item added by staff: it is kept.
    november = before.get(scheduled_for=date(2026, 11, 5))
    services.add_agenda_item(meeting=november, title="加装电梯")
    values = {
        k: v
        for k, v in form_data().items()
        if k not in {"action", "collection_time", "deliberation_time", "consultation_time"}
    }
    values.update(
        collection_time=datetime(2026, 1, 1, 18, 30).time(),
        deliberation_time=datetime(2026, 1, 1, 19).time(),
        consultation_time=datetime(2026, 1, 1, 14).time(),
    )
    now = datetime(2026, 10, 1, 9, tzinfo=timezone.get_current_timezone())
    result = services.save_cycle_rule(place=world.north, values=values, today=today, now=now)
    assert result.kept == 1
    after = Meeting.objects.filter(place=world.north, kind=MeetingKind.COLLECTION)
    assert sorted(m.scheduled_for for m in after) == [
        date(2026, 10, 6),
        date(2026, 11, 5),
        date(2026, 12, 6),
    ]
    october = after.get(scheduled_for=date(2026, 10, 6))
    assert october.venue == "江南亲邻驿家"
    assert october.quorum_percent == 60
    assert timezone.localtime(october.starts_at).time() == datetime(2026, 1, 1, 18, 30).time()
    # The south neighborhood keeps the default rule.
    south = Meeting.objects.filter(place=world.south, kind=MeetingKind.COLLECTION)
    assert {m.scheduled_for.day for m in south if m.scheduled_for} == {5}


def test_back_to_the_subdistrict_rule(world: World, login) -> None:
    client = login("secretary")
    url = reverse("meetings:cycle_rule", args=[world.north.pk])
    assert client.post(url, form_data()).status_code == 302
    page = client.get(url)
    assert 'data-testid="rule-clear"' in page.text
    assert client.post(url, {"action": "clear"}).status_code == 302
    assert not CycleRule.objects.filter(place=world.north).exists()
    again = client.post(url, {"action": "clear"})
    assert again.status_code == 400
    assert 'data-testid="rule-clear"' not in again.text


def test_cycle_rule_page_queries_do_not_grow(world: World, login) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.world import grow

    client = login("secretary")
    url = reverse("meetings:cycle_rule", args=[world.north.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    grow(world)
    assert count() == before <= 15
