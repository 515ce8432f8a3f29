"""A neighborhood's volunteers (邻有助) and activities (亲有度) of the past year.

- Volunteers: about 3 % of the residents (party members first), in a neighborhood team and
  its squads, with skills; each squad's monthly service in the hours ledger (approved by
  the team leader, the last two weeks still pending); the night patrol roster (Fridays and
  Saturdays, crossing midnight) with its served shifts — check-in, check-out and the hours
  each produced — and the coming four weeks open for sign-up.
- Activities: two a month, held, with sign-ups up to the seats and a waiting list,
  check-ins, helpers credited with approved hours and a summary; two coming ones open
  for sign-up. ``taken`` is the number of confirmed sign-ups.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sanxian.activities.models import (
    Activity,
    ActivityHelper,
    ActivitySignup,
    ActivityState,
    OrganiserKind,
)
from sanxian.activities.models import CheckInMethod as ActivityCheckIn
from sanxian.activities.models import SignupState as ActivitySignupState
from sanxian.synthetic import texts
from sanxian.synthetic.cycle import months
from sanxian.synthetic.neighborhood import Person, aware
from sanxian.volunteers.models import (
    CheckMethod,
    DutyShift,
    HoursEntry,
    HoursSource,
    HoursState,
    Roster,
    ShiftSignup,
    TeamMembership,
    Volunteer,
    VolunteerTeam,
)
from sanxian.volunteers.services import hours_between

if TYPE_CHECKING:
    from sanxian.synthetic.neighborhood import Neighborhood

VOLUNTEER_SHARE = (0.025, 0.035)
PENDING_DAYS = 14
PATROL_WEEKS = 12
UPCOMING_WEEKS = 4
ACTIVITIES_PER_MONTH = 2


def build(hb: Neighborhood) -> None:
    Community(hb).build()


class Community:
    def __init__(self, hb: Neighborhood) -> None:
        self.hb = hb
        self.ctx = hb.ctx
        self.ins = hb.ins
        self.rng = hb.rng
        self.now = hb.ctx.now
        self.leader = hb.users.volunteer_leader
        self.volunteers: list[tuple[int, Person]] = []
        self.teams: list[tuple[int, tuple[str, str, int, float, tuple[str, ...]]]] = []
        self.team_members: dict[int, list[int]] = {}

    def build(self) -> None:
        self.people()
        self.service()
        self.patrol()
        self.activities()

    def _approved(self, ended: datetime) -> dict[str, Any]:
        if ended >= self.now - timedelta(days=PENDING_DAYS):
            return {"state": HoursState.PENDING, "decided_by_id": None, "decided_at": None}
        return {
            "state": HoursState.APPROVED,
            "decided_by_id": self.leader,
            "decided_at": ended + timedelta(days=1),
        }

    # --- people and teams -------------------------------------------------------------

    def people(self) -> None:
        hb, ctx, ins, rng = self.hb, self.ctx, self.ins, self.rng
        year = ctx.year
        adults = [p for p in hb.people if 20 <= year - p.birth_year <= 80]
        party = [p for p in adults if p.member_id is not None]
        others = [p for p in adults if p.member_id is None]
        count = round(len(hb.people) * rng.uniform(*VOLUNTEER_SHARE))
        pool = rng.sample(party, min(len(party), count * 2 // 3))
        pool += rng.sample(others, min(len(others), count - len(pool)))
        pool.sort(key=lambda p: p.id)
        founded = date(year - rng.randint(6, 12), rng.randint(1, 12), 1)
        for person in pool:
            volunteer_id = ins.add(
                Volunteer,
                {
                    "resident_id": person.id,
                    "user_id": None,
                    "name": person.name,
                    "place_id": person.home.id,
                    "path": person.home.path,
                    "registered_on": hb.date_in(rng.randint(founded.year, year - 1)),
                },
            )
            self.volunteers.append((volunteer_id, person))
        top = ins.add(
            VolunteerTeam,
            {
                "place_id": hb.id,
                "path": hb.path,
                "parent_id": None,
                "name": f"{hb.short}志愿服务总队",
                "description": f"{hb.name}党总支牵头成立的志愿服务总队，党员带头、居民跟进。",
                "created_on": founded,
            },
        )
        leader = ins.add(
            Volunteer,
            {
                "resident_id": None,
                "user_id": self.leader,
                "name": hb.users.names[self.leader],
                "place_id": hb.id,
                "path": hb.path,
                "registered_on": founded,
            },
        )
        ins.add(
            TeamMembership,
            {
                "team_id": top,
                "volunteer_id": leader,
                "is_leader": True,
                "joined_on": founded,
                "left_on": None,
            },
        )
        squads = [texts.TEAMS[0], *rng.sample(texts.TEAMS[1:], rng.randint(3, 5))]
        for spec in squads:
            team_id = ins.add(
                VolunteerTeam,
                {
                    "place_id": hb.id,
                    "path": hb.path,
                    "parent_id": top,
                    "name": spec[0],
                    "description": spec[1],
                    "created_on": founded + timedelta(days=rng.randint(0, 700)),
                },
            )
            self.teams.append((team_id, spec))
            self.team_members[team_id] = []
        skills: set[tuple[int, int]] = set()
        for i, (volunteer_id, _person) in enumerate(self.volunteers):
            teams = [self.teams[i % len(self.teams)]]
            if rng.random() < 0.2:
                teams.append(rng.choice(self.teams))
            for team_id, spec in dict(teams).items():
                members = self.team_members[team_id]
                ins.add(
                    TeamMembership,
                    {
                        "team_id": team_id,
                        "volunteer_id": volunteer_id,
                        "is_leader": not members,
                        "joined_on": hb.date_in(rng.randint(founded.year, year - 1)),
                        "left_on": None,
                    },
                )
                members.append(volunteer_id)
                for skill in spec[4]:
                    if rng.random() < 0.6:
                        skills.add((volunteer_id, ctx.skills[skill]))
            if rng.random() < 0.3:
                skills.add((volunteer_id, rng.choice(list(ctx.skills.values()))))
        through = Volunteer.skills.through
        for volunteer_id, skill_id in sorted(skills):
            ins.add(through, {"volunteer_id": volunteer_id, "skill_id": skill_id})

    # --- hours ------------------------------------------------------------------------

    def service(self) -> None:
        """Each squad's monthly service for the past year (not the patrol: its roster)."""
        rng, ins, hb = self.rng, self.ins, self.hb
        first = self.ctx.today - timedelta(days=365)
        for team_id, (_name, service, hour, hours, _skills) in self.teams[1:]:
            for volunteer_id in self.team_members[team_id]:
                for year, month in months(first, self.ctx.today):
                    for _k in range(rng.choice((0, 1, 1, 2))):
                        day = date(year, month, rng.randint(1, 28))
                        started = aware(day, hour)
                        length = hours * rng.choice((0.5, 1.0, 1.0, 1.5))
                        ended = started + timedelta(hours=length)
                        if ended >= self.now:
                            continue
                        ins.add(
                            HoursEntry,
                            {
                                "volunteer_id": volunteer_id,
                                "team_id": team_id,
                                "path": hb.path,
                                "service": service,
                                "started_at": started,
                                "ended_at": ended,
                                "hours": hours_between(started, ended),
                                "source": HoursSource.MANUAL,
                                "source_ref": None,
                                "created_at": ended + timedelta(hours=2),
                                **self._approved(ended),
                            },
                        )

    def patrol(self) -> None:
        """The night patrol: Fridays and Saturdays 20:00–00:30, three a shift."""
        ins, hb = self.ins, self.hb
        team_id = self.teams[0][0]
        crew = self.team_members[team_id]
        if len(crew) < 2:
            return
        start_date = self.ctx.today - timedelta(weeks=PATROL_WEEKS)
        roster_id = ins.add(
            Roster,
            {
                "team_id": team_id,
                "place_id": hb.id,
                "path": hb.path,
                "title": f"{hb.short}夜间巡逻",
                "service": texts.PATROL_SERVICE,
                "location": f"{hb.short}各楼栋（居委会门口集合）",
                "start_date": start_date,
                "end_date": None,
                "weekdays": "56",
                "start_time": time(20, 0),
                "end_time": time(0, 30),
                "capacity": 3,
                "created_at": aware(start_date - timedelta(days=7), 10),
            },
        )
        day = start_date
        last = self.ctx.today + timedelta(weeks=UPCOMING_WEEKS)
        while day <= last:
            if day.isoweekday() in (5, 6):
                self._shift(roster_id, team_id, crew, day)
            day += timedelta(days=1)

    def _shift(self, roster_id: int, team_id: int, crew: list[int], day: date) -> None:
        rng, ins = self.rng, self.ins
        starts = aware(day, 20)
        ends = aware(day + timedelta(days=1), 0, 30)
        served = ends <= self.now
        if served:
            on_duty = rng.sample(crew, min(len(crew), rng.randint(2, 3)))
        elif starts > self.now:
            on_duty = rng.sample(crew, min(len(crew), rng.randint(0, 2)))
        else:
            return
        shift_id = ins.add(
            DutyShift,
            {
                "roster_id": roster_id,
                "starts_at": starts,
                "ends_at": ends,
                "capacity": 3,
                "taken": len(on_duty),
            },
        )
        for volunteer_id in on_duty:
            signup: dict[str, Any] = {
                "shift_id": shift_id,
                "volunteer_id": volunteer_id,
                "state": "signed",
                "signed_at": starts - timedelta(days=rng.uniform(1, 10)),
                "checked_in_at": None,
                "checked_out_at": None,
                "check_method": "",
                "hours_entry_id": None,
            }
            if served:
                checked_in = starts + timedelta(minutes=rng.randint(-10, 10))
                checked_out = ends + timedelta(minutes=rng.randint(-10, 10))
                entry_id = ins.new_id(HoursEntry)
                signup_id = ins.new_id(ShiftSignup)
                signup.update(
                    id=signup_id,
                    checked_in_at=checked_in,
                    checked_out_at=checked_out,
                    check_method=CheckMethod.QR if rng.random() < 0.7 else CheckMethod.LEADER,
                    hours_entry_id=entry_id,
                )
                ins.add(
                    HoursEntry,
                    {
                        "id": entry_id,
                        "volunteer_id": volunteer_id,
                        "team_id": team_id,
                        "path": self.hb.path,
                        "service": texts.PATROL_SERVICE,
                        "started_at": checked_in,
                        "ended_at": checked_out,
                        "hours": hours_between(checked_in, checked_out),
                        "source": HoursSource.SHIFT,
                        "source_ref": signup_id,
                        "created_at": checked_out,
                        **self._approved(checked_out),
                    },
                )
            ins.add(ShiftSignup, signup)

    # --- activities -------------------------------------------------------------------

    def activities(self) -> None:
        hb, rng = self.hb, self.rng
        first = self.ctx.today - timedelta(days=365)
        plans: list[tuple[date, bool]] = []
        for year, month in months(first, self.ctx.today):
            for d in sorted(rng.sample(range(1, 29), ACTIVITIES_PER_MONTH)):
                day = date(year, month, d)
                if first <= day < self.ctx.today:
                    plans.append((day, True))
        for ahead in sorted(rng.sample(range(7, 31), 2)):
            plans.append((self.ctx.today + timedelta(days=ahead), False))
        buildings = [bd for b in hb.blocks for bd in b.buildings]
        for day, past in plans:
            spec = rng.choice(texts.ACTIVITIES)
            if rng.random() < 0.3:
                building = rng.choice(buildings)
                place_id, path = building.id, building.path
                people = [p for g in building.groups for p in g.residents]
            else:
                place_id, path, people = hb.id, hb.path, hb.people
            self._activity(day, past, spec, place_id, path, people)

    def _activity(
        self,
        day: date,
        past: bool,
        spec: tuple[str, str, str, int, float, tuple[str, ...]],
        place_id: int,
        path: str,
        people: list[Person],
    ) -> None:
        hb, rng, ins = self.hb, self.rng, self.ins
        title, description, audience, hour, hours, tasks = spec
        starts = aware(day, hour)
        ends = starts + timedelta(hours=hours)
        if past and ends > self.now:
            past = False
        capacity = rng.choice((30, 40, 50, 60, 80))
        cancelled = past and rng.random() < 0.03
        state = (
            ActivityState.CANCELLED
            if cancelled
            else ActivityState.HELD
            if past
            else ActivityState.PLANNED
        )
        kind = rng.choices(
            (OrganiserKind.COMMITTEE, OrganiserKind.BRANCH, OrganiserKind.TEAM), (4, 3, 3)
        )[0]
        team = branch = None
        if kind == OrganiserKind.TEAM:
            team = rng.choice(self.teams)[0]
        elif kind == OrganiserKind.BRANCH:
            branch = rng.choice(hb.blocks).branch_id
        opened = starts - timedelta(days=rng.randint(10, 20))
        adults = [p for p in people if self.ctx.year - p.birth_year >= 6]
        wanted = round(capacity * rng.uniform(0.6, 1.15))
        if not past:
            wanted = round(wanted * rng.uniform(0.2, 0.7))
        signers = rng.sample(adults, min(len(adults), wanted))
        seated = 0
        signups: list[dict[str, Any]] = []
        for i, person in enumerate(signers):
            created = opened + timedelta(minutes=37 * i + rng.randint(0, 30))
            if created >= self.now:
                break
            if rng.random() < 0.03:
                state_of = ActivitySignupState.CANCELLED
            elif seated < capacity:
                state_of = ActivitySignupState.CONFIRMED
                seated += 1
            else:
                state_of = ActivitySignupState.WAITING
            signups.append(
                {
                    "resident_id": person.id,
                    "state": state_of,
                    "signed_up_by_id": hb.users.secretary,
                    "on_behalf": True,
                    "created_at": created,
                    "promoted_at": None,
                    "cancelled_at": (
                        created + timedelta(hours=rng.uniform(1, 48))
                        if state_of == ActivitySignupState.CANCELLED
                        else None
                    ),
                    "checked_in_at": None,
                    "method": "",
                }
            )
        summary = ""
        if state == ActivityState.HELD:
            came = [s for s in signups if s["state"] == ActivitySignupState.CONFIRMED]
            came = came[: round(len(came) * rng.uniform(0.85, 0.97))]
            for s in came:
                s["checked_in_at"] = starts - timedelta(minutes=rng.randint(0, 15))
                s["method"] = ActivityCheckIn.QR if rng.random() < 0.5 else ActivityCheckIn.STAFF
            summary = f"{len(came)}位居民参加，党员和志愿者协助组织，活动顺利。"
        activity_id = ins.add(
            Activity,
            {
                "place_id": place_id,
                "path": path,
                "title": f"{day.year}年{day.month}月{title}",
                "description": description,
                "audience": audience,
                "starts_at": starts,
                "ends_at": ends,
                "venue": "亲邻驿家",
                "capacity": capacity,
                "taken": seated,
                "signup_closes_at": starts - timedelta(days=1),
                "organiser_kind": kind,
                "organiser_team_id": team,
                "organiser_branch_id": branch,
                "state": state,
                "summary": summary,
                "created_by_id": hb.users.secretary,
                "created_at": opened - timedelta(days=1),
            },
        )
        for s in signups:
            s["activity_id"] = activity_id
            ins.add(ActivitySignup, s)
        if state == ActivityState.HELD and self.volunteers:
            helpers = rng.sample(self.volunteers, min(len(self.volunteers), rng.randint(2, 4)))
            for k, (volunteer_id, _person) in enumerate(helpers):
                task = tasks[k % len(tasks)]
                credited = (Decimal(str(hours)) + (1 if k == 0 else 0)).quantize(Decimal("0.01"))
                helper_id = ins.add(
                    ActivityHelper,
                    {
                        "activity_id": activity_id,
                        "volunteer_id": volunteer_id,
                        "role": task,
                        "hours": credited,
                        "credited_at": ends + timedelta(hours=1),
                    },
                )
                ins.add(
                    HoursEntry,
                    {
                        "volunteer_id": volunteer_id,
                        "team_id": None,
                        "path": path,
                        "service": f"{day.year}年{day.month}月{title}（{task}）",
                        "started_at": starts,
                        "ended_at": ends,
                        "hours": credited,
                        "source": HoursSource.ACTIVITY,
                        "source_ref": helper_id,
                        "created_at": ends + timedelta(hours=1),
                        **self._approved(ends),
                    },
                )


__all__ = ["build"]
