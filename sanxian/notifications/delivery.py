"""Sending deliveries: claim, send, record — each delivery sent at most once successfully.

A worker claims a due delivery with one conditional ``UPDATE`` (state still ``pending`` and
due, or ``sending`` with an expired claim), which only one worker can win; it then sends
outside any transaction (no lock is held while a remote server answers) and records the
outcome with another conditional update on its claim token. A failure waits 1 min, 5 min,
30 min, then 2 h before the next try; after the fifth failed try the delivery is given up
and shown to staff. A sent delivery is never sent again.

A worker that dies between sending and recording leaves its claim to expire: the delivery
is then tried again. That window (one HTTP round trip) is the only way a message can arrive
twice; everything else (jobs run twice, two workers, restarts) sends it once.

Group robots: 企业微信 (WeChat Work) robots carry their key in the address and are not
signed; 钉钉 (DingTalk) robots with 加签 are signed with ``timestamp`` (milliseconds) and
``sign`` = URL-encoded base64 of HMAC-SHA256(secret, "timestamp\\nsecret"). Both answer
HTTP 200 with ``{"errcode": 0, …}`` on success; any other ``errcode`` is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone

from sanxian.notifications.models import Channel, Delivery, DeliveryState, RobotKind
from sanxian.personal_data import unseal

log = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, 4th and 5th tries; after the 5th failure the delivery is given up.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# How long a claim holds: longer than any send can take (HTTP timeout below).
LEASE = timedelta(minutes=5)
HTTP_TIMEOUT = 10  # seconds, connect and read
MAX_RESPONSE_BYTES = 64 * 1024
BATCH = 50
# The outcome of a worker whose claim ran out while it was sending (another worker holds it).
LOST = "lost"


class DeliveryError(Exception):
    """A send that did not succeed; the message says why (never the robot's address)."""


# --- Robots ------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature of a robot request (already URL-encoded for the query string)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    mac = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(mac).decode())


def signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"


def robot_payload(kind: str, title: str, text: str) -> dict[str, Any]:
    """The JSON a robot expects for a markdown message."""
    if kind == RobotKind.DINGTALK:
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": f"### {title}\n\n{text}"},
        }
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A robot address that redirects elsewhere is refused, not followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, payload: dict[str, Any], *, timeout: float = HTTP_TIMEOUT) -> Any:
    """POST ``payload`` and return the decoded JSON answer; ``DeliveryError`` otherwise."""
    if urlsplit(url).scheme not in {"https", "http"}:
        raise DeliveryError("unsupported address")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=timeout) as response:  # nosec B310
            status = response.status
            raw = response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"no answer: {type(reason).__name__}") from None
    if status != 200:
        raise DeliveryError(f"HTTP {status}")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeliveryError("the answer is not JSON") from None


def _absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return f"{settings.SANXIAN_SITE_URL}{link}"


def send_robot(delivery: Delivery) -> None:
    robot = delivery.robot
    if robot is None or not robot.active:
        raise DeliveryError("the group robot is switched off")
    url = unseal(robot.url_sealed)
    if robot.kind == RobotKind.DINGTALK and robot.secret_sealed:
        url = signed_url(url, unseal(robot.secret_sealed))
    text = delivery.body
    link = _absolute(delivery.link)
    if link:
        text = f"{text}\n\n[{link}]({link})" if text else f"[{link}]({link})"
    answer = post_json(url, robot_payload(robot.kind, delivery.title, text))
    errcode = answer.get("errcode") if isinstance(answer, dict) else None
    if errcode != 0:
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise DeliveryError(f"errcode {errcode}: {str(message)[:100]}")


# --- E-mail ------------------------------------------------------------------------------


def send_email(delivery: Delivery) -> None:
    user = delivery.recipient
    address = getattr(user, "email", "") if user is not None else ""
    if user is None or not user.is_active or not address:
        raise DeliveryError("no e-mail address")
    body = delivery.body
    link = _absolute(delivery.link)
    if link:
        body = f"{body}\n\n{link}" if body else link
    try:
        send_mail(delivery.title, body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception as exc:  # SMTP errors, refused connections, time-outs
        raise DeliveryError(f"mail not accepted: {type(exc).__name__}") from None


SENDERS: dict[str, Callable[[Delivery], None]] = {
    Channel.EMAIL: send_email,
    Channel.ROBOT: send_robot,
}


# --- Claim, send, record ----------------------------------------------------------------


def _due_q(now: datetime) -> Q:
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, claimed_until__lt=now
    )


def claim(pk: int, *, token: str, now: datetime) -> bool:
    """Take one due delivery for this worker; ``False`` when another worker has it."""
    return (
        Delivery.objects.filter(_due_q(now), pk=pk).update(
            state=DeliveryState.SENDING,
            claim_token=token,
            claimed_until=now + LEASE,
            attempts=F("attempts") + 1,
        )
        == 1
    )


def due_ids(*, now: datetime, limit: int = BATCH) -> list[int]:
    return list(
        Delivery.objects.filter(_due_q(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def deliver(pk: int, *, token: str, now: datetime) -> str:
    """Send a claimed delivery and record the outcome; returns the new state (``LOST``
    when the claim ran out meanwhile and another worker now holds the delivery)."""
    delivery = Delivery.objects.select_related("robot", "recipient").get(pk=pk)
    mine = Delivery.objects.filter(pk=pk, state=DeliveryState.SENDING, claim_token=token)
    try:
        SENDERS[delivery.channel](delivery)
    except DeliveryError as exc:
        error = str(exc)[:300]
        if delivery.attempts >= MAX_ATTEMPTS:
            if not mine.update(state=DeliveryState.FAILED, last_error=error, claimed_until=None):
                return LOST
            log.warning("delivery %s given up after %s tries: %s", pk, delivery.attempts, error)
            return DeliveryState.FAILED
        wait = BACKOFF[max(delivery.attempts, 1) - 1]
        recorded = mine.update(
            state=DeliveryState.PENDING,
            last_error=error,
            claimed_until=None,
            next_attempt_at=now + wait,
        )
        return DeliveryState.PENDING if recorded else LOST
    recorded = mine.update(
        state=DeliveryState.SENT, sent_at=timezone.now(), last_error="", claimed_until=None
    )
    return DeliveryState.SENT if recorded else LOST


def send_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send every delivery due now (at most ``limit``); returns counts by outcome."""
    token = uuid.uuid4().hex
    outcomes: Counter[str] = Counter()
    handled = 0
    while handled < limit:
        moment = now or timezone.now()
        ids = due_ids(now=moment, limit=min(BATCH, limit - handled))
        if not ids:
            break
        for pk in ids:
            handled += 1
            if not claim(pk, token=token, now=moment):
                outcomes["taken"] += 1
                continue
            outcomes[deliver(pk, token=token, now=moment)] += 1
    return dict(outcomes)
