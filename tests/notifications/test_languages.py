"""Each person is written to in the language they chose: the choice made with the switch in
the top bar is kept on the account, comes back when they sign in elsewhere, and decides
the language of their reminders, appeal and issue news and digest; group robots and
everyone else get the product's default language."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sanxian.accounts.models import User
from sanxian.accounts.services import languages_of
from sanxian.appeals.models import AppealCategory
from sanxian.appeals.services import acknowledge_appeal, file_appeal
from sanxian.issues.models import IssueSource, IssueState
from sanxian.issues.services import create_issue, start_thinking
from sanxian.notifications import jobs, services
from sanxian.notifications.delivery import send_due
from sanxian.notifications.models import EmailMode, Kind, Notification
from sanxian.notifications.services import set_preferences
from sanxian.workdays.selectors import SHANGHAI
from tests.notifications.conftest import Receiver, meeting_at, robot_for, soon
from tests.notifications.test_jobs import appeal_data  # noqa: F401
from tests.world import PASSWORD, World

pytestmark = pytest.mark.django_db


def _choose(user: User, language: str) -> None:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
    user.refresh_from_db()


def test_the_language_switch_is_kept_on_the_account(world: World) -> None:
    user = world.users["resident"]
    assert user.language == ""
    _choose(user, "en")
    assert user.language == "en"
    _choose(user, "zh-hans")
    assert user.language == "zh-hans"
    # A code that is not one of the product's languages changes nothing.
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    user.refresh_from_db()
    assert user.language == "zh-hans"
    # Signed out, the switch works as before and stores nothing.
    anonymous = Client().post(reverse("set_language"), {"language": "en", "next": "/"})
    assert anonymous.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not User.objects.filter(language="en").exists()


def test_signing_in_on_another_device_brings_the_language_back(world: World) -> None:
    user = world.users["secretary"]
    _choose(user, "en")
    phone = Client()  # a new device: no language cookie
    response = phone.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 30 * 24 * 3600
    page = phone.get(reverse("accounts:home"))
    assert page["Content-Language"] == "en"
    # Someone who never chose keeps the default and gets no cookie.
    other = Client().post(reverse("accounts:login"), {"username": "resident", "password": PASSWORD})
    assert settings.LANGUAGE_COOKIE_NAME not in other.cookies


def test_languages_of_fills_in_the_default(world: World) -> None:
    english = world.users["resident"]
    english.language = "en"
    english.save(update_fields=["language"])
    other = world.users["party_member"]
    assert languages_of([english.pk, other.pk]) == {
        english.pk: "en",
        other.pk: settings.LANGUAGE_CODE,
    }


def test_a_meeting_reminder_is_written_in_each_invitees_language(
    world: World, receiver: Receiver
) -> None:
    robot_for(receiver, place=world.north)
    english = world.users["resident"]
    english.language = "en"
    english.save(update_fields=["language"])
    meeting = meeting_at(world.north, soon(20), [world.resident, world.member_resident])
    counts = jobs.remind_meetings()
    assert counts["notifications"] == 2
    mine = Notification.objects.get(recipient=english)
    theirs = Notification.objects.get(recipient=world.users["party_member"])
    assert mine.title == f"Meeting reminder: {meeting.title}"
    with translation.override("zh-hans"):
        assert theirs.title == str(
            translation.gettext("Meeting reminder: %(title)s") % {"title": meeting.title}
        )
    assert theirs.title != mine.title
    # The group chat is written to in the product's language.
    send_due()
    assert theirs.title in receiver.texts()[0]


def test_appeal_and_issue_news_in_the_readers_language(world: World, appeal_data: None) -> None:  # noqa: F811
    resident = world.users["resident"]
    resident.language = "en"
    resident.save(update_fields=["language"])
    appeal = file_appeal(
        category=AppealCategory.objects.order_by("id").first(),  # type: ignore[arg-type]
        text="楼道灯坏了",
        place=world.household,
        resident=world.resident,
        filed_by=resident,
    )
    acknowledge_appeal(appeal=appeal, actor=world.users["secretary"], note="明天上门")
    raiser = world.users["group_leader"]
    issue = create_issue(
        place=world.north, title="加装电梯", source=IssueSource.PARTY_MEMBER, actor=raiser
    )
    start_thinking(issue=issue, actor=world.users["secretary"], note="提交党小组研究")
    assert jobs.scan_events() == {"appeals": 1, "issues": 1}
    assert Notification.objects.get(recipient=resident).title == (
        "Your appeal has been received and acknowledged"
    )
    # The group leader never chose: the product's default language.
    with translation.override(settings.LANGUAGE_CODE):
        expected = translation.gettext("Issue “%(title)s”: %(state)s") % {
            "title": "加装电梯",
            "state": IssueState.THINK.label,
        }
    assert Notification.objects.get(recipient=raiser).title == expected
    assert not expected.startswith("Issue")


def test_the_digest_is_written_in_the_readers_language(world: World) -> None:
    user = world.users["resident"]
    user.language = "en"
    user.save(update_fields=["language"])
    set_preferences(user=user, modes={Kind.APPEAL_UPDATE: EmailMode.DIGEST})
    yesterday = datetime.combine(date(2026, 3, 9), time(15, 0), tzinfo=SHANGHAI)
    message = services.Message(event="e:1", kind=Kind.APPEAL_UPDATE, title="Your appeal")
    services.notify([(user.pk, message)], now=yesterday)
    morning = datetime.combine(date(2026, 3, 10), time(8, 0), tzinfo=SHANGHAI)
    assert jobs.send_digests(now=morning) == 1
    digest = Notification.objects.get(kind=Kind.DIGEST)
    assert digest.title.startswith("Daily digest for") and "1 notifications" in digest.title
