"""The demo's stories of the three firsts, and six months of residents' appeals.

- 嘉乐公寓 corridor clean-up (肇清): the article's case, through every stage — the three
  questions, the party members' discussion that replaced their chat group, the plan adopted
  at the 15th meeting, party members clearing corridors, iron gates and shoe cabinets first,
  residents following, before and after.
- 江南新村 east gate (江南): the metro line 12 works closed the estate's east gate; the
  community could not settle it alone, so it was escalated, then done when the builder paid
  for rebuilding the gate.
- About 100 appeals over the past six months with realistic timings, so the four rates mean
  something.

Dates are relative to the day the demo is loaded; every random choice uses one seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from sanxian.accounts.models import User
from sanxian.appeals import services as appeal_services
from sanxian.appeals.models import Appeal, AppealCategory, Rating
from sanxian.issues import services as issue_services
from sanxian.issues.models import (
    Issue,
    IssueEvent,
    IssueSource,
    PlanStep,
    StakeholderKind,
    SurveyRating,
    ThinkQuestion,
    VoteChoice,
)
from sanxian.meetings.models import Meeting, MeetingKind
from sanxian.meetings.services import create_meeting, record_minutes
from sanxian.party.models import PartyMember
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.places.paths import subtree_q

CASES_SEED = 20190501
SHANGHAI_VENUE = "亲邻驿家党建服务站"


@dataclass
class _Clock:
    """Backdates what the services stamp with the current time."""

    today: date

    def at(self, days_ago: int, hour: int = 9, minute: int = 0) -> datetime:
        day = self.today - timedelta(days=days_ago)
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _place(name: str, kind: str) -> Place:
    return Place.objects.get(name=name, kind=kind)


def _members_under(place: Place, limit: int) -> list[PartyMember]:
    return list(
        PartyMember.objects.filter(subtree_q(place.path), resident__isnull=False)
        .select_related("resident")
        .order_by("id")[:limit]
    )


def _residents_under(place: Place, limit: int, exclude: Sequence[int] = ()) -> list[Resident]:
    return list(
        Resident.objects.filter(subtree_q(place.path), party_member__isnull=True)
        .exclude(pk__in=list(exclude))
        .order_by("id")[:limit]
    )


def _backdate_events(issue: Issue, times: Sequence[datetime]) -> None:
    """Give the issue's events (in order) the times of the story."""
    events = list(IssueEvent.objects.filter(issue=issue).order_by("id"))
    for event, when in zip(events, times, strict=False):
        IssueEvent.objects.filter(pk=event.pk).update(at=when)
    Issue.objects.filter(pk=issue.pk).update(
        created_at=times[0], state_changed_at=times[min(len(events), len(times)) - 1]
    )


def _meeting(place: Place, kind: str, when: datetime, title: str, minutes: str) -> Meeting:
    meeting = create_meeting(
        place=place, kind=kind, starts_at=when, title=title, venue=SHANGHAI_VENUE
    )
    record_minutes(meeting=meeting, minutes=minutes)
    return meeting


