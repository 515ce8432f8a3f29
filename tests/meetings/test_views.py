"""Pages and POST endpoints: the permission matrix, messages, and query budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from sanxian.issues.models import IssueState
from sanxian.meetings import services
from sanxian.meetings.models import AgendaItem, Invitation, Meeting, MeetingKind
from tests.issues.helpers import issue_in
from tests.world import World, grow

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
READ = {
    MeetingKind.COLLECTION: {"admin", "secretary", "social_worker", "group_leader", "party_member"},
    MeetingKind.PARTY_DELIBERATION: {"admin", "secretary", "group_leader", "party_member"},
}
WRITE = {
    MeetingKind.COLLECTION: {"admin", "secretary", "social_worker"},
    MeetingKind.PARTY_DELIBERATION: {"admin", "secretary"},
}


def make(world: World, kind: str, hours: float = 0.1) -> Meeting:
    m = services.create_meeting(
        place=world.north, kind=kind, starts_at=timezone.now() + timedelta(hours=hours)
    )
    services.invite(meeting=m)
    return m


def posts(m: Meeting) -> list[tuple[str, dict]]:
    item = services.add_agenda_item(meeting=m, title="其他")
    return [
        (reverse("meetings:agenda_add", args=[m.pk]), {"title": "新事项"}),
        (reverse("meetings:agenda_item", args=[m.pk, item.pk]), {"action": "drop"}),
        (reverse("meetings:attendance", args=[m.pk]), {"attended": []}),
        (reverse("meetings:minutes", args=[m.pk]), {"minutes": "纪要", "chair": "王"}),
        (reverse("meetings:decision", args=[m.pk]), {"text": "决定"}),
        (reverse("meetings:vote", args=[m.pk]), {"question": "q", "votes_for": 1}),
    ]


@pytest.mark.parametrize("kind", [MeetingKind.COLLECTION, MeetingKind.PARTY_DELIBERATION])
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(world: World, login, persona: str, kind: str) -> None:
    m = make(world, kind)
    client = login(persona)
    detail = client.get(reverse("meetings:detail", args=[m.pk]))
    assert detail.status_code == (200 if persona in READ[kind] else 404)
    qr = client.get(reverse("meetings:qr", args=[m.pk]))
    assert qr.status_code == (200 if persona in WRITE[kind] else 404)
    if persona in WRITE[kind]:
        assert qr["Content-Type"] == "image/svg+xml"
    for url, data in posts(m):
        response = client.post(url, data)
        assert response.status_code == (302 if persona in WRITE[kind] else 404), url
        assert client.get(url).status_code in (405, 404)
    listing = client.get(reverse("meetings:list"))
    assert listing.status_code == 200
    assert (f'data-testid="meeting-{m.pk}"' in listing.text) == (persona in READ[kind])


def test_outsider_guesses_ids_of_another_neighborhood(world: World, login) -> None:
    m = make(world, MeetingKind.JOINT_CONSULTATION)
    client = login("outsider")
    assert client.get(reverse("meetings:detail", args=[m.pk])).status_code == 404
    assert client.get(reverse("meetings:detail", args=[m.pk + 999])).status_code == 404
    for url, data in posts(m):
        assert client.post(url, data).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, world: World) -> None:
    m = make(world, MeetingKind.COLLECTION)
    for url in (reverse("meetings:list"), reverse("meetings:detail", args=[m.pk])):
        assert client.get(url).status_code == 302


def test_checkin_page(world: World, login) -> None:
    m = make(world, MeetingKind.COLLECTION)
    client = login("resident")
    url = reverse("meetings:checkin", args=[services.checkin_token(m)])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    assert Invitation.objects.get(meeting=m, resident=world.resident).attended
    with translation.override("en"):
        forged = client.get(
            reverse("meetings:checkin", args=["abc:def"]), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert forged.status_code == 400
    later = make(world, MeetingKind.COLLECTION, hours=5)
    assert (
        client.get(reverse("meetings:checkin", args=[services.checkin_token(later)])).status_code
        == 400
    )


def test_refused_decision_shows_a_message_and_changes_nothing(world: World, login) -> None:
    m = make(world, MeetingKind.PARTY_DELIBERATION, hours=-1)
    issue = issue_in(world, IssueState.DELIBERATE)
    client = login("secretary")
    response = client.post(
        reverse("meetings:decision", args=[m.pk]),
        {"text": "先行", "issue": issue.pk, "to": IssueState.ACT},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(x.level_tag) for x in response.context["messages"]] == ["error"]
    issue.refresh_from_db()
    assert issue.state == IssueState.DELIBERATE
    assert not m.decisions.exists()


def test_social_worker_cannot_open_a_meeting_of_the_15th_but_can_write_the_5th(
    world, login
) -> None:
    m = make(world, MeetingKind.COLLECTION)
    client = login("social_worker")
    r = client.post(reverse("meetings:agenda_add", args=[m.pk]), {"title": "加一项"})
    assert r.status_code == 302
    assert AgendaItem.objects.filter(meeting=m, title="加一项").exists()


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["secretary", "group_leader", "admin"])
def test_query_budget(world: World, login, persona: str) -> None:
    m = make(world, MeetingKind.PARTY_DELIBERATION)
    issue_in(world, IssueState.THINK)
    client = login(persona)
    detail = reverse("meetings:detail", args=[m.pk])
    listing = reverse("meetings:list")
    client.get(detail)  # first open fills the agenda
    before = (count(client, detail), count(client, listing))
    grow(world)
    for kind in MeetingKind:
        other = make(world, kind, hours=30)
        services.invite(meeting=other)
    Invitation.objects.filter(meeting=m).delete()
    services.invite(meeting=m)
    issue_in(world, IssueState.COLLECTED, title="又一个")
    client.get(detail)
    after = (count(client, detail), count(client, listing))
    assert before == after
    assert max(after) <= 15
    assert Invitation.objects.filter(meeting=m).count() > 3
