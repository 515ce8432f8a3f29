"""The cycle rule creates the coming months' meetings, across holidays, idempotently."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.management import call_command
from django.utils import timezone

from sanxian.meetings.models import CycleRule, HolidayPolicy, Meeting, MeetingKind
from sanxian.meetings.services import generate_meetings, rule_for
from sanxian.periodic.jobs import JOBS
from tests.world import World


def local_day(m: Meeting) -> date:
    return timezone.localtime(m.starts_at).date()


def one(world: World, kind: str, scheduled: date) -> Meeting:
    return Meeting.objects.get(place=world.north, kind=kind, scheduled_for=scheduled)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (HolidayPolicy.KEEP, date(2026, 10, 5)),
        (HolidayPolicy.NEXT_WORKING_DAY, date(2026, 10, 8)),
        (HolidayPolicy.PREVIOUS_WORKING_DAY, date(2026, 9, 30)),
    ],
)
def test_national_day_holiday_under_each_policy(world, calendar, policy, expected) -> None:
    CycleRule.objects.create(place=world.subdistrict, holiday_policy=policy)
    result = generate_meetings(months=1, today=date(2026, 10, 1))
    assert not result.warnings
    m = one(world, MeetingKind.COLLECTION, date(2026, 10, 5))
    assert local_day(m) == expected
    assert timezone.localtime(m.starts_at).time() == time(19, 0)
    assert m.venue == "亲邻驿家"
    assert not m.calendar_estimated
    # The 15th (Thursday) and 25th (Sunday) of October 2026.
    assert local_day(one(world, MeetingKind.PARTY_DELIBERATION, date(2026, 10, 15))) == date(
        2026, 10, 15
    )
    on_25 = local_day(one(world, MeetingKind.JOINT_CONSULTATION, date(2026, 10, 25)))
    assert (
        on_25
        == {
            HolidayPolicy.KEEP: date(2026, 10, 25),
            HolidayPolicy.NEXT_WORKING_DAY: date(2026, 10, 26),
            HolidayPolicy.PREVIOUS_WORKING_DAY: date(2026, 10, 23),
        }[policy]
    )


def test_makeup_saturday_is_a_working_day(world, calendar) -> None:
    CycleRule.objects.create(
        place=world.north, collection_day=11, holiday_policy=HolidayPolicy.NEXT_WORKING_DAY
    )
    generate_meetings(months=1, today=date(2025, 10, 1))
    assert local_day(one(world, MeetingKind.COLLECTION, date(2025, 10, 11))) == date(2025, 10, 11)


def test_neighborhood_rule_overrides_the_subdistrict_default(world, calendar) -> None:
    CycleRule.objects.create(place=world.subdistrict, venue="街道会议室", quorum_percent=60)
    CycleRule.objects.create(place=world.north, venue="北苑亲邻驿家", consultation_time=time(9, 30))
    assert rule_for(world.north).venue == "北苑亲邻驿家"
    assert rule_for(world.south).venue == "街道会议室"
    generate_meetings(months=1, today=date(2026, 10, 1))
    north = one(world, MeetingKind.JOINT_CONSULTATION, date(2026, 10, 25))
    assert north.venue == "北苑亲邻驿家"
    assert timezone.localtime(north.starts_at).time() == time(9, 30)
    south = Meeting.objects.get(place=world.south, kind=MeetingKind.COLLECTION)
    assert (south.venue, south.quorum_percent) == ("街道会议室", 60)


def test_three_months_for_every_neighborhood_idempotently(world, calendar) -> None:
    first = generate_meetings(today=date(2026, 10, 1))
    assert len(first.created) == 2 * 3 * 3
    again = generate_meetings(today=date(2026, 10, 1))
    assert again.created == [] and again.existing == 18
    assert Meeting.objects.count() == 18
    later = generate_meetings(today=date(2026, 10, 20))  # Oct 25 + Nov + Dec exist already
    assert [m.scheduled_for for m in later.created] == []


def test_year_without_official_data_falls_back_to_weekends_with_a_warning(world, calendar) -> None:
    assert date(2027, 6, 5).weekday() == 5  # a Saturday
    result = generate_meetings(months=1, today=date(2027, 6, 1))
    assert result.years_without_data == [2027]
    assert result.warnings and "2027" in result.warnings[0]
    m = one(world, MeetingKind.COLLECTION, date(2027, 6, 5))
    assert local_day(m) == date(2027, 6, 7)  # the Monday after
    assert m.calendar_estimated


def test_command_and_daily_job(world, calendar) -> None:
    call_command("generate_meetings", months=1, verbosity=0)
    n = Meeting.objects.count()
    call_command("generate_meetings", months=1, verbosity=0)
    assert Meeting.objects.count() == n
    job = next(j for j in JOBS if j.name == "generate_cycle_meetings")
    assert job.task_path == "sanxian.meetings.tasks.generate_cycle_meetings"
    assert job.every.days == 1
