"""A local group-robot server (企业微信 / 钉钉 answers), robots pointing at it, and meetings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from sanxian.meetings.models import Invitation, InviteeGroup, Meeting, MeetingKind
from sanxian.meetings.services import create_meeting
from sanxian.notifications.models import RobotKind, RobotWebhook
from sanxian.notifications.services import add_robot
from sanxian.places.models import Place, Resident


@dataclass
class Receiver:
    """Answers HTTP 500 to the first ``fail_first`` requests, then ``{"errcode": 0}``.
    With a ``secret`` it checks DingTalk's signature and answers errcode 310000 when wrong."""

    fail_first: int = 0
    errcode: int = 0
    secret: str = ""
    requests: int = 0
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def answer(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests += 1
            if self.requests <= self.fail_first:
                return 500, {"errmsg": "busy"}
            if self.secret and not self.signature_ok(path):
                self.refused_signatures += 1
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            if self.errcode:
                return 200, {"errcode": self.errcode, "errmsg": "refused"}
            self.accepted.append(json.loads(body))
            return 200, {"errcode": 0, "errmsg": "ok"}

    def signature_ok(self, path: str) -> bool:
        query = parse_qs(urlsplit(path).query)
        try:
            timestamp = query["timestamp"][0]
            sign = query["sign"][0]  # parse_qs has undone the URL encoding
        except KeyError:
            return False
        now_ms = int(timezone.now().timestamp() * 1000)
        if abs(now_ms - int(timestamp)) > 3600 * 1000:
            return False
        expected = base64.b64encode(
            hmac.new(
                self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
            ).digest()
        ).decode()
        return hmac.compare_digest(sign, expected)

    def texts(self) -> list[str]:
        out = []
        for payload in self.accepted:
            markdown = payload["markdown"]
            out.append(markdown.get("content") or markdown.get("text"))
        return out


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, payload = state.answer(self.path, self.rfile.read(length))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output free of the server's access log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = (
        f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test-key-1234"
    )
    yield state
    server.shutdown()
    server.server_close()


def robot_for(
    receiver: Receiver,
    *,
    place: Place | None = None,
    team: Any = None,
    kind: str = RobotKind.WECOM,
    secret: str = "",
) -> RobotWebhook:
    return add_robot(
        kind=kind, name="居委会工作群", url=receiver.url, secret=secret, place=place, team=team
    )


def meeting_at(
    place: Place,
    starts_at: datetime,
    invitees: list[Resident],
    kind: str = MeetingKind.JOINT_CONSULTATION,
    title: str = "",
) -> Meeting:
    meeting = create_meeting(
        place=place, kind=kind, starts_at=starts_at, venue="亲邻驿家", title=title
    )
    for r in invitees:
        Invitation.objects.create(meeting=meeting, resident=r, name=r.name, role=InviteeGroup.ADDED)
    return meeting


def soon(hours: int = 20) -> datetime:
    return timezone.now() + timedelta(hours=hours)
