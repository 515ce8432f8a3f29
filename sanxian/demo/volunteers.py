"""The demo's volunteers: 江南匠心舫 (founded 2012) at 江南新村 and its 13 teams.

- Members are 江南新村 residents, party members first, with their skills; each team's
  first member leads it, and 施永康 (the ``volunteer_leader`` sign-in) leads 江南匠心舫.
- 老王, a retired party member of 江南新村, stood duty at the metro line 12 大木桥路 station
  site next to the estate's east gate every day of the works (2013-03 → 2017-02, 四年如一日):
  the site duty roster of 轨交工地值守队 with its shifts, 老王 on duty nearly every day and a
  few team mates covering, every shift checked in and out and approved.
- The other teams' monthly service from 2024 to last month (approved), so the honour roll
  (匠誉榜) is full for every period, this year's included.
- The night patrol (夜间巡逻, 20:00–00:30, crossing midnight, on Fridays and Saturdays):
  served and approved from 2024 until two weeks ago; the past two weeks served with the
  hours pending the leader's approval; the coming four weeks open for sign-up, some seats taken,
  one swap waiting for the leader.

Historic data has fixed dates; what has to be recent or upcoming is relative to today.
Every random choice comes from one seed. ``load_volunteers()`` returns early when 江南匠心舫
exists; ``delete_volunteers(path)`` removes every volunteers record under a place.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sanxian.accounts.models import User
from sanxian.party.models import PartyMember
from sanxian.places.models import Gender, Place, PlaceKind, Resident
from sanxian.places.paths import subtree_q
from sanxian.volunteers.models import (
    CheckMethod,
    DutyShift,
    HoursEntry,
    HoursSource,
    HoursState,
    Roster,
    ShiftSignup,
    Skill,
    SwapRequest,
    TeamMembership,
    Volunteer,
    VolunteerTeam,
)
from sanxian.volunteers.services import generate_shifts, hours_between, roster_days, shift_times

VOLUNTEERS_SEED = 20120501
JIANGNAN = "江南新村居民区"
TOP_TEAM = "江南匠心舫"
TOP_FOUNDED = date(2012, 5, 1)
TOP_DESCRIPTION = (
    "江南新村居民区党总支牵头成立的志愿服务总队，党员带头、居民跟进，"
    "下设13支志愿服务队，以“匠心”服务邻里。"
)
METRO_TEAM = "轨交工地值守队"
PATROL_TEAM = "夜间巡逻队"
# (name, founded, description, skills its members tend to have, members)
TEAMS: list[tuple[str, date, str, tuple[str, ...], int]] = [
    (
        METRO_TEAM,
        date(2013, 2, 20),
        "地铁12号线大木桥路站施工期间，每天在东大门旁的施工现场值守，记录并反映居民诉求。",
        ("沟通协调", "摄影"),
        6,
    ),
    (PATROL_TEAM, date(2012, 6, 1), "夜间治安巡逻，检查楼道消防通道。", ("急救", "驾驶"), 12),
    ("楼道清洁队", date(2012, 6, 1), "每周清理楼道堆物，保持消防通道畅通。", ("保洁",), 12),
    (
        "助老服务队",
        date(2012, 9, 1),
        "为独居、高龄老人代购、陪医。",
        ("心理疏导", "烹饪"),
        12,
    ),
    ("文化宣传队", date(2013, 3, 1), "黑板报、宣传栏和社区文艺活动。", ("书法", "摄影"), 9),
    (
        "义务维修队",
        date(2012, 7, 1),
        "义务修理水电、家电和自行车。",
        ("电工", "水管维修"),
        10,
    ),
    ("绿化养护队", date(2014, 4, 1), "认养小区绿地，修剪、浇水、除草。", ("园艺",), 8),
    (
        "矛盾调解队",
        date(2013, 5, 1),
        "调解邻里纠纷，参加合议会。",
        ("法律咨询", "心理疏导"),
        7,
    ),
    ("垃圾分类指导队", date(2019, 7, 1), "定时定点投放点值守，指导垃圾分类。", ("沟通协调",), 10),
    ("健康义诊队", date(2015, 3, 1), "每月义诊，测血压、血糖，健康讲座。", ("急救", "护理"), 6),
    ("法律咨询队", date(2016, 1, 1), "每月法律咨询日，协助居民写诉求材料。", ("法律咨询",), 5),
    ("爱心助学队", date(2017, 9, 1), "为双职工家庭孩子课后辅导作业。", ("辅导作业", "英语"), 7),
    ("理发服务队", date(2014, 10, 1), "每月为老人义务理发。", ("理发",), 5),
]
SKILLS = (
    "电工",
    "水管维修",
    "急救",
    "护理",
    "书法",
    "摄影",
    "理发",
    "心理疏导",
    "法律咨询",
    "园艺",
    "烹饪",
    "驾驶",
    "英语",
    "辅导作业",
    "保洁",
    "沟通协调",
)
# Monthly service of the teams (besides the two rosters), for the honour roll.
TEAM_SERVICE = {
    "楼道清洁队": ("楼道堆物清理", 9, 2.0),
    "助老服务队": ("独居老人上门探访", 14, 1.5),
    "文化宣传队": ("社区宣传栏更新", 15, 2.5),
    "义务维修队": ("义务维修（水电、家电）", 9, 3.0),
    "绿化养护队": ("小区绿地养护", 8, 2.0),
    "矛盾调解队": ("邻里纠纷调解", 19, 2.0),
    "垃圾分类指导队": ("垃圾分类投放点值守", 7, 1.5),
    "健康义诊队": ("社区义诊", 9, 3.0),
    "法律咨询队": ("法律咨询日", 14, 2.0),
    "爱心助学队": ("课后作业辅导", 16, 2.0),
    "理发服务队": ("为老人义务理发", 9, 2.5),
}
SERVICE_FROM = date(2024, 1, 1)

METRO_ROSTER = "轨交12号线大木桥路站施工现场值守"
METRO_SERVICE = "地铁12号线大木桥路站施工现场值守"
METRO_LOCATION = "大木桥路站施工现场（江南新村东大门旁）"
METRO_START = date(2013, 3, 1)
METRO_END = date(2017, 2, 28)
METRO_HOURS = (time(8, 0), time(12, 0))
LAO_WANG_DAYS = 0.93  # the share of days 老王 stood duty himself

PATROL_ROSTER = "江南新村夜间巡逻"
PATROL_SERVICE = "夜间治安巡逻，检查楼道消防通道"
PATROL_LOCATION = "江南新村各楼栋（东大门集合）"
PATROL_START = date(2024, 1, 5)
PATROL_WEEKDAYS = "56"  # Fridays and Saturdays
PATROL_CAPACITY = 3


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


class _Loader:
    def __init__(self, hood: Place, today: date) -> None:
        self.hood = hood
        self.today = today
        self.rng = random.Random(VOLUNTEERS_SEED)
        self.entries: list[HoursEntry] = []

    # --- people and teams ----------------------------------------------------------------

    def people(self) -> None:
        residents = list(
            Resident.objects.filter(subtree_q(self.hood.path))
            .filter(birth_year__lte=2004, birth_year__gte=1940)
            .order_by("id")
        )
        members = set(
            PartyMember.objects.filter(subtree_q(self.hood.path), resident__isnull=False)
            .order_by()
            .values_list("resident_id", flat=True)
        )
        party = [r for r in residents if r.pk in members]
        others = [r for r in residents if r.pk not in members]
        self.rng.shuffle(party)
        self.rng.shuffle(others)
        # 老王: a retired party member of the estate, a man born in the 1950s.
        wang = next(
            r
            for r in party
            if r.name.startswith("王")
            and r.gender == Gender.MALE
            and 1948 <= (r.birth_year or 0) <= 1958
        )
        party.remove(wang)
        self.wang_resident = wang
        needed = sum(n for *_x, n in TEAMS)
        # Party members first; residents follow (some people serve in two teams).
        pool = [wang, *party[: needed * 2 // 3], *others[: needed // 3]]
        self.skills = {s.name: s for s in self._skills()}
        volunteers = [
            Volunteer(
                resident=r,
                name=r.name,
                place_id=r.household_id,
                path=r.path,
                registered_on=max(TOP_FOUNDED, r.moved_in or TOP_FOUNDED),
            )
            for r in pool
        ]
        Volunteer.objects.bulk_create(volunteers, batch_size=500)
        self.volunteers = volunteers
        self.wang = volunteers[0]
        self.party_ids = {r.pk for r in party} | {wang.pk}

    def _skills(self) -> list[Skill]:
        existing = {s.name: s for s in Skill.objects.filter(name__in=SKILLS)}
        new = [Skill(name=n) for n in SKILLS if n not in existing]
        Skill.objects.bulk_create(new)
        return list(Skill.objects.filter(name__in=SKILLS))

    def teams(self, leader_user: User | None) -> None:
        hood = self.hood
        self.top = VolunteerTeam.objects.create(
            place=hood,
            path=hood.path,
            name=TOP_TEAM,
            description=TOP_DESCRIPTION,
            created_on=TOP_FOUNDED,
        )
        children = [
            VolunteerTeam(
                place=hood,
                path=hood.path,
                parent=self.top,
                name=name,
                description=description,
                created_on=founded,
            )
            for name, founded, description, _skills, _n in TEAMS
        ]
        VolunteerTeam.objects.bulk_create(children)
        self.children = {t.name: t for t in children}
        memberships: list[TeamMembership] = []
        links = []
        Through = Volunteer.skills.through
        rest = self.volunteers[1:]
        cursor = 0
        self.members: dict[str, list[Volunteer]] = {}
        for name, founded, _d, skill_names, n in TEAMS:
            team = self.children[name]
            if name == METRO_TEAM:
                picked = [self.wang, *rest[cursor : cursor + n - 1]]
                cursor += n - 1
            else:
                picked = rest[cursor : cursor + n]
                cursor += n
                if cursor >= len(rest):
                    cursor = 0
            self.members[name] = picked
            for i, v in enumerate(picked):
                joined = max(founded, v.registered_on) + timedelta(days=self.rng.randint(0, 200))
                if name == METRO_TEAM:
                    joined = min(joined, date(2013, 2, 25))
                memberships.append(
                    TeamMembership(team=team, volunteer=v, is_leader=i == 0, joined_on=joined)
                )
                for skill in skill_names:
                    if self.rng.random() < 0.6:
                        links.append(Through(volunteer_id=v.pk, skill_id=self.skills[skill].pk))
        TeamMembership.objects.bulk_create(memberships, batch_size=500)
        extra = list(self.skills.values())
        for v in self.volunteers:
            if self.rng.random() < 0.3:
                links.append(Through(volunteer_id=v.pk, skill_id=self.rng.choice(extra).pk))
        Through.objects.bulk_create(links, ignore_conflicts=True, batch_size=500)
        self.leader_volunteer: Volunteer | None = None
        if leader_user is not None:
            leader = Volunteer.objects.filter(user=leader_user).first()
            if leader is None:
                leader = Volunteer.objects.create(
                    name=leader_user.display_name or leader_user.username,
                    place=hood,
                    path=hood.path,
                    user=leader_user,
                    registered_on=TOP_FOUNDED,
                )
            TeamMembership.objects.create(
                team=self.top, volunteer=leader, is_leader=True, joined_on=TOP_FOUNDED
            )
            self.leader_volunteer = leader
        self.leader_user = leader_user

    def demo_party_member(self) -> None:
        """The ``party_member`` sign-in patrols at night (so the demo can sign up)."""
        user = User.objects.filter(username="party_member").select_related("resident").first()
        if user is None or user.resident is None:
            return
        volunteer = Volunteer.objects.filter(resident=user.resident).first()
        if volunteer is None:
            r = user.resident
            volunteer = Volunteer.objects.create(
                resident=r,
                name=r.name,
                place_id=r.household_id,
                path=r.path,
                registered_on=date(2024, 1, 1),
            )
        patrol = self.children[PATROL_TEAM]
        if not TeamMembership.objects.filter(
            team=patrol, volunteer=volunteer, left_on__isnull=True
        ).exists():
            TeamMembership.objects.create(
                team=patrol, volunteer=volunteer, joined_on=date(2024, 1, 1)
            )
            self.members[PATROL_TEAM].append(volunteer)

    # --- hours ------------------------------------------------------------------------

    def _entry(
        self,
        volunteer: Volunteer,
        team: VolunteerTeam,
        service: str,
        started: datetime,
        ended: datetime,
        *,
        source: str = HoursSource.MANUAL,
        ref: int | None = None,
        state: str = HoursState.APPROVED,
    ) -> HoursEntry:
        decided = state != HoursState.PENDING
        entry = HoursEntry(
            volunteer=volunteer,
            team=team,
            path=self.hood.path,
            service=service,
            started_at=started,
            ended_at=ended,
            hours=hours_between(started, ended),
            source=source,
            source_ref=ref,
            state=state,
            decided_by=self.leader_user if decided else None,
            decided_at=ended + timedelta(days=1) if decided else None,
        )
        self.entries.append(entry)
        return entry

    def metro(self) -> None:
        team = self.children[METRO_TEAM]
        roster = Roster.objects.create(
            team=team,
            place=self.hood,
            path=self.hood.path,
            title=METRO_ROSTER,
            service=METRO_SERVICE,
            location=METRO_LOCATION,
            start_date=METRO_START,
            end_date=METRO_END,
            weekdays="1234567",
            start_time=METRO_HOURS[0],
            end_time=METRO_HOURS[1],
            capacity=2,
        )
        self.metro_roster = roster
        others = self.members[METRO_TEAM][1:]
        shifts, people = [], []
        for day in roster_days(roster, METRO_START, METRO_END):
            starts, ends = shift_times(roster, day)
            on_duty = [self.wang] if self.rng.random() < LAO_WANG_DAYS else []
            if not on_duty or self.rng.random() < 0.15:
                on_duty.append(self.rng.choice(others))
            shifts.append(
                DutyShift(
                    roster=roster, starts_at=starts, ends_at=ends, capacity=2, taken=len(on_duty)
                )
            )
            people.append(on_duty)
        DutyShift.objects.bulk_create(shifts, batch_size=500)
        self._served(roster, shifts, people, late_minutes=10)

    def _served(
        self,
        roster: Roster,
        shifts: list[DutyShift],
        people: list[list[Volunteer]],
        *,
        late_minutes: int,
        pending_after: datetime | None = None,
        checked_out: bool = True,
    ) -> None:
        signups: list[ShiftSignup] = []
        for shift, on_duty in zip(shifts, people, strict=True):
            for v in on_duty:
                early = timedelta(minutes=self.rng.randint(-late_minutes, late_minutes))
                late = timedelta(minutes=self.rng.randint(-late_minutes, late_minutes))
                signups.append(
                    ShiftSignup(
                        shift=shift,
                        volunteer=v,
                        checked_in_at=shift.starts_at + early if checked_out else None,
                        checked_out_at=shift.ends_at + late if checked_out else None,
                        check_method=(
                            CheckMethod.QR if self.rng.random() < 0.7 else CheckMethod.LEADER
                        )
                        if checked_out
                        else "",
                    )
                )
        ShiftSignup.objects.bulk_create(signups, batch_size=500)
        if not checked_out:
            return
        by_signup = []
        for s in signups:
            assert s.checked_in_at is not None and s.checked_out_at is not None
            pending = pending_after is not None and s.shift.starts_at >= pending_after
            entry = self._entry(
                s.volunteer,
                roster.team,
                roster.service,
                s.checked_in_at,
                s.checked_out_at,
                source=HoursSource.SHIFT,
                ref=s.pk,
                state=HoursState.PENDING if pending else HoursState.APPROVED,
            )
            by_signup.append((s, entry))
        self.linked = getattr(self, "linked", []) + by_signup

    def patrol(self) -> None:
        team = self.children[PATROL_TEAM]
        roster = Roster.objects.create(
            team=team,
            place=self.hood,
            path=self.hood.path,
            title=PATROL_ROSTER,
            service=PATROL_SERVICE,
            location=PATROL_LOCATION,
            start_date=PATROL_START,
            weekdays=PATROL_WEEKDAYS,
            start_time=time(20, 0),
            end_time=time(0, 30),
            capacity=PATROL_CAPACITY,
        )
        members = self.members[PATROL_TEAM]
        regulars = [m for m in members if m.resident_id not in self._demo_residents()]
        # History: approved until two weeks ago; the past two weeks (relative to today)
        # served and waiting for the leader's approval.
        recent_from = self.today - timedelta(weeks=2)
        days = roster_days(roster, PATROL_START, self.today)
        now = timezone.now()
        shifts, people = [], []
        running: list[tuple[DutyShift, list[Volunteer]]] = []
        for day in days:
            starts, ends = shift_times(roster, day)
            if ends > now:
                if starts <= now:  # under way while the demo loads: on duty, checked in
                    crew = regulars[:2]
                    shift = DutyShift(
                        roster=roster,
                        starts_at=starts,
                        ends_at=ends,
                        capacity=PATROL_CAPACITY,
                        taken=len(crew),
                    )
                    running.append((shift, crew))
                continue
            crew = self.rng.sample(regulars, k=min(len(regulars), self.rng.randint(2, 3)))
            shifts.append(
                DutyShift(
                    roster=roster,
                    starts_at=starts,
                    ends_at=ends,
                    capacity=PATROL_CAPACITY,
                    taken=len(crew),
                )
            )
            people.append(crew)
        DutyShift.objects.bulk_create(shifts, batch_size=500)
        for shift, crew in running:
            shift.save()
            ShiftSignup.objects.bulk_create(
                ShiftSignup(
                    shift=shift,
                    volunteer=v,
                    checked_in_at=shift.starts_at,
                    check_method=CheckMethod.QR,
                )
                for v in crew
            )
        pending_after = _aware(recent_from, time.min)
        self._served(roster, shifts, people, late_minutes=15, pending_after=pending_after)
        # The coming weeks: open for sign-up, a few seats taken.
        generate_shifts(rosters=[roster], today=self.today)
        upcoming = list(DutyShift.objects.filter(roster=roster, starts_at__gt=now))
        signups = []
        for shift in upcoming:
            taken = self.rng.sample(regulars, k=self.rng.randint(0, 2))
            for v in taken:
                signups.append(ShiftSignup(shift=shift, volunteer=v))
            shift.taken = len(taken)
        ShiftSignup.objects.bulk_create(signups)
        DutyShift.objects.bulk_update(upcoming, ["taken"])
        # One swap waiting for the leader.
        first = next((s for s in signups), None)
        if first is not None:
            to = next(m for m in regulars if m.pk != first.volunteer_id)
            if not any(s.shift_id == first.shift_id and s.volunteer_id == to.pk for s in signups):
                SwapRequest.objects.create(signup=first, to_volunteer=to, note="那天要去医院复查")

    def _demo_residents(self) -> set[int]:
        return set(
            User.objects.filter(resident__isnull=False).values_list("resident_id", flat=True)
        )

    def team_service(self) -> None:
        """The other teams' monthly service, 2024 → last month, approved."""
        month = SERVICE_FROM
        last_month = (self.today.replace(day=1) - timedelta(days=1)).replace(day=1)
        while month <= last_month:
            for name, (service, hour, hours) in TEAM_SERVICE.items():
                team = self.children[name]
                for v in self.members[name]:
                    for _k in range(self.rng.choice((0, 1, 1, 2))):
                        day = month + timedelta(days=self.rng.randint(0, 27))
                        start = _aware(day, time(hour, 0))
                        length = hours * self.rng.choice((0.5, 1.0, 1.0, 1.5))
                        self._entry(v, team, service, start, start + timedelta(hours=length))
            month = (month + timedelta(days=32)).replace(day=1)

    def save_entries(self) -> None:
        HoursEntry.objects.bulk_create(self.entries, batch_size=1000)
        linked = getattr(self, "linked", [])
        for signup, entry in linked:
            signup.hours_entry_id = entry.pk
        ShiftSignup.objects.bulk_update([s for s, _e in linked], ["hours_entry"], batch_size=1000)


