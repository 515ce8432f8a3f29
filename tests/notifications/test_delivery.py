"""Sending: retries with back-off until the robot accepts, DingTalk signatures, giving up,
claims that two workers cannot share, and e-mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from sanxian.notifications import delivery
from sanxian.notifications.delivery import claim, send_due, signed_url
from sanxian.notifications.models import Delivery, DeliveryState, Kind, RobotKind
from sanxian.notifications.services import Message, notify, post_to_robots
from sanxian.personal_data import unseal
from tests.concurrency import race
from tests.notifications.conftest import Receiver, robot_for
from tests.world import World

MESSAGE = Message(event="test:1", kind=Kind.MEETING_REMINDER, title="明天开会", body="19:00")


@pytest.mark.django_db
def test_robot_post_succeeds_on_the_third_try_and_arrives_once(
    world: World, receiver: Receiver
) -> None:
    receiver.fail_first = 2
    robot = robot_for(receiver, place=world.north)
    post_to_robots([robot], MESSAGE)
    d = Delivery.objects.get()
    t0 = d.next_attempt_at

    assert send_due(now=t0) == {DeliveryState.PENDING: 1}
    d.refresh_from_db()
    assert (d.attempts, d.last_error, d.next_attempt_at) == (
        1,
        "HTTP 500",
        t0 + timedelta(minutes=1),
    )
    # Not yet due: nothing is tried before the back-off has passed.
    assert send_due(now=t0 + timedelta(seconds=59)) == {}
    assert send_due(now=t0 + timedelta(minutes=1)) == {DeliveryState.PENDING: 1}
    d.refresh_from_db()
    assert d.next_attempt_at == t0 + timedelta(minutes=6)
    assert send_due(now=t0 + timedelta(minutes=6)) == {DeliveryState.SENT: 1}

    d.refresh_from_db()
    assert (d.state, d.attempts, d.last_error) == (DeliveryState.SENT, 3, "")
    assert receiver.requests == 3
    assert len(receiver.accepted) == 1
    assert receiver.accepted[0]["msgtype"] == "markdown"
    assert "明天开会" in receiver.texts()[0]
    # A success is final: later runs and the same event queued again send nothing more.
    post_to_robots([robot], MESSAGE)
    assert send_due(now=t0 + timedelta(days=1)) == {}
    assert receiver.requests == 3
    assert Delivery.objects.count() == 1


@pytest.mark.django_db
def test_nonzero_errcode_is_a_failure_and_is_given_up_after_five_tries(
    world: World, receiver: Receiver
) -> None:
    receiver.errcode = 93000
    robot = robot_for(receiver, place=world.north)
    post_to_robots([robot], MESSAGE)
    moment = Delivery.objects.get().next_attempt_at
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS):
        send_due(now=moment)
        following = Delivery.objects.get().next_attempt_at
        waits.append(following - moment)
        moment = following
    d = Delivery.objects.get()
    assert d.state == DeliveryState.FAILED
    assert d.attempts == 5
    assert d.last_error.startswith("errcode 93000")
    assert receiver.requests == 5
    # The waits between tries grow: 1 min, 5 min, 30 min, 2 h; then it is given up.
    minute = timedelta(minutes=1)
    assert waits == [minute, 5 * minute, 30 * minute, 120 * minute, timedelta(0)]
    assert send_due(now=moment + timedelta(days=3)) == {}
    assert receiver.requests == 5


@pytest.mark.django_db
def test_dingtalk_posts_are_signed_and_the_server_checks_the_signature(
    world: World, receiver: Receiver
) -> None:
    receiver.secret = "SECabc123secret"
    robot = robot_for(receiver, place=world.north, kind=RobotKind.DINGTALK, secret=receiver.secret)
    post_to_robots([robot], MESSAGE)
    assert send_due() == {DeliveryState.SENT: 1}
    assert receiver.refused_signatures == 0
    payload = receiver.accepted[0]
    assert payload["markdown"]["title"] == "明天开会"
    assert "19:00" in payload["markdown"]["text"]

    # A robot whose secret is wrong is refused by the server (errcode 310000): a failure.
    wrong = robot_for(receiver, place=world.north, kind=RobotKind.DINGTALK, secret="SECwrong")
    post_to_robots([wrong], Message(event="test:2", kind=Kind.MEETING_REMINDER, title="x"))
    assert send_due() == {DeliveryState.PENDING: 1}
    assert receiver.refused_signatures == 1
    assert Delivery.objects.get(robot=wrong).last_error.startswith("errcode 310000")


def test_signature_matches_dingtalks_documented_example_form() -> None:
    url = signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "SECxyz",
        timestamp_ms=1577262236757,
    )
    assert url.startswith(
        "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1577262236757&sign="
    )
    sign = url.rsplit("sign=", 1)[1]
    # base64 of a 32-byte digest, URL-encoded: no raw '+', '/' or '='.
    assert not set("+/=") & set(sign)
    assert sign.endswith("%3D")


@pytest.mark.django_db
def test_robot_address_and_secret_are_sealed_at_rest(world: World, receiver: Receiver) -> None:
    robot = robot_for(receiver, place=world.north, kind=RobotKind.DINGTALK, secret="SECsecret")
    assert "test-key-1234" not in robot.url_sealed
    assert "SECsecret" not in robot.secret_sealed
    assert unseal(robot.url_sealed) == receiver.url
    assert robot.url_hint == "127.0.0.1 …1234"


@pytest.mark.django_db
def test_a_claim_is_won_once_and_an_expired_claim_is_due_again(
    world: World, receiver: Receiver
) -> None:
    robot = robot_for(receiver, place=world.north)
    post_to_robots([robot], MESSAGE)
    d = Delivery.objects.get()
    now = d.next_attempt_at
    assert claim(d.pk, token="a", now=now)
    assert not claim(d.pk, token="b", now=now)
    # A worker that died while sending: its claim runs out and another worker takes over.
    later = now + delivery.LEASE + timedelta(seconds=1)
    assert claim(d.pk, token="b", now=later)
    # The first worker's late outcome is not recorded over the second's claim.
    assert delivery.deliver(d.pk, token="a", now=later) == delivery.LOST
    d.refresh_from_db()
    assert d.state == DeliveryState.SENDING and d.claim_token == "b"


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_the_same_delivery(world: World, receiver: Receiver) -> None:
    robot = robot_for(receiver, place=world.north)
    for i in range(12):
        post_to_robots(
            [robot], Message(event=f"race:{i}", kind=Kind.MEETING_REMINDER, title=f"第{i}条")
        )
    results: list[dict[str, int]] = [{}, {}]

    def work(i: int) -> None:
        results[i] = send_due()

    assert race(work, n=2) == ["ok", "ok"]
    titles = sorted(p["markdown"]["content"].split("**")[1] for p in receiver.accepted)
    assert titles == sorted(f"第{i}条" for i in range(12))
    assert receiver.requests == 12
    assert sum(r.get(DeliveryState.SENT, 0) for r in results) == 12
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


@pytest.mark.django_db
def test_email_follows_the_preference_and_is_sent_once(world: World) -> None:
    user = world.users["resident"]
    user.email = "resident@example.org"
    user.save(update_fields=["email"])
    notify([(user.pk, MESSAGE)])
    assert send_due() == {DeliveryState.SENT: 1}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "明天开会"
    assert mail.outbox[0].to == ["resident@example.org"]
    assert send_due(now=timezone.now() + timedelta(days=1)) == {}
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failed_send_enqueues_the_worker_again_for_the_retry(
    world: World, receiver: Receiver
) -> None:
    from django_tasks_db.models import DBTaskResult

    from sanxian.notifications.tasks import send_deliveries

    receiver.fail_first = 1
    post_to_robots([robot_for(receiver, place=world.north)], MESSAGE)
    DBTaskResult.objects.all().delete()  # the send enqueued on commit
    assert send_deliveries.call() == {DeliveryState.PENDING: 1}
    retry = DBTaskResult.objects.get()
    assert retry.task_path == "sanxian.notifications.tasks.send_deliveries"
    assert retry.run_after == Delivery.objects.get().next_attempt_at
    # Nothing failed: nothing more is enqueued.
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert send_deliveries.call() == {DeliveryState.SENT: 1}
    assert DBTaskResult.objects.count() == 1
