"""The demo's community activities at 嘉乐公寓 (肇清), organised by the 嘉乐公寓 party branch.

- Past editions, held, with sign-ups, check-ins, helpers credited with volunteer hours
  and a summary: the 2026 New Year's Eve dinner (年夜饭, 2026-02-16), lantern riddles at the
  Lantern Festival (猜灯谜, 2026-03-03) and zongzi for the elderly before the Dragon Boat
  Festival (包粽子送老人, 2026-06-18).
- Coming ones, dated by the next New Year's Eve and Lantern Festival after the day the demo
  is loaded: the dinner (60 seats, some taken; the demo ``resident`` can still sign up) and
  the lantern riddles (full, with a waiting list).

``load_activities()`` is idempotent; ``delete_activities(path)`` removes every activity
record under a path (with the hours credited to their helpers).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sanxian.accounts.models import User
from sanxian.activities.models import (
    Activity,
    ActivityHelper,
    ActivitySignup,
    ActivityState,
    CheckInMethod,
    OrganiserKind,
    SignupState,
)
from sanxian.activities.services import create_activity
from sanxian.party.models import PartyMember, PartyOrg, PartyOrgKind
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.places.paths import subtree_q
from sanxian.volunteers.models import HoursEntry, HoursSource, HoursState
from sanxian.volunteers.services import credit_hours, volunteer_for_resident

JIALE = "嘉乐公寓"
ZHAOQING = "肇清居民区"
JIALE_BRANCH = "嘉乐公寓党支部"
VENUE = "亲邻驿家（嘉乐公寓一楼）"

# 除夕 (New Year's Eve) and 元宵 (Lantern Festival) of the coming years.
NEW_YEARS_EVE = {
    2027: date(2027, 2, 5),
    2028: date(2028, 1, 25),
    2029: date(2029, 2, 12),
    2030: date(2030, 2, 2),
}
LANTERN_FESTIVAL = {
    2027: date(2027, 2, 20),
    2028: date(2028, 2, 9),
    2029: date(2029, 2, 27),
    2030: date(2030, 2, 17),
}

DINNER = "嘉乐公寓年夜饭"
RIDDLES = "嘉乐公寓元宵猜灯谜"
ZONGZI = "包粽子送老人"

DINNER_TEXT = (
    "楼里的独居、高龄老人和邻居们一起吃年夜饭。党员和志愿者掌勺、帮厨，行动不便的老人由"
    "志愿者上门接送。请按人数报名，一户可以替家里人一起报。"
)
RIDDLES_TEXT = "元宵节猜灯谜、吃汤圆。灯谜由楼里的退休教师出题，猜中有小奖品，欢迎全家一起来。"
ZONGZI_TEXT = "端午节前，党员和志愿者与居民一起包粽子，包好的粽子送到楼里的高龄、独居老人家中。"

PAST_SUMMARIES = {
    DINNER: (
        "2026年2月16日（除夕）晚，嘉乐公寓党支部在亲邻驿家举办年夜饭，56位居民报名，"
        "52位到场，其中独居、高龄老人23位。8名党员和志愿者掌勺、帮厨、接送老人。"
        "大家一起包馄饨、拉家常，给不能到场的4位老人送去了饭菜。"
    ),
    RIDDLES: (
        "元宵节晚上猜灯谜，120条灯谜由退休教师王老师出题，70多位居民参加，"
        "孩子们最积极。活动后一起吃汤圆，楼组长顺便收集了3条楼道改造的意见。"
    ),
    ZONGZI: (
        "6月18日上午，30位居民和党员志愿者一起包了400多只粽子，下午分组送到楼里"
        "41户高龄、独居老人家中，顺便检查了老人家里的燃气和用电安全。"
    ),
}


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _coming_dates(today: date) -> tuple[date, date]:
    """The first New Year's Eve (and its Lantern Festival) after ``today``; beyond the
    table, dates a month and six weeks ahead so the demo always has something to sign up
    for."""
    for year, eve in sorted(NEW_YEARS_EVE.items()):
        if eve > today:
            return eve, LANTERN_FESTIVAL[year]
    return today + timedelta(days=30), today + timedelta(days=45)


def _places() -> tuple[Place, Place, PartyOrg] | None:
    hood = Place.objects.filter(kind=PlaceKind.NEIGHBORHOOD, name=ZHAOQING).first()
    if hood is None:
        return None
    building = Place.objects.filter(
        subtree_q(hood.path), kind=PlaceKind.BUILDING, name=JIALE
    ).first()
    branch = PartyOrg.objects.filter(
        subtree_q(hood.path, "scope_path"), kind=PartyOrgKind.BRANCH, name=JIALE_BRANCH
    ).first()
    if building is None or branch is None:
        return None
    return hood, building, branch


def _seat(
    activity: Activity,
    people: list[Resident],
    *,
    first_at: datetime,
    by: User | None = None,
    checked_in: float = 0.0,
) -> int:
    """Sign ``people`` up in order (a few minutes apart): seats while they last, then the
    waiting list; the first ``checked_in`` share of the seated came."""
    rows = []
    seated = already = activity.taken
    for i, r in enumerate(people):
        seat = seated < activity.capacity
        seated += int(seat)
        rows.append(
            ActivitySignup(
                activity=activity,
                resident=r,
                state=SignupState.CONFIRMED if seat else SignupState.WAITING,
                signed_up_by=by,
                on_behalf=by is not None,
                created_at=first_at + timedelta(minutes=7 * i),
            )
        )
    came = int((seated - already) * checked_in)
    for row in rows[:came]:
        row.checked_in_at = activity.starts_at - timedelta(minutes=10)
        row.method = CheckInMethod.STAFF
    ActivitySignup.objects.bulk_create(rows)
    Activity.objects.filter(pk=activity.pk).update(taken=seated)
    activity.taken = seated
    return len(rows)


def _helpers(activity: Activity, members: list[PartyMember], roles: list[str]) -> None:
    """Helpers of a held activity, credited with approved hours (kitchen work counts an
    hour more for the preparation)."""
    secretary = User.objects.filter(username="zhaoqing_secretary").first()
    length = Decimal((activity.ends_at - activity.starts_at).total_seconds()) / Decimal(3600)
    for member, role in zip(members, roles, strict=False):
        assert member.resident is not None
        volunteer = volunteer_for_resident(member.resident, on=activity.starts_at.date())
        hours = (length + (1 if role in ("掌勺", "帮厨") else 0)).quantize(Decimal("0.01"))
        helper = ActivityHelper.objects.create(
            activity=activity,
            volunteer=volunteer,
            role=role,
            hours=hours,
            credited_at=activity.ends_at + timedelta(hours=1),
        )
        entry = credit_hours(
            volunteer=volunteer,
            service=f"{activity.title}（{role}）",
            started_at=activity.starts_at,
            ended_at=activity.ends_at,
            path=activity.path,
            source=HoursSource.ACTIVITY,
            source_ref=helper.pk,
            hours=hours,
        )
        HoursEntry.objects.filter(pk=entry.pk).update(
            state=HoursState.APPROVED,
            decided_by=secretary,
            decided_at=activity.ends_at + timedelta(days=2),
        )


def _new(building: Place, branch: PartyOrg, secretary: User | None, **kwargs) -> Activity:
    return create_activity(
        place=building,
        organiser_kind=OrganiserKind.BRANCH,
        organiser_branch=branch,
        venue=VENUE,
        actor=secretary,
        **kwargs,
    )


def _held(activity: Activity, summary: str) -> None:
    Activity.objects.filter(pk=activity.pk).update(state=ActivityState.HELD, summary=summary)


def load_activities(*, today: date | None = None) -> dict[str, int]:
    """Load the demo activities (idempotent); returns how many activities and sign-ups the
    demo has. Needs the demo sub-district (``load_demo``); empty without it."""
    found = _places()
    if found is None:
        return {}
    hood, building, branch = found
    if not Activity.objects.filter(subtree_q(hood.path)).exists():
        with transaction.atomic():
            _build(building, branch, today or timezone.localdate())
    under = subtree_q(hood.path)
    return {
        "activities": Activity.objects.filter(under).count(),
        "activity sign-ups": ActivitySignup.objects.filter(
            subtree_q(hood.path, "activity__path")
        ).count(),
    }


def _build(building: Place, branch: PartyOrg, today: date) -> None:
    secretary = User.objects.filter(username="zhaoqing_secretary").first()
    demo_resident = User.objects.filter(username="resident").select_related("resident").first()
    own_household = (
        demo_resident.resident.household_id if demo_resident and demo_resident.resident else None
    )
    everyone = list(
        Resident.objects.filter(subtree_q(building.path))
        .exclude(household_id=own_household)
        .order_by("id")
    )
    elderly = [r for r in everyone if (r.birth_year or 2000) <= 1955]
    others = [r for r in everyone if (r.birth_year or 2000) > 1955]
    mixed = elderly[::2] + others[::3]
    members = list(
        PartyMember.objects.filter(subtree_q(building.path), resident__isnull=False)
        .select_related("resident")
        .order_by("id")
    )

    # --- 2026, held ---
    eve = date(2026, 2, 16)
    dinner = _new(
        building,
        branch,
        secretary,
        title=f"2026年{DINNER}",
        description=DINNER_TEXT,
        audience="独居、高龄老人优先",
        starts_at=_aware(eve, 17),
        ends_at=_aware(eve, 20),
        capacity=60,
        signup_closes_at=_aware(eve - timedelta(days=5), 20),
    )
    _seat(dinner, mixed[:56], first_at=_aware(eve - timedelta(days=20), 9), checked_in=0.93)
    _helpers(
        dinner,
        members[:8],
        ["掌勺", "掌勺", "帮厨", "帮厨", "帮厨", "接送老人", "接送老人", "摄影"],
    )
    _held(dinner, PAST_SUMMARIES[DINNER])

    lantern = date(2026, 3, 3)
    riddles = _new(
        building,
        branch,
        secretary,
        title=f"2026年{RIDDLES}",
        description=RIDDLES_TEXT,
        starts_at=_aware(lantern, 18, 30),
        ends_at=_aware(lantern, 20, 30),
        capacity=80,
    )
    _seat(
        riddles,
        others[1::2][:74],
        first_at=_aware(lantern - timedelta(days=10), 19),
        checked_in=0.95,
    )
    _helpers(riddles, members[8:12], ["出灯谜", "布置会场", "发奖品", "煮汤圆"])
    _held(riddles, PAST_SUMMARIES[RIDDLES])

    duanwu = date(2026, 6, 18)
    zongzi = _new(
        building,
        branch,
        secretary,
        title=f"2026年端午{ZONGZI}",
        description=ZONGZI_TEXT,
        audience="为高龄、独居老人送粽子",
        starts_at=_aware(duanwu, 9),
        ends_at=_aware(duanwu, 11, 30),
        capacity=30,
    )
    _seat(zongzi, others[::4][:33], first_at=_aware(duanwu - timedelta(days=7), 10), checked_in=0.9)
    _helpers(zongzi, members[12:18], ["采购", "包粽子", "包粽子", "送粽子", "送粽子", "摄影"])
    _held(zongzi, PAST_SUMMARIES[ZONGZI])

    # --- coming: dated by the next New Year's Eve after today ---
    next_eve, next_lantern = _coming_dates(today)
    coming_dinner = _new(
        building,
        branch,
        secretary,
        title=f"{next_eve.year}年{DINNER}",
        description=DINNER_TEXT,
        audience="独居、高龄老人优先",
        starts_at=_aware(next_eve, 17),
        ends_at=_aware(next_eve, 20),
        capacity=60,
        signup_closes_at=_aware(next_eve - timedelta(days=3), 20),
    )
    opened = today - timedelta(days=3)
    # Elderly neighbours without a phone were signed up by the residents' committee.
    _seat(coming_dinner, elderly[:20], first_at=_aware(opened, 9), by=secretary)
    _seat(coming_dinner, others[::5][:18], first_at=_aware(opened, 15))
    coming_riddles = _new(
        building,
        branch,
        secretary,
        title=f"{next_lantern.year}年{RIDDLES}",
        description=RIDDLES_TEXT,
        starts_at=_aware(next_lantern, 18, 30),
        ends_at=_aware(next_lantern, 20, 30),
        capacity=40,
    )
    _seat(coming_riddles, others[::2][:46], first_at=_aware(opened, 19))


def delete_activities(path: str) -> None:
    """Delete every activity under ``path`` with its sign-ups, helpers, photos and the hours
    credited to its helpers."""
    with transaction.atomic():
        helper_ids = list(
            ActivityHelper.objects.filter(subtree_q(path, "activity__path")).values_list(
                "id", flat=True
            )
        )
        if helper_ids:
            HoursEntry.objects.filter(
                Q(source=HoursSource.ACTIVITY) & Q(source_ref__in=helper_ids)
            ).delete()
        Activity.objects.filter(subtree_q(path)).delete()


__all__ = ["delete_activities", "load_activities"]