def jiale_corridor_case(clock: _Clock) -> Issue:
    zhaoqing = _place("肇清居民区", PlaceKind.NEIGHBORHOOD)
    building = _place("嘉乐公寓", PlaceKind.BUILDING)
    secretary = _user("zhaoqing_secretary")
    members = _members_under(building, 12)
    followers = _residents_under(building, 18)

    issue = issue_services.create_issue(
        place=building,
        title="嘉乐公寓楼道堆物整治",
        description=(
            "嘉乐公寓建于1984年，15层178户。物业2016年弃管后，楼道堆满杂物，私装铁门、"
            "鞋柜占道，电线裸露，消防通道不畅，居民怨声载道。"
        ),
        source=IssueSource.COLLECTION_MEETING,
        actor=secretary,
    )
    times = [clock.at(150, 19)]

    issue_services.start_thinking(issue=issue, actor=secretary, note="5日楼组议题征集会提出")
    times.append(clock.at(148, 10))
    answers = {
        ThinkQuestion.OVERALL_INTEREST: "清理堆物让每一户出行方便，是全体居民的共同利益。",
        ThinkQuestion.ENVIRONMENT_SAFETY: "楼道堆物和私装铁门堵塞消防通道，存在火灾隐患。",
        ThinkQuestion.COMMUNITY_QUALITY: "楼道整洁是争创文明小区的第一步，能提升小区品质。",
    }
    for question, note in answers.items():
        issue_services.answer_question(
            issue=issue, question=question, answer=True, note=note, actor=secretary
        )
    for i, member in enumerate(members):
        choice = VoteChoice.AGREE if i != 5 else VoteChoice.ABSTAIN
        issue_services.cast_vote(issue=issue, member=member, choice=choice, actor=secretary)
    issue_services.post_message(
        issue=issue,
        author=secretary,
        text="党员们一致认为，改变大楼面貌势在必行。下一步怎样化解阻力？请大家出主意。",
    )

    issue_services.open_deliberation(issue=issue, actor=secretary, note="共识达成，信心油然而生")
    times.append(clock.at(140, 20))
    issue_services.set_goals(
        issue=issue,
        goals="两个月内清空15层楼道堆物，拆除私装铁门和占道鞋柜，消防通道全部畅通。",
        actor=secretary,
    )
    lead_option = issue_services.add_option(
        issue=issue,
        title="党员带头清理，楼组长逐户动员",
        description="党员先清自家门口，再由楼组长和党员结对上门，一户一户做工作。",
        actor=secretary,
    )
    issue_services.add_option(
        issue=issue,
        title="请业委会聘请保洁公司统一清运",
        description="费用由维修基金列支；缺点是居民没有参与，容易反弹。",
        actor=secretary,
    )
    for text in (
        "我先把自家门口的鞋柜搬走，给大家做个样子。",
        "铁门的事要和业委会一起商量，拆下来的铁门统一放到垃圾库房。",
        "有几户老人搬不动，我们党员帮着搬。",
    ):
        issue_services.post_message(issue=issue, author=secretary, text=text, option=lead_option)
    meeting15 = _meeting(
        zhaoqing,
        MeetingKind.PARTY_DELIBERATION,
        clock.at(135, 14),
        "肇清居民区党内民主恳谈会（嘉乐公寓）",
        "讨论嘉乐公寓楼道堆物整治方案，决定党员带头清理。",
    )
    steps = [
        issue_services.StepInput(
            what="党员清理自家门口堆物、移除鞋柜",
            owner_member=members[0],
            due_on=clock.today - timedelta(days=120),
            resources="",
        ),
        issue_services.StepInput(
            what="与业委会协商拆除私装铁门",
            owner_member=None,
            owner_name="嘉乐公寓业主委员会",
            due_on=clock.today - timedelta(days=110),
            resources="拆除工具、搬运人手",
        ),
        issue_services.StepInput(
            what="楼组长和党员结对逐户动员",
            owner_member=members[1],
            due_on=clock.today - timedelta(days=95),
            resources="",
        ),
    ]
    issue_services.adopt_plan(
        issue=issue,
        option=lead_option,
        meeting=meeting15,
        actor=secretary,
        leads=members[:3],
        steps=steps,
    )
    issue_services.add_stakeholder(
        issue=issue,
        kind=StakeholderKind.OWNERS_COMMITTEE,
        name="嘉乐公寓业主委员会",
        actor=secretary,
        note="负责协调铁门拆除，并承诺后续维护。",
    )
    issue_services.add_stakeholder(
        issue=issue,
        kind=StakeholderKind.RESIDENTS_COMMITTEE,
        name="肇清居民区居委会",
        actor=secretary,
    )
    meeting25 = _meeting(
        zhaoqing,
        MeetingKind.JOINT_CONSULTATION,
        clock.at(128, 14),
        "肇清居民区亲邻合议推进会",
        "向居民通报嘉乐公寓楼道整治方案，听取意见。",
    )
    issue_services.record_consultation(
        issue=issue,
        actor=secretary,
        held_on=(clock.today - timedelta(days=128)),
        attendees=46,
        summary="多数居民支持；少数担心鞋柜无处放，约定由党员帮助处理。",
        support=39,
        oppose=4,
        meeting=meeting25,
    )

    issue_services.start_action(issue=issue, actor=secretary, meeting=meeting15, note="党员先行")
    times.append(clock.at(135, 16))
    party_deeds = [
        "带头清理3楼楼道堆物",
        "拆除自家私装铁门",
        "移除门口鞋柜，帮助邻居搬运杂物",
        "清理7楼至9楼楼道，整理电线",
        "联系废品回收，清运大件杂物",
    ]
    for i, deed in enumerate(party_deeds):
        issue_services.record_action(
            issue=issue,
            actor=secretary,
            acted_at=clock.at(133 - i, 9 + i),
            what=deed,
            member=members[i % len(members)],
        )
    resident_deeds = ["清理自家门口堆物", "移走鞋柜", "拆除私装铁门", "帮老人搬运杂物"]
    for i, resident in enumerate(followers):
        issue_services.record_action(
            issue=issue,
            actor=secretary,
            acted_at=clock.at(126 - i * 2, 10),
            what=resident_deeds[i % len(resident_deeds)],
            resident=resident,
        )
    for step in PlanStep.objects.filter(plan__issue=issue).order_by("position"):
        issue_services.mark_step_done(issue=issue, step=step, actor=secretary)
    issue_services.record_outcome(
        issue=issue,
        actor=secretary,
        what_changed="15层楼道全部清空，拆除私装铁门23扇、鞋柜61个，消防通道畅通。",
        before="楼道堆满杂物，铁门、鞋柜占道，电线裸露杂乱。",
        after="楼道面貌焕然一新。老居民说：“住了这么多年，从来没这么敞亮过。”",
    )
    issue_services.complete(issue=issue, actor=secretary, note="整治完成，转入日常维护")
    times.append(clock.at(85, 17))
    for rating, count in (
        (SurveyRating.SATISFIED, 52),
        (SurveyRating.BASICALLY_SATISFIED, 9),
        (SurveyRating.UNSATISFIED, 2),
    ):
        issue_services.record_survey(issue=issue, actor=secretary, rating=rating, count=count)
    issue_services.set_follow_up(
        issue=issue, actor=secretary, follow_up_on=clock.today + timedelta(days=30)
    )
    _backdate_events(issue, times)
    return issue


