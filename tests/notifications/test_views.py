"""Inbox and settings pages: one's own notifications only, query counts that do not grow,
and group robots configured only by staff of that neighborhood or the team's leader."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sanxian.notifications.models import (
    EmailMode,
    Kind,
    Notification,
    NotificationPreference,
    RobotWebhook,
)
from sanxian.notifications.services import Message, notify
from sanxian.personal_data import unseal
from sanxian.volunteers.models import TeamMembership
from sanxian.volunteers.services import create_team, join_team, register_volunteer
from tests.test_query_counts import MAX_QUERIES, count_queries
from tests.world import World

WECOM_URL = (
    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
)


def _notes(user, n: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    notify(
        [
            (
                user.pk,
                Message(
                    event=f"v:{i}",
                    kind=Kind.APPEAL_UPDATE,
                    title=f"诉求进展{i}",
                    body="已受理",
                    link="/appeals/mine/",
                ),
            )
            for i in range(start, start + n)
        ]
    )


@pytest.mark.django_db
def test_inbox_lists_my_notifications_and_the_top_bar_counts_unread(login, world: World) -> None:
    resident = world.users["resident"]
    _notes(resident, 3)
    _notes(world.users["secretary"], 1, start=10)
    client = login("resident")
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "诉求进展0" in page and "诉求进展2" in page
    assert "诉求进展10" not in page
    # Every page's top bar fetches the unread count after it loads (no query of its own).
    home = client.get(reverse("accounts:home")).content.decode()
    assert f'hx-get="{reverse("notifications:badge")}"' in home
    badge = client.get(reverse("notifications:badge")).content.decode()
    assert badge.strip().endswith("3</span>")
    # Session, user, the count, and the session's new expiry (with its savepoint).
    assert count_queries(client, reverse("notifications:badge")) <= 6
    client.logout()
    assert client.get(reverse("notifications:badge")).status_code == 204


@pytest.mark.django_db
def test_the_badge_stops_at_99_plus(login, world: World) -> None:
    _notes(world.users["resident"], 120)
    badge = login("resident").get(reverse("notifications:badge")).content.decode()
    assert "99+" in badge


@pytest.mark.django_db
def test_mark_read_mark_all_read_and_open(login, world: World) -> None:
    resident = world.users["resident"]
    _notes(resident, 3)
    first, second, third = Notification.objects.filter(recipient=resident).order_by("id")
    client = login("resident")
    assert client.post(reverse("notifications:read", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.get(reverse("notifications:open", args=[second.pk]))
    assert response.status_code == 302 and response["Location"] == "/appeals/mine/"
    second.refresh_from_db()
    assert second.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=resident, read_at__isnull=True).exists()
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert 'data-testid="read-all"' not in page
    badge = client.get(reverse("notifications:badge")).content.decode()
    assert "unread-badge" not in badge
    # Marking read is a POST only.
    assert client.get(reverse("notifications:read", args=[third.pk])).status_code == 405


@pytest.mark.django_db
def test_nobody_reads_or_marks_anothers_notifications(login, world: World) -> None:
    _notes(world.users["secretary"], 1)
    theirs = Notification.objects.get()
    client = login("resident")
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.logout()
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_open_never_redirects_off_the_site(login, world: World) -> None:
    notify(
        [
            (
                world.users["resident"].pk,
                Message(event="x", kind=Kind.DIGEST, title="t", link="//evil.example/"),
            )
        ]
    )
    n = Notification.objects.get()
    response = login("resident").get(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == reverse("notifications:inbox")


@pytest.mark.django_db
def test_preferences_page_saves_each_kind(login, world: World) -> None:
    client = login("resident")
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'data-testid="no-email"' in page
    assert 'data-testid="robots-link"' not in page
    response = client.post(
        reverse("notifications:preferences"),
        {
            Kind.MEETING_REMINDER: EmailMode.IMMEDIATE,
            Kind.APPEAL_UPDATE: EmailMode.DIGEST,
            Kind.ISSUE_UPDATE: EmailMode.OFF,
        },
    )
    assert response.status_code == 302
    saved = dict(
        NotificationPreference.objects.filter(user=world.users["resident"]).values_list(
            "kind", "email"
        )
    )
    assert saved == {
        Kind.MEETING_REMINDER: EmailMode.IMMEDIATE,
        Kind.APPEAL_UPDATE: EmailMode.DIGEST,
        Kind.ISSUE_UPDATE: EmailMode.OFF,
    }
    bad = client.post(reverse("notifications:preferences"), {Kind.APPEAL_UPDATE: "sms"})
    assert bad.status_code == 200
    assert (
        NotificationPreference.objects.get(
            user=world.users["resident"], kind=Kind.APPEAL_UPDATE
        ).email
        == EmailMode.DIGEST
    )


@pytest.mark.django_db
def test_inbox_query_count_does_not_grow(login, world: World) -> None:
    resident = world.users["resident"]
    _notes(resident, 2)
    client = login("resident")
    url = reverse("notifications:inbox")
    urls = [url, reverse("notifications:preferences")]
    before = [count_queries(client, u) for u in urls]
    _notes(resident, 60, start=100)
    after = [count_queries(client, u) for u in urls]
    assert before == after
    assert max(after) <= MAX_QUERIES
    older = client.get(url).context["page"].next_before
    assert older is not None
    assert count_queries(client, f"{url}?before={older}") == after[0]


# --- Group robots ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_neighborhood_staff_configure_its_robots_others_cannot(login, world: World) -> None:
    url = reverse("notifications:place_robots", args=[world.north.pk])
    form = {"kind": "wecom", "name": "北苑居委工作群", "url": WECOM_URL, "secret": ""}
    for persona in ("outsider", "resident", "group_leader", "party_member", "auditor", "nobody"):
        client = login(persona)
        assert client.get(url).status_code == 404, persona
        assert client.post(url, form).status_code == 404, persona
    assert not RobotWebhook.objects.exists()

    client = login("secretary")
    assert client.post(url, form).status_code == 302
    robot = RobotWebhook.objects.get()
    assert robot.place == world.north and unseal(robot.url_sealed) == WECOM_URL
    page = client.get(url).content.decode()
    assert "北苑居委工作群" in page
    assert "693a91f6" not in page  # the key is never shown back
    assert "…5aaa" in page

    outsider = login("outsider")
    switch = reverse("notifications:switch_robot", args=[robot.pk])
    remove = reverse("notifications:remove_robot", args=[robot.pk])
    assert outsider.post(switch).status_code == 404
    assert outsider.post(remove).status_code == 404
    client = login("secretary")
    client.post(switch)
    robot.refresh_from_db()
    assert robot.active is False
    client.post(remove)
    assert not RobotWebhook.objects.exists()


@pytest.mark.django_db
def test_robot_addresses_of_other_hosts_are_refused(login, world: World) -> None:
    client = login("secretary")
    url = reverse("notifications:place_robots", args=[world.north.pk])
    for address in ("http://10.0.0.5/hook", "https://qyapi.weixin.qq.com.evil.example/x?key=1"):
        response = client.post(url, {"kind": "wecom", "name": "x", "url": address})
        assert response.status_code == 200
    response = client.post(url, {"kind": "dingtalk", "name": "x", "url": WECOM_URL})
    assert response.status_code == 200
    assert not RobotWebhook.objects.exists()


@pytest.mark.django_db
def test_a_team_leader_configures_the_teams_robot(login, world: World) -> None:
    team = create_team(place=world.north, name="平安巡逻队")
    volunteer = register_volunteer(
        name=world.resident.name, resident=world.resident, place=world.north
    )
    join_team(team=team, volunteer=volunteer)
    url = reverse("notifications:team_robots", args=[team.pk])
    form = {"kind": "wecom", "name": "巡逻队群", "url": WECOM_URL}
    assert login("resident").post(url, form).status_code == 404  # a member, not the leader
    TeamMembership.objects.filter(team=team).update(is_leader=True)
    client = login("resident")
    assert client.post(url, form).status_code == 302
    assert RobotWebhook.objects.get().team == team
    assert login("outsider").get(url).status_code == 404
    page = login("secretary").get(reverse("notifications:robots")).content.decode()
    assert "北苑" in page and "平安巡逻队" in page


@pytest.mark.django_db
def test_robot_pages_query_counts(login, world: World) -> None:
    client = login("secretary")
    url = reverse("notifications:place_robots", args=[world.north.pk])
    before = count_queries(client, url)
    for i in range(3):
        client.post(url, {"kind": "wecom", "name": f"群{i}", "url": WECOM_URL + str(i)})
    after = count_queries(client, url)
    assert before <= after <= MAX_QUERIES
    assert count_queries(client, reverse("notifications:robots")) <= MAX_QUERIES