def load_volunteers(*, today: date | None = None) -> dict[str, int]:
    """Load the demo's volunteers (idempotent: nothing happens when 江南匠心舫 exists);
    returns how many of each record there are under 江南新村."""
    hood = Place.objects.filter(kind=PlaceKind.NEIGHBORHOOD, name=JIANGNAN).first()
    if hood is None:
        return {}
    if VolunteerTeam.objects.filter(name=TOP_TEAM, place=hood).exists():
        return volunteer_counts(hood.path)
    leader_user = User.objects.filter(username="volunteer_leader").first()
    with transaction.atomic():
        loader = _Loader(hood, today or timezone.localdate())
        loader.people()
        loader.teams(leader_user)
        loader.demo_party_member()
        loader.metro()
        loader.patrol()
        loader.team_service()
        loader.save_entries()
    return volunteer_counts(hood.path)


def volunteer_counts(path: str) -> dict[str, int]:
    under = subtree_q(path)
    return {
        "volunteer teams": VolunteerTeam.objects.filter(under).count(),
        "volunteers": Volunteer.objects.filter(under).count(),
        "duty shifts": DutyShift.objects.filter(subtree_q(path, "roster__path")).count(),
        "approved hours entries": HoursEntry.objects.filter(
            under, state=HoursState.APPROVED
        ).count(),
        "pending hours entries": HoursEntry.objects.filter(under, state=HoursState.PENDING).count(),
    }