def jiangnan_east_gate_case(clock: _Clock) -> Issue:
    jiangnan = _place("江南新村居民区", PlaceKind.NEIGHBORHOOD)
    secretary = _user("jiangnan_secretary")
    members = _members_under(jiangnan, 15)
    followers = _residents_under(jiangnan, 8)
    issue = issue_services.create_issue(
        place=jiangnan,
        title="地铁12号线施工封闭东大门",
        description=(
            "地铁12号线大木桥路站施工后，江南新村东大门被封闭，部分房屋沉降，"
            "居民出行不便，与施工方发生争执，工程延期。"
        ),
        source=IssueSource.APPEALS,
        actor=secretary,
    )
    times = [clock.at(175, 9)]
    _east_gate_appeals(issue, jiangnan, secretary, clock)
    issue_services.start_thinking(issue=issue, actor=secretary)
    times.append(clock.at(172, 10))
    for question, note in {
        ThinkQuestion.OVERALL_INTEREST: "地铁建成方便全体居民，同时要维护居民出行和房屋安全。",
        ThinkQuestion.ENVIRONMENT_SAFETY: "房屋沉降须持续监测，施工围挡要保证老人通行安全。",
        ThinkQuestion.COMMUNITY_QUALITY: "化解矛盾、恢复东大门，是小区品质的大事。",
    }.items():
        issue_services.answer_question(
            issue=issue, question=question, answer=True, note=note, actor=secretary
        )
    for member in members[:12]:
        issue_services.cast_vote(
            issue=issue, member=member, choice=VoteChoice.AGREE, actor=secretary
        )
    issue_services.open_deliberation(issue=issue, actor=secretary)
    times.append(clock.at(165, 19))
    issue_services.set_goals(
        issue=issue,
        goals="保障施工期间居民出行和房屋安全；竣工后恢复东大门。",
        actor=secretary,
    )
    option = issue_services.add_option(
        issue=issue,
        title="江南匠心舫志愿者驻场值班，参加工程例会",
        description="每天有志愿者在施工现场值班，及时反馈居民诉求。",
        actor=secretary,
    )
    meeting15 = _meeting(
        jiangnan,
        MeetingKind.PARTY_DELIBERATION,
        clock.at(160, 14),
        "江南新村居民区党内民主恳谈会（东大门）",
        "决定联合江南匠心舫介入调解施工矛盾。",
    )
    issue_services.adopt_plan(
        issue=issue,
        option=option,
        meeting=meeting15,
        actor=secretary,
        leads=members[:2],
        steps=[
            issue_services.StepInput(
                what="志愿者每天在施工现场值班",
                owner_member=members[0],
                due_on=clock.today - timedelta(days=30),
                resources="值班表",
            )
        ],
    )
    issue_services.add_stakeholder(
        issue=issue, kind=StakeholderKind.BUILDER, name="地铁12号线施工方", actor=secretary
    )
    issue_services.start_action(issue=issue, actor=secretary, meeting=meeting15)
    times.append(clock.at(160, 16))
    issue_services.record_action(
        issue=issue,
        actor=secretary,
        acted_at=clock.at(158, 8),
        what="在施工现场值班，记录居民反映的问题",
        member=members[0],
    )
    for i, resident in enumerate(followers):
        issue_services.record_action(
            issue=issue,
            actor=secretary,
            acted_at=clock.at(150 - i * 5, 9),
            what="参加工程例会，反馈居民诉求",
            resident=resident,
        )
    issue_services.escalate(
        issue=issue,
        actor=secretary,
        note="东大门复建需要施工方出资，提请街道党工委协调。",
    )
    times.append(clock.at(120, 11))
    issue_services.reopen(issue=issue, actor=_user("admin"), note="街道协调后，施工方同意出资")
    times.append(clock.at(60, 15))
    issue_services.record_outcome(
        issue=issue,
        actor=secretary,
        what_changed="地铁12号线竣工后，工程方出资赞助了小区东大门复建工程。",
        before="东大门封闭，居民绕行，矛盾激烈。",
        after="东大门复建完成，居民出行恢复。",
    )
    issue_services.complete(issue=issue, actor=secretary)
    times.append(clock.at(20, 10))
    issue_services.record_survey(
        issue=issue, actor=secretary, rating=SurveyRating.SATISFIED, count=37
    )
    _backdate_events(issue, times)
    return issue


