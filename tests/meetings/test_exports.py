"""Exports: the Word minutes and the iCalendar feeds (neighborhood and private)."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from icalendar import Calendar

from sanxian.meetings import exports, services
from sanxian.meetings.models import (
    CalendarToken,
    Invitation,
    InviteeGroup,
    Meeting,
    MeetingKind,
    VoteChoice,
)
from tests.world import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def start(days: int = 3, hour: int = 14) -> datetime:
    day = timezone.localtime(timezone.now(), SHANGHAI) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def make(world: World, kind: str, *, days: int = 3, place=None, title: str = "") -> Meeting:
    m = services.create_meeting(
        place=place or world.north,
        kind=kind,
        starts_at=start(days),
        title=title,
        venue="亲邻驿家",
    )
    services.invite(meeting=m)
    return m


def cn_time(dt: datetime) -> str:
    d = dt.astimezone(SHANGHAI)
    return f"{d.year}年{d.month}月{d.day}日 {d:%H:%M}"


def texts(doc) -> list[str]:
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        out.extend(cell.text for row in table.rows for cell in row.cells)
    return out


def line_with(lines: list[str], needle: str) -> str:
    found = [line for line in lines if needle in line]
    assert found, f"{needle!r} not in {lines}"
    return found[0]


def filled(world: World, kind: str = MeetingKind.COLLECTION) -> Meeting:
    """A meeting with agenda (one item dropped), attendance, minutes, decisions, votes."""
    m = make(world, kind, title="北苑党内民主恳谈会" if kind != MeetingKind.COLLECTION else "")
    services.add_agenda_item(meeting=m, title="楼道堆物清理")
    services.add_agenda_item(meeting=m, title="加装电梯意见征集")
    dropped = services.add_agenda_item(meeting=m, title="已撤下的事项")
    services.set_dropped(item=dropped, dropped=True)
    invitations = list(Invitation.objects.filter(meeting=m).order_by("id"))
    assert len(invitations) >= 2
    services.mark_attendance(meeting=m, attended_ids=[invitations[0].pk])
    services.record_minutes(
        meeting=m,
        minutes="会议听取了楼组情况汇报。\n与会人员充分讨论。",
        chair="张主任",
        recorder="李社工",
    )
    services.record_decision(meeting=m, text="下周六开展楼道清理", actor=None)
    services.record_decision(meeting=m, text="电梯方案提交联合协商会", actor=None)
    if m.party_only:
        ballots = {i.party_member_id: VoteChoice.AGREE for i in invitations if i.party_member_id}
        services.record_vote(meeting=m, question="同意提交方案", actor=None, ballots=ballots)
    else:
        services.record_vote(meeting=m, question="同意清理", actor=None, counts=(7, 1, 2))
    return m


# --- Word minutes -----------------------------------------------------------------------


def test_minutes_docx_reads_back(world: World, login) -> None:
    m = filled(world)
    client = login("secretary")
    response = client.get(reverse("meetings:minutes_docx", args=[m.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition
    assert m.title in unquote(disposition.split("filename*=UTF-8''")[1])

    doc = Document(BytesIO(response.content))
    lines = texts(doc)
    title = doc.paragraphs[0]
    assert m.title in title.text
    assert title.alignment == 1  # centred
    east_asia = title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia"))
    assert east_asia == exports.TITLE_FONT
    body_run = doc.paragraphs[1].runs[-1]
    assert body_run._element.rPr.rFonts.get(qn("w:eastAsia")) == exports.BODY_FONT

    assert cn_time(m.starts_at) in line_with(lines, "年")
    assert "亲邻驿家" in "".join(lines)
    assert any("张主任" in line for line in lines)
    assert any("李社工" in line for line in lines)
    invitations = list(Invitation.objects.filter(meeting=m).order_by("id"))
    present, absent = invitations[0], invitations[1:]
    attendees_line = line_with(lines, present.name)
    for inv in absent:
        assert inv.name not in attendees_line
        assert any(inv.name in line and present.name not in line for line in lines)
    assert "1. 楼道堆物清理" in lines
    assert "2. 加装电梯意见征集" in lines
    assert not any("已撤下的事项" in line for line in lines)
    assert "会议听取了楼组情况汇报。" in lines
    assert "与会人员充分讨论。" in lines
    assert "1. 下周六开展楼道清理" in lines
    assert "2. 电梯方案提交联合协商会" in lines
    vote = line_with(lines, "同意清理")
    assert "7" in vote and "1" in vote and "2" in vote


def test_minutes_docx_of_the_15th_has_named_ballots(world: World, login) -> None:
    m = filled(world, MeetingKind.PARTY_DELIBERATION)
    member_names = [
        i.name for i in Invitation.objects.filter(meeting=m, party_member__isnull=False)
    ]
    assert member_names
    response = login("secretary").get(reverse("meetings:minutes_docx", args=[m.pk]))
    assert response.status_code == 200
    lines = texts(Document(BytesIO(response.content)))
    assert "北苑党内民主恳谈会" in lines[0]
    vote = line_with(lines, "同意提交方案")
    for name in member_names:
        assert name in vote


def test_minutes_docx_of_an_empty_meeting(world: World, login) -> None:
    m = services.create_meeting(place=world.north, kind=MeetingKind.COLLECTION, starts_at=start())
    response = login("admin").get(reverse("meetings:minutes_docx", args=[m.pk]))
    assert response.status_code == 200
    assert m.title in Document(BytesIO(response.content)).paragraphs[0].text


@pytest.mark.parametrize(
    ("persona", "kind", "status"),
    [
        ("outsider", MeetingKind.COLLECTION, 404),
        ("outsider", MeetingKind.PARTY_DELIBERATION, 404),
        ("social_worker", MeetingKind.COLLECTION, 200),
        ("social_worker", MeetingKind.PARTY_DELIBERATION, 404),
        ("group_leader", MeetingKind.PARTY_DELIBERATION, 200),
        ("auditor", MeetingKind.COLLECTION, 404),
        ("nobody", MeetingKind.COLLECTION, 404),
        ("resident", MeetingKind.COLLECTION, 404),
    ],
)
def test_minutes_docx_access(world: World, login, persona: str, kind: str, status: int) -> None:
    m = make(world, kind)
    assert login(persona).get(reverse("meetings:minutes_docx", args=[m.pk])).status_code == status


def test_invited_resident_gets_the_minutes(world: World, login) -> None:
    m = make(world, MeetingKind.JOINT_CONSULTATION)
    Invitation.objects.create(
        meeting=m, resident=world.resident, name=world.resident.name, role=InviteeGroup.ADDED
    )
    assert login("resident").get(reverse("meetings:minutes_docx", args=[m.pk])).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, world: World) -> None:
    m = make(world, MeetingKind.COLLECTION)
    for url in (
        reverse("meetings:minutes_docx", args=[m.pk]),
        reverse("meetings:ics_neighborhood", args=[world.north.pk]),
    ):
        assert client.get(url).status_code == 302


def test_detail_page_links_the_minutes(world: World, login) -> None:
    m = make(world, MeetingKind.COLLECTION)
    page = login("social_worker").get(reverse("meetings:detail", args=[m.pk]))
    assert reverse("meetings:minutes_docx", args=[m.pk]) in page.text


# --- iCalendar feeds --------------------------------------------------------------------


def events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert str(cal["X-WR-CALNAME"])
    return list(cal.walk("VEVENT"))


def by_uid(evs: list) -> dict[str, object]:
    return {str(e["UID"]): e for e in evs}


def cycle(world: World) -> dict[str, Meeting]:
    return {
        "5th": make(world, MeetingKind.COLLECTION, days=3),
        "15th": make(world, MeetingKind.PARTY_DELIBERATION, days=13),
        "25th": make(world, MeetingKind.JOINT_CONSULTATION, days=23),
        "south": make(world, MeetingKind.COLLECTION, days=4, place=world.south),
    }


def test_neighborhood_feed(world: World, login) -> None:
    ms = cycle(world)
    services.add_agenda_item(meeting=ms["5th"], title="楼道堆物清理")
    gone = services.add_agenda_item(meeting=ms["5th"], title="撤下")
    services.set_dropped(item=gone, dropped=True)
    evs = events(
        login("secretary").get(reverse("meetings:ics_neighborhood", args=[world.north.pk]))
    )
    assert len(evs) == 3
    found = by_uid(evs)
    assert set(found) == {f"meeting-{ms[k].pk}@sanxian" for k in ("5th", "15th", "25th")}
    for key in ("5th", "15th", "25th"):
        m = ms[key]
        e = found[f"meeting-{m.pk}@sanxian"]
        assert str(e["SUMMARY"]) == m.title
        assert str(e["LOCATION"]) == "亲邻驿家"
        dt = e["DTSTART"].dt
        assert dt == m.starts_at
        assert dt.utcoffset() == timedelta(hours=8)
        assert (dt.hour, dt.minute) == (14, 0)
        assert e["DTEND"].dt == m.end
    description = str(found[f"meeting-{ms['5th'].pk}@sanxian"]["DESCRIPTION"])
    assert "楼道堆物清理" in description
    assert "撤下" not in description


def test_neighborhood_feed_hides_the_15th_from_non_party_roles(world: World, login) -> None:
    ms = cycle(world)
    url = reverse("meetings:ics_neighborhood", args=[world.north.pk])
    uids = set(by_uid(events(login("social_worker").get(url))))
    assert uids == {f"meeting-{ms[k].pk}@sanxian" for k in ("5th", "25th")}
    uids = set(by_uid(events(login("group_leader").get(url))))
    assert f"meeting-{ms['15th'].pk}@sanxian" in uids


@pytest.mark.parametrize("persona", ["outsider", "auditor", "nobody"])
def test_neighborhood_feed_outside_scope_is_404(world: World, login, persona: str) -> None:
    cycle(world)
    client = login(persona)
    assert (
        client.get(reverse("meetings:ics_neighborhood", args=[world.north.pk])).status_code == 404
    )


def test_neighborhood_feed_of_a_non_neighborhood_is_404(world: World, login) -> None:
    client = login("admin")
    assert (
        client.get(reverse("meetings:ics_neighborhood", args=[world.block.pk])).status_code == 404
    )
    assert client.get(reverse("meetings:ics_neighborhood", args=[999999])).status_code == 404


def get_token(world: World, username: str) -> str:
    return CalendarToken.objects.get(user=world.users[username]).token


def test_private_feed_without_sign_in_and_rotation(world: World, login, client) -> None:
    ms = cycle(world)
    Invitation.objects.create(
        meeting=ms["25th"], resident=world.resident, name=world.resident.name, role="added"
    )
    c = login("resident")
    listing = c.get(reverse("meetings:list"))
    assert 'data-testid="create-feed"' in listing.text
    assert c.post(reverse("meetings:calendar_token_reset")).status_code == 302
    old = get_token(world, "resident")
    listing = c.get(reverse("meetings:list"))
    assert old in listing.text and 'data-testid="reset-feed"' in listing.text
    c.logout()
    evs = events(client.get(reverse("meetings:ics_private", args=[old])))
    assert set(by_uid(evs)) == {f"meeting-{ms['25th'].pk}@sanxian"}
    e = evs[0]
    assert str(e["SUMMARY"]) == ms["25th"].title
    assert e["DTSTART"].dt == ms["25th"].starts_at

    forged = reverse("meetings:ics_private", args=["x" * 43])
    assert client.get(forged).status_code == 404

    c = login("resident")
    assert c.post(reverse("meetings:calendar_token_reset")).status_code == 302
    new = get_token(world, "resident")
    assert new != old
    c.logout()
    assert client.get(reverse("meetings:ics_private", args=[old])).status_code == 404
    assert client.get(reverse("meetings:ics_private", args=[new])).status_code == 200


def test_reset_needs_post_and_sign_in(world: World, client, login) -> None:
    url = reverse("meetings:calendar_token_reset")
    assert client.post(url).status_code == 302  # to sign-in
    assert not CalendarToken.objects.exists()
    assert login("resident").get(url).status_code == 405


def test_private_feed_of_staff_covers_their_scope(world: World, login, client) -> None:
    ms = cycle(world)
    for persona in ("secretary", "social_worker"):
        login(persona).post(reverse("meetings:calendar_token_reset"))
    client.logout()
    secretary = by_uid(
        events(client.get(reverse("meetings:ics_private", args=[get_token(world, "secretary")])))
    )
    assert set(secretary) == {f"meeting-{ms[k].pk}@sanxian" for k in ("5th", "15th", "25th")}
    worker = by_uid(
        events(
            client.get(reverse("meetings:ics_private", args=[get_token(world, "social_worker")]))
        )
    )
    assert set(worker) == {f"meeting-{ms[k].pk}@sanxian" for k in ("5th", "25th")}


def test_private_feed_of_an_inactive_user_is_404(world: World, login, client) -> None:
    login("secretary").post(reverse("meetings:calendar_token_reset"))
    token = get_token(world, "secretary")
    user = world.users["secretary"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    client.logout()
    assert client.get(reverse("meetings:ics_private", args=[token])).status_code == 404


def test_list_page_shows_the_subscribe_links(world: World, login) -> None:
    page = login("secretary").get(reverse("meetings:list"))
    assert f'data-testid="feed-{world.north.pk}"' in page.text
    assert f'data-testid="feed-{world.south.pk}"' not in page.text
    assert reverse("meetings:ics_neighborhood", args=[world.north.pk]) in page.text
    page = login("group_leader").get(reverse("meetings:list"))
    assert f'data-testid="feed-{world.north.pk}"' in page.text
    page = login("auditor").get(reverse("meetings:list"))
    assert 'data-testid="feed-' not in page.text


# --- Query budgets ----------------------------------------------------------------------


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_are_constant(world: World, login, client) -> None:
    m = filled(world, MeetingKind.PARTY_DELIBERATION)
    Invitation.objects.create(
        meeting=m, resident=world.resident, name=world.resident.name, role="added"
    )
    login("secretary").post(reverse("meetings:calendar_token_reset"))
    token = get_token(world, "secretary")
    docx = reverse("meetings:minutes_docx", args=[m.pk])
    feed = reverse("meetings:ics_neighborhood", args=[world.north.pk])
    private = reverse("meetings:ics_private", args=[token])

    def measure() -> tuple[int, int, int]:
        signed_in = login("secretary")
        a, b = count(signed_in, docx), count(signed_in, feed)
        signed_in.logout()
        return a, b, count(client, private)

    before = measure()
    for days in range(5, 11):
        other = make(world, MeetingKind.JOINT_CONSULTATION, days=days)
        services.add_agenda_item(meeting=other, title=f"事项{days}")
        Invitation.objects.create(
            meeting=other, resident=world.resident, name=world.resident.name, role="added"
        )
    for n in range(3):
        services.add_agenda_item(meeting=m, title=f"新增事项{n}")
        services.record_decision(meeting=m, text=f"新增决定{n}", actor=None)
    members = [
        i.party_member_id for i in Invitation.objects.filter(meeting=m, party_member__isnull=False)
    ]
    services.record_vote(
        meeting=m,
        question="再表决",
        actor=None,
        ballots=dict.fromkeys(members, VoteChoice.ABSTAIN),
    )
    after = measure()
    assert before == after
    assert max(after) <= 13  # the Word minutes include one insert: the export's audit entry
