"""Periodic jobs: meeting and duty reminders, appeal and issue progress, the daily digest —
each idempotent, also when interrupted midway."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from sanxian.appeals.models import AppealCategory, EventKind
from sanxian.appeals.services import (
    acknowledge_appeal,
    file_appeal,
    resolve_appeal,
    seed_default_categories,
)
from sanxian.issues.models import IssueSource
from sanxian.issues.services import create_issue, start_thinking
from sanxian.meetings.models import MeetingKind
from sanxian.notifications import jobs, services
from sanxian.notifications.delivery import send_due
from sanxian.notifications.models import (
    Channel,
    Delivery,
    EmailMode,
    EventCursor,
    Kind,
    Notification,
)
from sanxian.notifications.services import set_preferences
from sanxian.volunteers.models import DutyShift, Roster
from sanxian.volunteers.services import create_team
from sanxian.workdays.selectors import SHANGHAI, clear_cache
from sanxian.workdays.services import seed_holidays
from tests.notifications.conftest import Receiver, meeting_at, robot_for, soon
from tests.world import World


def _with_email(user, address: str):  # type: ignore[no-untyped-def]
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.mark.django_db
def test_a_meeting_reminder_reaches_the_webhook_receiver_exactly_once(
    world: World, receiver: Receiver
) -> None:
    robot_for(receiver, place=world.north)
    resident = _with_email(world.users["resident"], "r@example.org")
    meeting = meeting_at(world.north, soon(20), [world.resident])

    first = jobs.remind_meetings()
    again = jobs.remind_meetings()
    send_due()
    send_due(now=timezone.now() + timedelta(hours=3))

    assert first == {"meetings": 1, "notifications": 1, "robots": 1}
    assert again["notifications"] == 0
    assert len(receiver.accepted) == 1
    assert meeting.title in receiver.texts()[0]
    assert f"/meetings/{meeting.pk}/" in receiver.texts()[0]
    note = Notification.objects.get(recipient=resident)
    assert note.kind == Kind.MEETING_REMINDER and meeting.title in note.title
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_meetings_further_than_a_day_or_past_are_not_reminded(
    world: World, receiver: Receiver
) -> None:
    robot_for(receiver, place=world.north)
    meeting_at(world.north, soon(30), [world.resident])
    meeting_at(world.north, soon(-2), [world.resident], kind=MeetingKind.COLLECTION)
    assert jobs.remind_meetings()["meetings"] == 0
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_party_meetings_remind_invitees_but_not_the_group_robot(
    world: World, receiver: Receiver
) -> None:
    robot_for(receiver, place=world.north)
    meeting_at(world.north, soon(5), [world.member_resident], kind=MeetingKind.PARTY_DELIBERATION)
    counts = jobs.remind_meetings()
    assert counts == {"meetings": 1, "notifications": 1, "robots": 0}
    assert Notification.objects.get().recipient == world.users["party_member"]
    assert not Delivery.objects.filter(channel=Channel.ROBOT).exists()


@pytest.mark.django_db
def test_robots_of_another_neighborhood_get_nothing(world: World, receiver: Receiver) -> None:
    robot_for(receiver, place=world.south)
    meeting_at(world.north, soon(5), [])
    assert jobs.remind_meetings()["robots"] == 0
    # A robot of the whole sub-district hears of every neighborhood's meetings.
    robot_for(receiver, place=world.subdistrict)
    assert jobs.remind_meetings()["robots"] == 1


@pytest.mark.django_db
def test_an_interrupted_reminder_job_run_again_takes_effect_once(
    world: World, receiver: Receiver
) -> None:
    robot_for(receiver, place=world.north)
    _with_email(world.users["resident"], "r@example.org")
    meeting_at(world.north, soon(3), [world.resident])
    meeting_at(world.north, soon(6), [world.resident], kind=MeetingKind.COLLECTION)

    real = services.post_to_robots
    calls = {"n": 0}

    def crash_on_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker stopped")
        return real(*args, **kwargs)

    with (
        mock.patch.object(jobs, "post_to_robots", crash_on_second),
        pytest.raises(RuntimeError),
    ):
        jobs.remind_meetings()
    # The first meeting's reminders were kept; the second meeting's were rolled back whole.
    assert Notification.objects.count() == 1
    assert Delivery.objects.filter(channel=Channel.ROBOT).count() == 1

    jobs.remind_meetings()
    jobs.remind_meetings()
    send_due()
    assert Notification.objects.count() == 2
    assert Delivery.objects.filter(channel=Channel.ROBOT).count() == 2
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 2
    assert len(receiver.accepted) == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_notifications_left_without_email_by_an_interruption_get_it_on_the_next_run(
    world: World,
) -> None:
    _with_email(world.users["resident"], "r@example.org")
    meeting_at(world.north, soon(3), [world.resident])
    with mock.patch.object(services, "_send_after_commit"):
        jobs.remind_meetings()
    Delivery.objects.all().delete()  # as if the run stopped between the two inserts
    jobs.remind_meetings()
    assert Notification.objects.count() == 1
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 1


@pytest.mark.django_db
def test_a_moved_meeting_is_reminded_again(world: World, receiver: Receiver) -> None:
    robot_for(receiver, place=world.north)
    meeting = meeting_at(world.north, soon(10), [world.resident])
    jobs.remind_meetings()
    meeting.starts_at = soon(12)
    meeting.save(update_fields=["starts_at"])
    jobs.remind_meetings()
    assert Notification.objects.count() == 2
    assert Delivery.objects.filter(channel=Channel.ROBOT).count() == 2


@pytest.mark.django_db
def test_team_robots_get_tomorrows_duty_shifts(world: World, receiver: Receiver) -> None:
    team = create_team(place=world.north, name="平安巡逻队")
    robot_for(receiver, team=team)
    start = timezone.localtime(soon(10))
    roster = Roster.objects.create(
        team=team,
        place=world.north,
        path=world.north.path,
        title="夜间巡逻",
        service="小区巡逻",
        location="北门",
        start_date=start.date(),
        start_time=start.time(),
        end_time=(start + timedelta(hours=2)).time(),
        capacity=3,
    )
    DutyShift.objects.create(
        roster=roster, starts_at=start, ends_at=start + timedelta(hours=2), capacity=3, taken=1
    )
    assert jobs.remind_shifts() == 1
    assert jobs.remind_shifts() == 1  # queued again: still one delivery
    send_due()
    assert len(receiver.accepted) == 1
    assert "夜间巡逻" in receiver.texts()[0] and "北门" in receiver.texts()[0]


# --- Events ---------------------------------------------------------------------------------


@pytest.fixture
def appeal_data(db):  # type: ignore[no-untyped-def]
    clear_cache()
    seed_holidays([2024, 2025, 2026])
    seed_default_categories()
    yield
    clear_cache()


@pytest.mark.django_db
def test_the_resident_hears_when_their_appeal_is_acknowledged_and_resolved(
    world: World, appeal_data: None
) -> None:
    resident = _with_email(world.users["resident"], "r@example.org")
    staff = world.users["secretary"]
    appeal = file_appeal(
        category=AppealCategory.objects.order_by("id").first(),  # type: ignore[arg-type]
        text="楼道灯坏了",
        place=world.household,
        resident=world.resident,
        filed_by=resident,
    )
    acknowledge_appeal(appeal=appeal, actor=staff, note="明天上门")
    assert jobs.scan_events() == {"appeals": 1, "issues": 0}
    resolve_appeal(appeal=appeal, actor=staff, note="灯已换好")
    assert jobs.scan_events() == {"appeals": 1, "issues": 0}
    assert jobs.scan_events() == {"appeals": 0, "issues": 0}

    notes = list(Notification.objects.filter(recipient=resident).order_by("id"))
    with translation.override(settings.LANGUAGE_CODE):
        expected = [
            jobs._appeal_title(EventKind.ACKNOWLEDGED),
            jobs._appeal_title(EventKind.RESOLVED),
        ]
    assert [n.title for n in notes] == expected
    assert notes[0].body == "明天上门"
    assert notes[1].link == f"/appeals/{appeal.pk}/"
    # Staff hear nothing of their own actions; the cursor being reset (a lost update, a
    # restored backup) makes nothing twice.
    assert not Notification.objects.filter(recipient=staff).exists()
    EventCursor.objects.update(last_id=0)
    assert jobs.scan_events() == {"appeals": 0, "issues": 0}
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 2


@pytest.mark.django_db
def test_an_interrupted_event_scan_resumes_and_notifies_once(
    world: World, appeal_data: None
) -> None:
    resident = world.users["resident"]
    category = AppealCategory.objects.order_by("id").first()
    for i in range(3):
        appeal = file_appeal(
            category=category,  # type: ignore[arg-type]
            text=f"问题{i}",
            place=world.household,
            resident=world.resident,
            filed_by=resident,
        )
        acknowledge_appeal(appeal=appeal, actor=world.users["secretary"])
    real = jobs._appeal_batch
    calls = {"n": 0}

    def crash_on_second(events, now):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker stopped")
        return real(events, now)

    with (
        mock.patch.object(jobs, "_appeal_batch", crash_on_second),
        pytest.raises(RuntimeError),
    ):
        jobs.scan_events(batch=2)  # filed, acknowledged, filed, …: 6 events, 2 a batch
    assert Notification.objects.count() == 1  # the first batch was kept
    jobs.scan_events(batch=2)
    jobs.scan_events(batch=2)
    assert Notification.objects.filter(recipient=resident).count() == 3


@pytest.mark.django_db
def test_the_raiser_of_an_issue_hears_of_its_transitions(world: World) -> None:
    raiser = world.users["group_leader"]
    issue = create_issue(
        place=world.north, title="加装电梯", source=IssueSource.PARTY_MEMBER, actor=raiser
    )
    start_thinking(issue=issue, actor=world.users["secretary"], note="提交党小组研究")
    assert jobs.scan_events()["issues"] == 1
    note = Notification.objects.get(recipient=raiser)
    assert "加装电梯" in note.title
    assert note.link == f"/issues/{issue.pk}/"
    # Their own transitions are not notified back to them.
    Notification.objects.all().delete()
    EventCursor.objects.all().delete()
    issue.refresh_from_db()
    from sanxian.issues.services import shelve

    shelve(issue=issue, actor=raiser, note="暂缓")
    assert jobs.scan_events()["issues"] == 1  # only the secretary's earlier transition
    assert Notification.objects.count() == 1


# --- Preferences and the daily digest ------------------------------------------------------


def _message(i: int, kind: str = Kind.APPEAL_UPDATE) -> services.Message:
    return services.Message(event=f"t:{i}", kind=kind, title=f"通知{i}", link="/inbox/")


@pytest.mark.django_db
def test_preferences_decide_the_email_and_the_inbox_always_gets_it(world: World) -> None:
    user = _with_email(world.users["resident"], "r@example.org")
    set_preferences(
        user=user,
        modes={
            Kind.APPEAL_UPDATE: EmailMode.OFF,
            Kind.MEETING_REMINDER: EmailMode.IMMEDIATE,
            Kind.ISSUE_UPDATE: EmailMode.DIGEST,
        },
    )
    services.notify([(user.pk, _message(1, Kind.APPEAL_UPDATE))])
    services.notify([(user.pk, _message(2, Kind.MEETING_REMINDER))])
    services.notify([(user.pk, _message(3, Kind.ISSUE_UPDATE))])
    send_due()
    assert Notification.objects.filter(recipient=user).count() == 3
    assert [m.subject for m in mail.outbox] == ["通知2"]
    # Someone without an address gets no e-mail at all.
    services.notify([(world.users["secretary"].pk, _message(4, Kind.MEETING_REMINDER))])
    assert not Delivery.objects.filter(recipient=world.users["secretary"]).exists()


@pytest.mark.django_db
def test_the_daily_digest_is_one_summary_per_person_once(world: World) -> None:
    user = _with_email(world.users["resident"], "r@example.org")
    other = _with_email(world.users["party_member"], "p@example.org")
    set_preferences(user=user, modes={Kind.APPEAL_UPDATE: EmailMode.DIGEST})
    yesterday = datetime.combine(date(2026, 3, 9), time(15, 0), tzinfo=SHANGHAI)
    for i in range(3):
        services.notify([(user.pk, _message(i))], now=yesterday)
    services.notify([(user.pk, _message(9, Kind.MEETING_REMINDER))], now=yesterday)
    services.notify([(other.pk, _message(5))], now=yesterday)
    send_due(now=yesterday)
    assert [m.to for m in mail.outbox] == [["r@example.org"], ["p@example.org"]]  # not digested
    mail.outbox.clear()

    too_early = datetime.combine(date(2026, 3, 10), time(6, 0), tzinfo=SHANGHAI)
    assert jobs.send_digests(now=too_early) == 0
    morning = datetime.combine(date(2026, 3, 10), time(8, 0), tzinfo=SHANGHAI)
    assert jobs.send_digests(now=morning) == 1
    assert jobs.send_digests(now=morning + timedelta(hours=5)) == 0
    send_due(now=morning)
    digest = Notification.objects.get(kind=Kind.DIGEST)
    assert digest.recipient == user
    assert digest.body.count("通知") == 3
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["r@example.org"]
    assert "通知0" in mail.outbox[0].body


# --- The task worker -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_started_by_make_run_delivers_a_meeting_reminder_once(
    world: World, receiver: Receiver
) -> None:
    robot_for(receiver, place=world.north)
    meeting_at(world.north, soon(20), [world.resident], title="北苑提醒测试会")
    for _ in range(2):
        call_command("run_scheduler", once=True, verbosity=0)
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    # A second scheduler pass a quarter of an hour later queues the reminders again.
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=16)
    ):
        call_command("run_scheduler", once=True, verbosity=0)
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    # (The cycle meetings the worker generated may hold their own reminders.)
    assert sum("北苑提醒测试会" in text for text in receiver.texts()) == 1
    assert Notification.objects.filter(title__contains="北苑提醒测试会").count() == 1


@pytest.mark.django_db
def test_history_from_before_notifications_existed_is_not_notified(
    world: World, appeal_data: None
) -> None:
    resident = world.users["resident"]
    long_ago = timezone.now() - timedelta(days=30)
    old = file_appeal(
        category=AppealCategory.objects.order_by("id").first(),  # type: ignore[arg-type]
        text="旧诉求",
        place=world.household,
        resident=world.resident,
        filed_by=resident,
        now=long_ago,
    )
    acknowledge_appeal(appeal=old, actor=world.users["secretary"], now=long_ago)
    assert jobs.scan_events() == {"appeals": 0, "issues": 0}
    assert EventCursor.objects.get(name="appeal_events").last_id > 0
    resolve_appeal(appeal=old, actor=world.users["secretary"], note="已处理")
    assert jobs.scan_events() == {"appeals": 1, "issues": 0}