APPEAL_TEXTS = {
    "楼道堆物": [
        "3楼楼道堆满杂物，影响通行",
        "楼道里有人放了旧沙发",
        "消防通道被自行车堵住了",
    ],
    "设施维修": [
        "楼道灯坏了，晚上很黑",
        "雨水管漏水，墙面发霉",
        "单元门门禁坏了关不上",
    ],
    "噪音扰民": [
        "楼上装修中午也在敲",
        "晚上广场舞音乐太响",
        "空调外机噪音很大",
    ],
    "邻里纠纷": [
        "楼上漏水到我家，协商不成",
        "邻居在公共区域养鸽子",
        "隔壁占用公共晾衣区",
    ],
    "物业服务": [
        "保洁一周才来一次",
        "电梯经常坏，物业不及时修",
        "物业电话打不通",
    ],
}


def _categories() -> dict[str, AppealCategory]:
    return {c.name: c for c in AppealCategory.objects.all()}


def appeals_history(clock: _Clock, rng: random.Random) -> int:
    """About 100 appeals over the past six months in 肇清 and 江南 (and a few elsewhere)."""
    categories = _categories()
    usable = [name for name in APPEAL_TEXTS if name in categories]
    if not usable:
        return 0
    staff = {
        "肇清居民区": _user("zhaoqing_secretary"),
        "江南新村居民区": _user("jiangnan_secretary"),
        "景泰居民区": _user("jingtai_secretary"),
    }
    hoods = {name: _place(name, PlaceKind.NEIGHBORHOOD) for name in staff}
    weights = {"肇清居民区": 40, "江南新村居民区": 45, "景泰居民区": 15}
    residents: dict[str, list[Resident]] = {
        name: list(
            Resident.objects.filter(subtree_q(hood.path))
            .select_related("household")
            .order_by("id")[:400]
        )
        for name, hood in hoods.items()
    }
    filed = 0
    for name, count in weights.items():
        for _ in range(count):
            resident = rng.choice(residents[name])
            category_name = rng.choice(usable)
            category = categories[category_name]
            days_ago = rng.randint(2, 180)
            filed_at = clock.at(days_ago, rng.randint(7, 20), rng.randint(0, 59))
            place = _building_group_of(resident)
            appeal = appeal_services.file_appeal(
                category=category,
                text=rng.choice(APPEAL_TEXTS[category_name]),
                place=place,
                resident=resident,
                filed_by=staff[name],
                on_behalf=True,
                on_behalf_note="居民电话反映，由居委会代为登记",
                now=filed_at,
            )
            filed += 1
            _handle(appeal, staff[name], filed_at, clock, rng)
    return filed + _charging_appeals_merged(clock)


def _east_gate_appeals(issue: Issue, jiangnan: Place, secretary: User, clock: _Clock) -> None:
    """The residents' appeals about the closed east gate that the issue was raised from:
    filed by phone through the residents' committee, merged into the issue."""
    category = AppealCategory.objects.filter(name="其他").first()
    if category is None:
        return
    texts = [
        "东大门封了，老人去菜场要绕一大圈",
        "施工后我家墙上出现裂缝，担心房屋沉降",
        "晚上施工噪音大，东门封闭后救护车进不来",
        "东大门什么时候能重新开？出行太不方便",
    ]
    residents = _residents_under(jiangnan, len(texts), exclude=[])
    appeals = [
        appeal_services.file_appeal(
            category=category,
            text=text,
            place=jiangnan,
            resident=resident,
            filed_by=secretary,
            on_behalf=True,
            on_behalf_note="居民电话反映，由居委会代为登记",
            now=clock.at(178 - i, 9 + i),
        )
        for i, (text, resident) in enumerate(zip(texts, residents, strict=False))
    ]
    appeal_services.merge_into_issue(
        appeals=appeals, actor=secretary, issue=issue, now=clock.at(175, 10)
    )


