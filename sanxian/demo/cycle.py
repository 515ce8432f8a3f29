"""The demo's monthly cycle: six months of held meetings in 景泰 and 江南新村, and the
coming months for every neighborhood.

- Past months (景泰, 江南新村): the 5th collection meeting, the 15th party deliberation
  and the 25th joint consultation, on the sub-district's cycle rule (its days, times,
  venue and holiday policy), each with its invitees (the rule's groups), attendance
  (70–95% at the 15th, less at the 5th and 25th, two meetings below quorum), agenda,
  chair, recorder, short minutes and decisions. Named votes at two 15th meetings, counts
  at a 25th. 江南's 25th meetings report the east-gate issue's progress; 景泰 raises
  two small issues of its own at a 5th meeting and takes each into 先想 at the 15th.
- The coming months: the product's own generation (``generate_meetings``) for every
  neighborhood, with automatic agendas and invitations.

Dates are relative to the day the demo is loaded; every random choice uses one seed.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from sanxian.accounts.models import User
from sanxian.appeals.models import Appeal
from sanxian.issues import services as issue_services
from sanxian.issues.models import Issue, IssueEvent, IssueSource, IssueState
from sanxian.meetings.models import (
    AgendaItem,
    AgendaSource,
    CheckInMethod,
    CycleRule,
    Invitation,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingVote,
    VoteChoice,
)
from sanxian.meetings.services import (
    create_meeting,
    decide,
    generate_meetings,
    invitees_for,
    record_minutes,
    record_vote,
    refresh_agenda,
    rule_for,
    shift_for_holidays,
)
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import subtree_q
from sanxian.workdays import selectors as workdays

CYCLE_SEED = 20190515
JINGTAI = "景泰居民区"
JIANGNAN = "江南新村居民区"
SUBDISTRICT = "斜土街道"
PAST_MONTHS = 6
# The rest of this month and three whole months after it.
UPCOMING_MONTHS = 4

COLLECTION = MeetingKind.COLLECTION
DELIBERATION = MeetingKind.PARTY_DELIBERATION
CONSULTATION = MeetingKind.JOINT_CONSULTATION

MEETING_NAMES = {
    COLLECTION: "楼组议题征集会",
    DELIBERATION: "党内民主恳谈会",
    CONSULTATION: "亲邻合议推进会",
}
ATTENDANCE = {COLLECTION: (0.55, 0.78), DELIBERATION: (0.7, 0.95), CONSULTATION: (0.5, 0.68)}
LOW_ATTENDANCE = (0.3, 0.44)
# (neighborhood, months ago, kind) of the meetings that missed their quorum.
BELOW_QUORUM = {(JINGTAI, 5, CONSULTATION), (JIANGNAN, 4, COLLECTION)}
# (neighborhood, months ago) of the 15th meetings that took a named vote.
NAMED_VOTES = {(JINGTAI, 3), (JIANGNAN, 2)}
# 江南's 25th meeting that voted by counts.
COUNTED_VOTE = (JIANGNAN, 1)

SECRETARIES = {JINGTAI: "jingtai_secretary", JIANGNAN: "jiangnan_secretary"}
CHAIRS = {
    JINGTAI: {COLLECTION: "王丽萍", DELIBERATION: "陆卫红", CONSULTATION: "陆卫红"},
    JIANGNAN: {COLLECTION: "钱国平", DELIBERATION: "沈慧芳", CONSULTATION: "沈慧芳"},
}
RECORDERS = {JINGTAI: ("王丽萍", "张晓燕"), JIANGNAN: ("金佳怡", "严春燕")}

AGENDA = {
    COLLECTION: [
        "各楼组长汇报本月楼组情况",
        "征集居民议题，逐条梳理",
        "通报上月议题办理结果",
    ],
    DELIBERATION: [
        "传达街道党工委近期工作要求",
        "研判本月征集议题（三个有没有）",
        "党员先锋岗认领本月任务",
    ],
    CONSULTATION: [
        "通报本月议题办理情况",
        "听取业委会、物业意见",
        "居民议事：需要大家共同商定的事项",
    ],
}
MINUTES = {
    COLLECTION: [
        "各楼组长逐一汇报楼组情况，共收集居民意见{n}条。",
        "党员骨干反映部分楼道堆物有回潮迹象，建议纳入下月整治。",
        "业主代表提出小区监控探头老化，需与物业沟通更换。",
        "网格长反映独居老人冬季取暖用电需要关注。",
        "会议对意见逐条梳理，分为可即时办理和需提交恳谈会讨论两类。",
    ],
    DELIBERATION: [
        "在职党员和退休党员分组讨论，围绕“三个有没有”逐项研判本月议题。",
        "大家认为，议题关系全体居民共同利益，党员要先想一步、先议一步。",
        "退休党员介绍了上一轮楼道整治的经验，在职党员提出利用晚上和周末上门沟通。",
        "党员一致表示，方案确定后带头执行，带动身边居民。",
    ],
    CONSULTATION: [
        "居民代表、业委会主任和物业经理到会，现场答复居民提问。",
        "居委会通报本月议题办理进度，居民逐项发表意见。",
        "物业通报本月报修办理情况，居民对电梯维修响应慢提出意见。",
        "会议就需要居民共同遵守的事项形成共识，由楼组长向各户传达。",
    ],
}
DECISIONS = {
    COLLECTION: [
        "楼道灯、单元门禁等即时事项由居委会本周内联系物业办理。",
        "楼道堆物回潮问题列入下月议题，由楼组长先行摸底。",
        "监控探头更换事宜提交25日亲邻合议推进会商议。",
    ],
    DELIBERATION: [
        "党员认领楼道消防安全巡查，每周一次，发现问题当场劝导。",
        "退休党员结对走访独居老人，本月内完成。",
        "在职党员利用周末参加“美丽楼道”自治项目。",
    ],
    CONSULTATION: [
        "物业承诺月底前完成单元门门禁维修，居委会跟踪回访。",
        "下月组织“美丽楼道”评比，由楼组长和业主代表共同打分。",
        "冬季用电安全宣传由志愿者分楼入户开展。",
    ],
}

# 景泰's own small issues: (months ago, title, description, why it goes to 先想).
JINGTAI_ISSUES = [
    (
        3,
        "非机动车棚拥挤，电瓶车停放无序",
        "车棚只能停放约60辆车，居民电瓶车超过百辆，车辆挤占消防通道，夜间推车进楼充电。",
        "关系全体居民的出行和消防安全，交党员先想：怎样扩容、怎样引导规范停放。",
    ),
    (
        1,
        "西侧绿地犬只粪便无人清理",
        "西侧绿地和儿童游乐区附近犬只粪便较多，居民多次反映，养犬居民与其他居民时有口角。",
        "涉及公共环境和邻里和睦，交党员先想：先由养犬的党员带头文明养犬。",
    ),
]
# The east-gate issue's progress as the 25th meetings heard it: (the line applies to a
# meeting fewer than this many days ago, text), newest first.
EAST_GATE_PROGRESS = [
    (20, "通报：东大门复建工程完工，居民出行恢复；下月开展满意度回访。"),
    (60, "通报：经街道协调，施工方同意出资复建东大门；志愿者继续参加工程例会，反馈居民意见。"),
    (120, "通报：东大门复建事项已提请街道党工委协调；施工期间临时出入口照明由物业增设。"),
    (161, "通报：江南匠心舫志愿者每天在施工现场值班，本月反馈居民诉求，施工方已逐项答复。"),
]


@dataclass
class _Slot:
    hood: Place
    kind: MeetingKind
    scheduled: date
    starts_at: datetime
    months_ago: int


@dataclass
class _Story:
    """What happens at the meetings of the past months, besides the routine."""

    today: date
    rng: random.Random
    agenda: list[AgendaItem] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"meetings": 0, "decisions": 0, "votes": 0, "issues": 0}
    )
    jingtai_issues: dict[int, Issue] = field(default_factory=dict)


def _months_back(today: date, count: int) -> list[tuple[int, int, int]]:
    """(year, month, months ago) from ``count`` months ago up to this month."""
    out = []
    for ago in range(count, -1, -1):
        index = today.year * 12 + today.month - 1 - ago
        out.append((index // 12, index % 12 + 1, ago))
    return out


def _slots(hoods: list[Place], today: date) -> list[_Slot]:
    tz = timezone.get_current_timezone()
    out = []
    for hood in hoods:
        hood_rule = rule_for(hood)
        for year, month, ago in _months_back(today, PAST_MONTHS):
            last = calendar.monthrange(year, month)[1]
            for kind in MeetingKind:
                scheduled = date(year, month, min(hood_rule.day_for(kind), last))
                if scheduled >= today:  # the product's own generation creates it
                    continue
                actual = shift_for_holidays(scheduled, hood_rule.holiday_policy)
                starts_at = datetime.combine(actual, hood_rule.time_for(kind), tzinfo=tz)
                out.append(_Slot(hood, kind, scheduled, starts_at, ago))
    return sorted(out, key=lambda s: (s.starts_at, s.hood.path))


def _create(slot: _Slot, rule: CycleRule) -> Meeting:
    name = MEETING_NAMES[slot.kind]
    meeting = create_meeting(
        place=slot.hood,
        kind=slot.kind,
        starts_at=slot.starts_at,
        title=f"{slot.hood.name}{name}（{slot.scheduled.month}月）",
        venue=rule.venue,
    )
    estimated = not workdays.year_has_official_data(slot.starts_at.year)
    Meeting.objects.filter(pk=meeting.pk).update(
        scheduled_for=slot.scheduled,
        ends_at=slot.starts_at + rule.duration,
        quorum_percent=rule.quorum_percent,
        calendar_estimated=estimated,
    )
    meeting.refresh_from_db()
    return meeting


def _invite_all(meetings: list[Meeting]) -> None:
    """Invite each meeting's invitees by its rule (the service picks them once per
    neighborhood and kind; all invitations are written in one go)."""
    picked: dict[tuple[int, str], list[Invitation]] = {}
    rows: list[Invitation] = []
    for meeting in meetings:
        key = (meeting.place_id, meeting.kind)
        if key not in picked:
            groups = rule_for(meeting.place).invitees_for(meeting.kind)
            picked[key] = invitees_for(meeting, groups)
        rows.extend(
            Invitation(
                meeting=meeting,
                resident_id=i.resident_id,
                party_member_id=i.party_member_id,
                name=i.name,
                role=i.role,
            )
            for i in picked[key]
        )
    Invitation.objects.bulk_create(rows, batch_size=2000)


def _attend(meeting: Meeting, share: float, rng: random.Random) -> tuple[int, list[Invitation]]:
    """Mark ``share`` of the invitees present, as staff do after the meeting (what
    ``mark_attendance`` records, in one update, backdated to the meeting); returns how
    many were invited and the attendees."""
    invitations = list(Invitation.objects.filter(meeting=meeting).order_by("id"))
    came = rng.sample(invitations, round(len(invitations) * share))
    Invitation.objects.filter(pk__in=[i.pk for i in came]).update(
        attended=True,
        checked_in_at=meeting.starts_at - timedelta(minutes=10),
        method=CheckInMethod.STAFF,
    )
    return len(invitations), came


def _add_agenda(
    story: _Story, meeting: Meeting, items: list[tuple[str, Issue | Appeal | None]]
) -> None:
    for position, (title, source) in enumerate(items, start=1):
        story.agenda.append(
            AgendaItem(
                meeting=meeting,
                position=position,
                title=title[:200],
                source=AgendaSource.MANUAL,
                issue=source if isinstance(source, Issue) else None,
                appeal=source if isinstance(source, Appeal) else None,
            )
        )


def _decide(
    story: _Story,
    meeting: Meeting,
    text: str,
    actor: User,
    issue: Issue | None = None,
    to: str = "",
) -> MeetingDecision:
    decision = decide(meeting=meeting, text=text, actor=actor, issue=issue, to=to)
    at = meeting.end - timedelta(minutes=15)
    MeetingDecision.objects.filter(pk=decision.pk).update(recorded_at=at)
    if issue is not None and to:
        IssueEvent.objects.filter(issue=issue, meeting=meeting, to_state=to).update(at=at)
        Issue.objects.filter(pk=issue.pk).update(state_changed_at=at)
    story.counts["decisions"] += 1
    return decision


def _date(d: datetime) -> str:
    local = timezone.localtime(d)
    return f"{local.year}年{local.month}月{local.day}日{local.hour}:{local.minute:02d}"


def _new_appeals(meeting: Meeting, previous: datetime | None) -> list[Appeal]:
    appeals = Appeal.objects.filter(subtree_q(meeting.path), created_at__lt=meeting.starts_at)
    if previous is not None:
        appeals = appeals.filter(created_at__gte=previous)
    return list(appeals.order_by("created_at", "id")[:4])


def _hold(
    story: _Story, slot: _Slot, meeting: Meeting, actor: User, previous: datetime | None
) -> None:
    """Everything of one held meeting: attendance, agenda, minutes, decisions, votes."""
    rng = story.rng
    hood = slot.hood.name
    low = (hood, slot.months_ago, slot.kind) in BELOW_QUORUM
    share = rng.uniform(*(LOW_ATTENDANCE if low else ATTENDANCE[slot.kind]))
    invited, came = _attend(meeting, share, rng)

    items: list[tuple[str, Issue | Appeal | None]] = [(AGENDA[slot.kind][0], None)]
    lines = [
        f"时间：{_date(meeting.starts_at)}；地点：{meeting.venue}。",
        f"应到{invited}人，实到{len(came)}人。",
    ]
    pool = list(MINUTES[slot.kind])
    first = pool.pop(0).format(n=rng.randint(6, 15))
    lines.append(first)
    lines.extend(rng.sample(pool, 2))
    decisions: list[tuple[str, Issue | None, str]] = []

    if slot.kind == COLLECTION:
        for appeal in _new_appeals(meeting, previous):
            items.append((f"居民诉求：{appeal.text[:60]}", appeal))
        items.append((AGENDA[COLLECTION][1], None))
        if hood == JINGTAI and not low:
            for ago, title, description, _why in JINGTAI_ISSUES:
                if ago != slot.months_ago:
                    continue
                issue = _raise_issue(story, slot, meeting, actor, title, description)
                items.append((f"新议题：{title}", issue))
                lines.append(f"楼组长提出“{title}”，会议同意列为议题，提交15日党内民主恳谈会。")
        if hood == JIANGNAN and not low:
            charging = Issue.objects.filter(
                path__startswith=slot.hood.path, title="楼道电动车充电安全隐患"
            ).first()
            if charging is not None and charging.created_at < meeting.starts_at:
                items.append((f"新议题：{charging.title}", charging))
                decisions.append(
                    ("楼道电动车充电安全隐患列为议题，提交15日党内民主恳谈会。", charging, "")
                )
    elif slot.kind == DELIBERATION:
        items.append((AGENDA[DELIBERATION][1], None))
        if hood == JINGTAI:
            for ago, title, _description, why in JINGTAI_ISSUES:
                raised = story.jingtai_issues.get(ago)
                if ago == slot.months_ago and raised is not None:
                    items.append((title, raised))
                    decisions.append((why, raised, IssueState.THINK))
        items.append((AGENDA[DELIBERATION][2], None))
    else:
        east_gate = Issue.objects.filter(
            path__startswith=slot.hood.path, title="地铁12号线施工封闭东大门"
        ).first()
        days_ago = (story.today - slot.starts_at.date()).days
        progress = next((t for before, t in EAST_GATE_PROGRESS if days_ago < before), None)
        if hood == JIANGNAN and east_gate is not None and progress is not None and not low:
            text = progress
            items.append((f"进展：{east_gate.title}", east_gate))
            decisions.append((text, east_gate, ""))
        items.extend((t, None) for t in AGENDA[CONSULTATION][1:])

    if low:
        lines.append("出席人数未达到规定比例，本次会议只通报情况、听取意见，不作决定。")
    else:
        decisions.append((rng.choice(DECISIONS[slot.kind]), None, ""))
    _add_agenda(story, meeting, items)
    chair = CHAIRS[hood][slot.kind]
    recorder = RECORDERS[hood][slot.months_ago % 2]
    lines.append(f"主持：{chair}；记录：{recorder}。")
    record_minutes(meeting=meeting, minutes="\n".join(lines), chair=chair, recorder=recorder)

    made = [_decide(story, meeting, text, actor, issue, to) for text, issue, to in decisions]
    if low or not made:
        return
    if slot.kind == DELIBERATION and (hood, slot.months_ago) in NAMED_VOTES:
        voters = [i.party_member_id for i in came if i.party_member_id is not None]
        ballots: dict[int, str] = {}
        for n, member_id in enumerate(voters):
            roll = rng.random()
            ballots[member_id] = (
                VoteChoice.AGREE.value
                if roll < 0.85 or n == 0
                else VoteChoice.ABSTAIN.value
                if roll < 0.95
                else VoteChoice.DISAGREE.value
            )
        _vote(story, meeting, made[0], actor, ballots=ballots)
    if slot.kind == CONSULTATION and (hood, slot.months_ago) == COUNTED_VOTE:
        present = len(came)
        against, abstain = min(2, present // 10), min(3, present // 8)
        counts = (present - against - abstain, against, abstain)
        _vote(story, meeting, made[-1], actor, counts=counts)


def _vote(
    story: _Story,
    meeting: Meeting,
    decision: MeetingDecision,
    actor: User,
    ballots: dict[int, str] | None = None,
    counts: tuple[int, int, int] | None = None,
) -> None:
    vote = record_vote(
        meeting=meeting,
        question=f"是否同意：{decision.text[:80]}",
        actor=actor,
        ballots=ballots,
        counts=counts,
        decision=decision,
    )
    MeetingVote.objects.filter(pk=vote.pk).update(recorded_at=meeting.end - timedelta(minutes=20))
    story.counts["votes"] += 1


def _raise_issue(
    story: _Story, slot: _Slot, meeting: Meeting, actor: User, title: str, description: str
) -> Issue:
    building = (
        Place.objects.filter(subtree_q(slot.hood.path), kind=PlaceKind.BUILDING)
        .order_by("path")
        .first()
    )
    issue = issue_services.create_issue(
        place=building or slot.hood,
        title=title,
        description=description,
        source=IssueSource.COLLECTION_MEETING,
        actor=actor,
    )
    at = meeting.starts_at + timedelta(minutes=40)
    IssueEvent.objects.filter(issue=issue).update(at=at, meeting=meeting)
    Issue.objects.filter(pk=issue.pk).update(created_at=at, state_changed_at=at)
    story.jingtai_issues[slot.months_ago] = issue
    story.counts["issues"] += 1
    return issue


def _standing_items(meetings: list[Meeting]) -> None:
    """Bring the coming meetings' automatic agendas up to date and open each with its
    standing item (added as staff would; listed before the automatic items)."""
    have = set(
        AgendaItem.objects.filter(meeting__in=meetings, source=AgendaSource.MANUAL).values_list(
            "meeting_id", flat=True
        )
    )
    rows = []
    for meeting in meetings:
        refresh_agenda(meeting=meeting)
        if meeting.pk not in have:
            title = AGENDA[MeetingKind(meeting.kind)][0]
            rows.append(
                AgendaItem(meeting=meeting, position=0, title=title, source=AgendaSource.MANUAL)
            )
    AgendaItem.objects.bulk_create(rows)


def _subdistrict_rule() -> CycleRule:
    """The sub-district's rule (the default for its neighborhoods): the product's
    defaults, saved so the cycle pages show where the dates come from."""
    root = Place.objects.get(kind=PlaceKind.SUBDISTRICT, name=SUBDISTRICT)
    rule, _created = CycleRule.objects.get_or_create(place=root)
    return rule


def load_cycle(*, today: date | None = None) -> dict[str, int]:
    """Create the demo's meetings; returns how many held and upcoming meetings, decisions
    and votes the demo has."""
    real_today = timezone.localdate()
    today = today or real_today
    if today == real_today:
        now = timezone.now()
    else:
        now = timezone.make_aware(datetime.combine(today, time(12, 0)))
    _subdistrict_rule()
    story = _Story(today=today, rng=random.Random(CYCLE_SEED))
    hoods = [Place.objects.get(kind=PlaceKind.NEIGHBORHOOD, name=n) for n in (JINGTAI, JIANGNAN)]
    actors = {name: User.objects.get(username=u) for name, u in SECRETARIES.items()}
    previous_collection: dict[int, datetime] = {}
    held = 0
    slots = _slots(hoods, today)
    meetings = [_create(slot, rule_for(slot.hood)) for slot in slots]
    _invite_all(meetings)
    for slot, meeting in zip(slots, meetings, strict=True):
        if meeting.end > now:  # the rule date is past, the holiday-shifted day is not
            refresh_agenda(meeting=meeting)
            continue
        previous = previous_collection.get(slot.hood.pk)
        _hold(story, slot, meeting, actors[slot.hood.name], previous)
        if slot.kind == COLLECTION:
            previous_collection[slot.hood.pk] = meeting.starts_at
        held += 1
    AgendaItem.objects.bulk_create(story.agenda)

    generated = generate_meetings(months=UPCOMING_MONTHS, today=today)
    root = Place.objects.get(kind=PlaceKind.SUBDISTRICT, name=SUBDISTRICT)
    upcoming = Meeting.objects.filter(
        subtree_q(root.path), starts_at__gt=now, scheduled_for__isnull=False
    )
    _standing_items(list(upcoming))
    return {
        "held meetings": held,
        "upcoming meetings": upcoming.count(),
        "generated": len(generated.created),
        "decisions": story.counts["decisions"],
        "votes": story.counts["votes"],
        "cycle issues": story.counts["issues"],
    }


__all__ = ["load_cycle"]