def delete_volunteers(path: str) -> None:
    """Delete every volunteers record under ``path``: hours, sign-ups, swaps, rosters and
    their shifts, memberships, teams and volunteers (skills are shared and stay)."""
    under = subtree_q(path)
    with transaction.atomic():
        HoursEntry.objects.filter(
            under | subtree_q(path, "volunteer__path") | subtree_q(path, "team__path")
        ).delete()
        SwapRequest.objects.filter(
            subtree_q(path, "to_volunteer__path") | subtree_q(path, "signup__volunteer__path")
        ).delete()
        ShiftSignup.objects.filter(
            subtree_q(path, "volunteer__path") | subtree_q(path, "shift__roster__path")
        ).delete()
        Roster.objects.filter(under | subtree_q(path, "team__path")).delete()
        TeamMembership.objects.filter(
            subtree_q(path, "team__path") | subtree_q(path, "volunteer__path")
        ).delete()
        teams = VolunteerTeam.objects.filter(under)
        while teams.exists():
            # Leaves first: a parent is protected while it has children.
            teams.filter(
                ~Q(pk__in=VolunteerTeam.objects.filter(parent__isnull=False).values("parent_id"))
            ).delete()
        Volunteer.objects.filter(under).delete()


__all__ = ["delete_volunteers", "load_volunteers", "volunteer_counts"]
