"""A neighborhood's monthly cycle: the 5th, 15th and 25th meetings of the past year and
the coming month, by the sub-district's cycle rule (days, times, venue, holiday policy).

Past meetings were held (a few were missed), with their invitees by the rule's groups,
attendance, agenda, minutes, a routine decision and sometimes a vote by counts; the
coming month's meetings are scheduled with their invitations and standing agenda.
Decisions about issues are added by ``workflow`` as the issues move.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sanxian.meetings.models import (
    AgendaItem,
    AgendaSource,
    CheckInMethod,
    Invitation,
    InviteeGroup,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingVote,
)
from sanxian.meetings.services import shift_for_holidays
from sanxian.synthetic import texts
from sanxian.synthetic.neighborhood import SHANGHAI, MeetingInfo
from sanxian.workdays import selectors as workdays

if TYPE_CHECKING:
    from sanxian.synthetic.neighborhood import Neighborhood

ATTENDANCE = {
    MeetingKind.COLLECTION: (0.55, 0.8),
    MeetingKind.PARTY_DELIBERATION: (0.7, 0.95),
    MeetingKind.JOINT_CONSULTATION: (0.45, 0.7),
}
MISSED = 0.04  # share of past meetings that did not take place
MINUTES_FILED = 0.95
COUNTED_VOTE = 0.3  # share of held 25th meetings that voted by counts

Invitee = tuple[int | None, int | None, str, str]  # resident id, member id, name, group


def months(first: date, last: date) -> list[tuple[int, int]]:
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def invitees(hb: Neighborhood, kind: str) -> list[Invitee]:
    """The rule's groups for ``kind``, one invitation a person (as
    ``sanxian.meetings.services.invitees_for`` picks them)."""
    out: list[Invitee] = []
    seen_people: set[int] = set()
    seen_members: set[int] = set()

    def add(group: str, resident_id: int | None, member_id: int | None, name: str) -> None:
        if resident_id is not None and resident_id in seen_people:
            return
        if member_id is not None and member_id in seen_members:
            return
        if resident_id is not None:
            seen_people.add(resident_id)
        if member_id is not None:
            seen_members.add(member_id)
        out.append((resident_id, member_id, name, group))

    terms = [(grid, role, p) for grid in hb.grids for role, p in grid.team.items()]
    for group in hb.ctx.rule.invitees[kind]:
        if group == InviteeGroup.GRID_TEAMS:
            for _grid, _role, p in sorted(terms, key=lambda t: (t[0].block.path, t[1])):
                add(group, p.id, p.member_id, p.name)
        elif group == InviteeGroup.PARTY_BACKBONES:
            for _grid, _role, p in sorted(terms, key=lambda t: (t[1], t[0].block.path)):
                if p.member_id is not None:
                    add(group, p.id, p.member_id, p.name)
        elif group == InviteeGroup.PARTY_MEMBERS:
            for m in hb.members:
                add(group, m.person.id if m.person else None, m.id, m.name)
        elif group == InviteeGroup.OWNERS_COMMITTEE_CHAIRS:
            for p in hb.committee_chairs:
                add(group, p.id, p.member_id, p.name)
    return out


def build(hb: Neighborhood) -> None:
    ctx, ins, rng = hb.ctx, hb.ins, hb.rng
    rule = ctx.rule
    first = ctx.today - timedelta(days=365)
    last = ctx.today + timedelta(days=31)
    invited = {kind: invitees(hb, kind) for kind in MeetingKind.values}
    chair = hb.users.names[hb.users.secretary]
    recorders = [hb.users.names[u] for u in hb.users.social_workers]
    for year, month in months(first, last):
        end_of_month = calendar.monthrange(year, month)[1]
        for kind in MeetingKind.values:
            scheduled = date(year, month, min(rule.days[kind], end_of_month))
            actual = shift_for_holidays(scheduled, rule.policy)
            starts = datetime.combine(actual, rule.times[kind], tzinfo=SHANGHAI)
            ends = starts + rule.duration
            if ends.date() < first or scheduled > last:
                continue
            past = ends <= ctx.now
            held = past and rng.random() >= MISSED
            estimated = not (
                workdays.year_has_official_data(scheduled.year)
                and workdays.year_has_official_data(actual.year)
            )
            minutes = ""
            if held and rng.random() < MINUTES_FILED:
                lines = texts.MINUTES[kind]
                minutes = "\n".join(
                    [
                        f"时间：{starts:%Y年%m月%d日 %H:%M}；地点：{rule.venue}。",
                        lines[0].format(n=rng.randint(4, 15)),
                        *rng.sample(lines[1:], 2),
                        f"主持：{chair}；记录：{recorders[month % len(recorders)]}。",
                    ]
                )
            meeting_id = ins.add(
                Meeting,
                {
                    "kind": kind,
                    "place_id": hb.id,
                    "path": hb.path,
                    "title": f"{hb.name}{texts.MEETING_NAMES[kind]}（{year}年{month}月）",
                    "starts_at": starts,
                    "venue": rule.venue,
                    "minutes": minutes,
                    "held": held,
                    "scheduled_for": scheduled,
                    "ends_at": ends,
                    "calendar_estimated": estimated,
                    "quorum_percent": rule.quorum,
                    "chair": chair if held else "",
                    "recorder": recorders[month % len(recorders)] if held else "",
                },
            )
            info = MeetingInfo(id=meeting_id, kind=kind, starts=starts, ends=ends, held=held)
            hb.meetings.append(info)
            _invite(hb, info, invited[kind])
            for position, title in enumerate(texts.STANDING_AGENDA[kind], start=1):
                ins.add(
                    AgendaItem,
                    {
                        "meeting_id": meeting_id,
                        "position": position,
                        "title": title,
                        "issue_id": None,
                        "appeal_id": None,
                        "source": AgendaSource.MANUAL,
                        "dropped": False,
                    },
                )
            if held and minutes:
                _routine_decision(hb, info)
    hb.index_meetings()


def _invite(hb: Neighborhood, meeting: MeetingInfo, people: list[Invitee]) -> None:
    rng = hb.rng
    came: set[int] = set()
    if meeting.held:
        share = rng.uniform(*ATTENDANCE[MeetingKind(meeting.kind)])
        came = set(rng.sample(range(len(people)), round(len(people) * share)))
    meeting.attended = len(came)
    for i, (resident_id, member_id, name, group) in enumerate(people):
        attended = i in came
        row: dict[str, Any] = {
            "meeting_id": meeting.id,
            "resident_id": resident_id,
            "party_member_id": member_id,
            "name": name,
            "role": group,
            "attended": attended,
            "checked_in_at": None,
            "method": "",
        }
        if attended:
            row["checked_in_at"] = meeting.starts - timedelta(minutes=rng.randint(0, 15))
            row["method"] = CheckInMethod.QR if rng.random() < 0.4 else CheckInMethod.STAFF
        hb.ins.add(Invitation, row)


def _routine_decision(hb: Neighborhood, meeting: MeetingInfo) -> None:
    rng = hb.rng
    text = rng.choice(texts.ROUTINE_DECISIONS[meeting.kind])
    decision_id = hb.ins.add(
        MeetingDecision,
        {
            "meeting_id": meeting.id,
            "text": text,
            "issue_id": None,
            "recorded_by_id": hb.users.secretary,
            "recorded_at": meeting.decided_at,
        },
    )
    if meeting.kind == MeetingKind.JOINT_CONSULTATION and rng.random() < COUNTED_VOTE:
        present = meeting.attended
        against, abstain = min(2, present // 10), min(3, present // 8)
        hb.ins.add(
            MeetingVote,
            {
                "meeting_id": meeting.id,
                "question": f"是否同意：{text[:80]}",
                "decision_id": decision_id,
                "named": False,
                "votes_for": present - against - abstain,
                "votes_against": against,
                "votes_abstain": abstain,
                "recorded_by_id": hb.users.secretary,
                "recorded_at": meeting.decided_at - timedelta(minutes=5),
            },
        )


def decide(hb: Neighborhood, meeting: MeetingInfo, text: str, issue_id: int, title: str) -> int:
    """A decision about an issue in the meeting's minutes (and the issue on the agenda)."""
    decision_id = hb.ins.add(
        MeetingDecision,
        {
            "meeting_id": meeting.id,
            "text": text,
            "issue_id": issue_id,
            "recorded_by_id": hb.users.secretary,
            "recorded_at": meeting.decided_at,
        },
    )
    if meeting.issue_items < 5 and issue_id not in meeting.on_agenda:
        meeting.issue_items += 1
        meeting.on_agenda.add(issue_id)
        hb.ins.add(
            AgendaItem,
            {
                "meeting_id": meeting.id,
                "position": len(texts.STANDING_AGENDA[meeting.kind]) + meeting.issue_items,
                "title": title[:200],
                "issue_id": issue_id,
                "appeal_id": None,
                "source": AgendaSource.AUTO,
                "dropped": False,
            },
        )
    return decision_id


__all__ = ["build", "decide", "invitees", "months"]