def _charging_appeals_merged(clock: _Clock) -> int:
    """Three neighbours of one 江南新村 stairwell report e-bikes charging in the corridor;
    the secretary merges their appeals into one issue for the next collection meeting."""
    secretary = _user("jiangnan_secretary")
    category = AppealCategory.objects.filter(name="停车管理").first()
    if category is None:
        return 0
    group = Place.objects.filter(
        subtree_q(_place("江南新村居民区", PlaceKind.NEIGHBORHOOD).path),
        kind=PlaceKind.BUILDING_GROUP,
    ).order_by("path")[2]
    neighbours = list(Resident.objects.filter(subtree_q(group.path)).order_by("id")[:3])
    texts = [
        "电动车在楼道里充电，很危险",
        "楼道里飞线充电，担心起火",
        "二楼有人把电瓶车推进楼道充电",
    ]
    appeals = [
        appeal_services.file_appeal(
            category=category,
            text=text,
            place=group,
            resident=resident,
            filed_by=secretary,
            on_behalf=True,
            on_behalf_note="居民电话反映，由居委会代为登记",
            now=clock.at(9 - i * 2, 19),
        )
        for i, (text, resident) in enumerate(zip(texts, neighbours, strict=False))
    ]
    appeal_services.merge_into_issue(
        appeals=appeals,
        actor=secretary,
        title="楼道电动车充电安全隐患",
        now=clock.at(2, 10),
    )
    return len(appeals)


def _building_group_of(resident: Resident) -> Place:
    return Place.objects.get(path=resident.path[:20])


def _handle(
    appeal: Appeal, actor: User, filed_at: datetime, clock: _Clock, rng: random.Random
) -> None:
    """Walk an appeal through its states with realistic delays (some late, some open)."""
    now = clock.at(0, 8)
    response_hours = appeal.category.response_hours
    late = rng.random() < 0.12
    contact_after = timedelta(hours=rng.uniform(0.5, response_hours * (2.0 if late else 0.8)))
    acknowledged_at = filed_at + contact_after
    if acknowledged_at >= now:
        return
    appeal_services.acknowledge_appeal(
        appeal=appeal, actor=actor, note="已联系居民", now=acknowledged_at
    )
    started_at = acknowledged_at + timedelta(hours=rng.uniform(1, 24))
    if started_at >= now or rng.random() < 0.05:
        return
    appeal_services.start_appeal(appeal=appeal, actor=actor, note="安排处理", now=started_at)
    days = appeal.category.resolution_working_days
    slow = rng.random() < 0.15
    closed_at = started_at + timedelta(days=rng.uniform(0.5, days * (2.2 if slow else 0.9)))
    if closed_at >= now:
        return
    if rng.random() < 0.07:
        appeal_services.reject_appeal(
            appeal=appeal, actor=actor, reason="不属于居委会职责范围，已告知居民渠道", now=closed_at
        )
    else:
        appeal_services.resolve_appeal(appeal=appeal, actor=actor, note="已处理完毕", now=closed_at)
    rated_at = closed_at + timedelta(hours=rng.uniform(2, 72))
    if rated_at >= now or rng.random() < 0.2:
        return
    roll = rng.random()
    rating = (
        Rating.SATISFIED
        if roll < 0.72
        else Rating.BASICALLY_SATISFIED
        if roll < 0.9
        else Rating.UNSATISFIED
    )
    rater = User.objects.filter(resident=appeal.resident).first() or actor
    appeal_services.rate_appeal(appeal=appeal, actor=rater, rating=rating, comment="", now=rated_at)


def load_cases(*, today: date | None = None) -> dict[str, int]:
    clock = _Clock(today or timezone.localdate())
    rng = random.Random(CASES_SEED)
    jiale_corridor_case(clock)
    jiangnan_east_gate_case(clock)
    appeals = appeals_history(clock, rng)
    return {"issues": Issue.objects.count(), "appeals": appeals}


__all__ = ["load_cases"]
