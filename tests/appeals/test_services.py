"""Filing, each transition's rule, rating and reopening, merging into an issue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from sanxian.appeals.models import (
    Appeal,
    AppealEvent,
    AppealPhoto,
    AppealState,
    EventKind,
    Rating,
)
from sanxian.appeals.services import (
    acknowledge_appeal,
    common_ancestor_path,
    file_appeal,
    merge_into_issue,
    rate_appeal,
    reject_appeal,
    resolve_appeal,
    start_appeal,
)
from sanxian.issues.models import Issue, IssueSource, IssueState
from sanxian.issues.services import create_issue
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind, Resident
from sanxian.workdays.selectors import SHANGHAI
from tests.appeals.conftest import category, png, shanghai, south_resident
from tests.world import World

pytestmark = pytest.mark.django_db


def en_error(call, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with translation.override("en"), pytest.raises(DomainError) as info:
        call(**kwargs)
    return info.value.message


# --- Filing -------------------------------------------------------------------------------


def test_filing_computes_deadlines_over_national_day(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    # 楼道堆物: 24 hours to contact, 5 working days to resolve. Filed Tuesday 30 Sep 2025:
    # 9 Oct (1), 10 Oct (2), Saturday 11 Oct worked (3), 13 Oct (4), 14 Oct (5).
    appeal = make_appeal(at=shanghai(2025, 9, 30, 10, 0), photos=[png(), png("b.png")])
    assert appeal.state == AppealState.SUBMITTED
    assert appeal.response_due_at == shanghai(2025, 10, 1, 10, 0)
    assert appeal.resolution_due_at == shanghai(2025, 10, 14, 23, 59, 59)
    assert not appeal.deadline_estimated
    assert appeal.path == world.household.path
    assert AppealPhoto.objects.filter(appeal=appeal).count() == 2
    event = AppealEvent.objects.get(appeal=appeal)
    assert (event.kind, event.from_state, event.to_state) == (
        EventKind.FILED,
        "",
        AppealState.SUBMITTED,
    )


def test_filing_across_spring_festival_2026(make_appeal) -> None:  # type: ignore[no-untyped-def]
    # 噪音扰民: 12 hours, 3 working days. Friday 13 Feb 2026: Saturday 14 Feb worked (1),
    # 15–23 Feb off, 24 Feb (2), 25 Feb (3).
    appeal = make_appeal(category_name="噪音扰民", at=shanghai(2026, 2, 13, 20, 0))
    assert appeal.response_due_at == shanghai(2026, 2, 14, 8, 0)
    assert appeal.resolution_due_at == shanghai(2026, 2, 25, 23, 59, 59)


def test_filing_into_2027_marks_the_deadline_estimated(make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal(category_name="加装电梯", at=shanghai(2026, 12, 28, 9, 0))
    assert appeal.deadline_estimated
    # 15 working days, Monday to Friday only in 2027 (no official data, so even New Year's
    # Day counts): 29, 30, 31 December, 1 January, 4–8, 11–15 and 18 January.
    assert appeal.resolution_due_at == shanghai(2027, 1, 18, 23, 59, 59)


def test_filing_rules(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    resident_user = world.users["resident"]
    # A place outside the resident's building.
    message = en_error(
        file_appeal,
        category=category(),
        text="x",
        place=world.south_household,
        resident=world.resident,
        filed_by=resident_user,
    )
    assert "where the resident lives" in message
    # The block and the neighborhood are places a resident files about; the sub-district
    # is not.
    assert make_appeal(place=Place.objects.get(pk=world.block.pk)).path == world.block.path
    assert make_appeal(place=Place.objects.get(pk=world.north.pk)).path == world.north.path
    sub = Place.objects.get(pk=world.subdistrict.pk)
    assert "where the resident lives" in en_error(make_appeal, place=sub)
    # Filing for somebody else without being staff.
    other = Resident.objects.filter(household=world.household).exclude(pk=world.resident.pk)[0]
    assert "only file an appeal for yourself" in en_error(
        file_appeal,
        category=category(),
        text="x",
        place=world.household,
        resident=other,
        filed_by=resident_user,
    )
    assert "Please say what happened" in en_error(make_appeal, text="   ")
    assert "At most 4 photos" in en_error(make_appeal, photos=[png() for _ in range(5)])
    cat = category()
    cat.active = False
    cat.save(update_fields=["active"])
    assert "no longer in use" in en_error(make_appeal)
    # Only the two good ones (block, neighborhood) were filed.
    assert Appeal.objects.count() == 2


def test_staff_file_on_behalf_only_in_scope(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal(
        by=world.users["social_worker"],
        on_behalf_note="上门走访",
        place=Place.objects.get(pk=world.building_group.pk),
    )
    assert appeal.on_behalf
    assert appeal.on_behalf_note == "上门走访"
    assert appeal.filed_by == world.users["social_worker"]
    assert appeal.resident == world.resident
    assert "places you look after" in en_error(make_appeal, by=world.users["outsider"])


# --- Transitions --------------------------------------------------------------------------


def test_the_main_line(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    staff = world.users["secretary"]
    appeal = make_appeal(at=shanghai(2025, 11, 3, 9, 0))
    acknowledge_appeal(appeal=appeal, actor=staff, now=shanghai(2025, 11, 3, 10, 0))
    assert appeal.first_contacted_at == shanghai(2025, 11, 3, 10, 0)
    start_appeal(appeal=appeal, actor=staff, now=shanghai(2025, 11, 4, 9, 0))
    resolve_appeal(appeal=appeal, actor=staff, note="清理完毕", now=shanghai(2025, 11, 5, 9, 0))
    appeal.refresh_from_db()
    assert appeal.state == AppealState.RESOLVED
    assert appeal.closed_at == shanghai(2025, 11, 5, 9, 0)
    assert appeal.first_contacted_at == shanghai(2025, 11, 3, 10, 0)
    assert appeal.outcome_note == "清理完毕"
    kinds = list(appeal.events.values_list("kind", "from_state", "to_state"))
    assert kinds == [
        (EventKind.FILED, "", AppealState.SUBMITTED),
        (EventKind.ACKNOWLEDGED, AppealState.SUBMITTED, AppealState.ACKNOWLEDGED),
        (EventKind.STARTED, AppealState.ACKNOWLEDGED, AppealState.IN_PROGRESS),
        (EventKind.RESOLVED, AppealState.IN_PROGRESS, AppealState.RESOLVED),
    ]


def test_transition_rules(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    staff = world.users["secretary"]
    appeal = make_appeal()
    # Not yet acknowledged: cannot start or resolve.
    assert "cannot be done" in en_error(start_appeal, appeal=appeal, actor=staff)
    assert "cannot be done" in en_error(resolve_appeal, appeal=appeal, actor=staff, note="x")
    acknowledge_appeal(appeal=appeal, actor=staff)
    assert "cannot be done" in en_error(acknowledge_appeal, appeal=appeal, actor=staff)
    # Resolving needs a note; rejecting needs a reason.
    assert "say what was done" in en_error(resolve_appeal, appeal=appeal, actor=staff, note=" ")
    assert "give the reason" in en_error(reject_appeal, appeal=appeal, actor=staff, reason="")
    # A quick fix may be resolved straight from acknowledged.
    resolve_appeal(appeal=appeal, actor=staff, note="已修好")
    assert "cannot be done" in en_error(reject_appeal, appeal=appeal, actor=staff, reason="x")
    # Rejecting from submitted counts as first contact.
    other = make_appeal(text="别的事")
    reject_appeal(appeal=other, actor=staff, reason="不属于居委会职责")
    other.refresh_from_db()
    assert other.state == AppealState.REJECTED
    assert other.first_contacted_at is not None
    assert other.closed_at is not None


def test_a_second_click_on_a_stale_page_changes_nothing(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal()
    first = Appeal.objects.get(pk=appeal.pk)
    second = Appeal.objects.get(pk=appeal.pk)  # the same page open twice
    acknowledge_appeal(appeal=first, actor=world.users["secretary"])
    message = en_error(acknowledge_appeal, appeal=second, actor=world.users["social_worker"])
    assert "Someone else changed this appeal" in message
    assert appeal.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1


# --- Rating and reopening -----------------------------------------------------------------


def _resolved(world: World, make_appeal, **kw) -> Appeal:  # type: ignore[no-untyped-def]
    staff = world.users["secretary"]
    appeal = make_appeal(**kw)
    acknowledge_appeal(appeal=appeal, actor=staff)
    resolve_appeal(appeal=appeal, actor=staff, note="已处理")
    return appeal


def test_rating_once_per_closing(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = _resolved(world, make_appeal)
    user = world.users["resident"]
    rate_appeal(appeal=appeal, actor=user, rating=Rating.BASICALLY_SATISFIED, comment="还行")
    appeal.refresh_from_db()
    assert appeal.rating == Rating.BASICALLY_SATISFIED
    assert appeal.rating_state == AppealState.RESOLVED
    assert appeal.state == AppealState.RESOLVED
    assert not appeal.can_be_rated
    assert "already been rated" in en_error(
        rate_appeal, appeal=appeal, actor=user, rating=Rating.SATISFIED
    )
    event = appeal.events.get(kind=EventKind.RATED)
    assert (event.rating, event.note) == (Rating.BASICALLY_SATISFIED, "还行")


def test_who_may_rate_and_when(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    open_appeal = make_appeal()
    assert "once it is resolved or rejected" in en_error(
        rate_appeal, appeal=open_appeal, actor=world.users["resident"], rating=Rating.SATISFIED
    )
    appeal = _resolved(world, make_appeal)
    for persona in ("secretary", "party_member", "group_leader"):
        assert "Only the resident" in en_error(
            rate_appeal, appeal=appeal, actor=world.users[persona], rating=Rating.SATISFIED
        )
    # Staff who filed on behalf of a resident without a phone record the rating for them.
    for_them = _resolved(world, make_appeal, by=world.users["social_worker"])
    rate_appeal(appeal=for_them, actor=world.users["social_worker"], rating=Rating.SATISFIED)
    # …and the resident themself may rate it too (it was filed for them).
    another = _resolved(world, make_appeal, by=world.users["social_worker"])
    rate_appeal(appeal=another, actor=world.users["resident"], rating=Rating.SATISFIED)


def test_unsatisfied_rating_reopens(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    user = world.users["resident"]
    staff = world.users["secretary"]
    appeal = _resolved(world, make_appeal)
    assert "Only an unsatisfied rating" in en_error(
        rate_appeal, appeal=appeal, actor=user, rating=Rating.SATISFIED, reopen=True
    )
    reopened_at = shanghai(2026, 3, 2, 9, 0)  # a Monday
    rate_appeal(
        appeal=appeal,
        actor=user,
        rating=Rating.UNSATISFIED,
        comment="杂物又堆回来了",
        reopen=True,
        now=reopened_at,
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.IN_PROGRESS
    assert appeal.reopen_count == 1
    assert appeal.closed_at is None
    assert appeal.rating == Rating.UNSATISFIED
    # A fresh resolution deadline: 5 working days after Monday 2 March 2026.
    assert appeal.resolution_due_at == shanghai(2026, 3, 9, 23, 59, 59)
    assert list(appeal.events.order_by("id").values_list("kind", flat=True))[-2:] == [
        EventKind.RATED,
        EventKind.REOPENED,
    ]
    # Resolved again, it can be rated again.
    resolve_appeal(appeal=appeal, actor=staff, note="再次清理并张贴告示")
    assert appeal.can_be_rated
    rate_appeal(appeal=appeal, actor=user, rating=Rating.SATISFIED)
    appeal.refresh_from_db()
    assert (appeal.state, appeal.rating, appeal.reopen_count) == (
        AppealState.RESOLVED,
        Rating.SATISFIED,
        1,
    )


def test_reopening_is_limited(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    user = world.users["resident"]
    staff = world.users["secretary"]
    appeal = _resolved(world, make_appeal)
    for _ in range(3):
        rate_appeal(appeal=appeal, actor=user, rating=Rating.UNSATISFIED, reopen=True)
        resolve_appeal(appeal=appeal, actor=staff, note="再处理")
    assert "reopened 3 times" in en_error(
        rate_appeal, appeal=appeal, actor=user, rating=Rating.UNSATISFIED, reopen=True
    )
    rate_appeal(appeal=appeal, actor=user, rating=Rating.UNSATISFIED)  # recorded, not reopened
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.RESOLVED


# --- Merging ------------------------------------------------------------------------------


def test_common_ancestor_path() -> None:
    assert common_ancestor_path(["000100020003", "000100020004"]) == "00010002"
    assert common_ancestor_path(["00010002", "000100020004"]) == "00010002"
    assert common_ancestor_path(["000100020003"]) == "000100020003"
    assert common_ancestor_path(["0001", "0002"]) == ""


def test_merge_into_a_new_issue_at_the_building_group(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    staff = world.users["secretary"]
    a = make_appeal(text="3楼楼道堆满杂物")
    b = make_appeal(
        text="三楼走廊堆放杂物很多",
        place=Place.objects.get(pk=world.building_group.pk),
        by=world.users["group_leader"],
        resident=world.leader,
    )
    acknowledge_appeal(appeal=b, actor=staff)
    issue = merge_into_issue(appeals=[a, b], actor=staff, title="1单元楼道堆物")
    assert issue.place_id == world.building_group.pk
    assert issue.source == IssueSource.APPEALS
    assert issue.state == IssueState.COLLECTED
    assert f"#{a.pk} 3楼楼道堆满杂物" in issue.description
    for appeal in (a, b):
        appeal.refresh_from_db()
        assert appeal.state == AppealState.MERGED
        assert appeal.issue == issue
        assert appeal.closed_at is not None
        assert appeal.first_contacted_at is not None
        assert appeal.events.filter(kind=EventKind.MERGED).count() == 1


def test_merge_across_building_groups_goes_to_the_building(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    bg2 = Place.objects.get(name="2单元", path__startswith=world.building.path)
    bg2_resident = Resident.objects.filter(path__startswith=bg2.path)[0]
    a = make_appeal()
    b = make_appeal(resident=bg2_resident, by=world.users["secretary"])
    issue = merge_into_issue(appeals=[a, b], actor=world.users["secretary"], title="楼道堆物")
    assert issue.place_id == world.building.pk


def test_merge_rules(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    staff = world.users["admin"]
    north = make_appeal()
    south = make_appeal(resident=south_resident(world), by=world.users["outsider"])
    assert "different neighborhoods" in en_error(
        merge_into_issue, appeals=[north, south], actor=staff, title="t"
    )
    assert "needs a title" in en_error(merge_into_issue, appeals=[north], actor=staff)
    assert "at least one appeal" in en_error(merge_into_issue, appeals=[], actor=staff, title="t")
    closed = make_appeal(text="已解决的")
    reject_appeal(appeal=closed, actor=staff, reason="重复")
    assert "already closed" in en_error(
        merge_into_issue, appeals=[north, closed], actor=staff, title="t"
    )
    # The group leader looks after building group 1 only: an issue at the building is not theirs.
    bg2 = Place.objects.get(name="2单元", path__startswith=world.building.path)
    bg2_resident = Resident.objects.filter(path__startswith=bg2.path)[0]
    other_group = make_appeal(resident=bg2_resident, by=world.users["secretary"])
    assert "outside the places you look after" in en_error(
        merge_into_issue, appeals=[north, other_group], actor=world.users["group_leader"], title="t"
    )
    assert not Issue.objects.exists()
    assert Appeal.objects.filter(state=AppealState.MERGED).count() == 0


def test_merge_into_an_existing_issue(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    staff = world.users["secretary"]
    issue = create_issue(
        place=world.building, title="1号楼加装电梯", source=IssueSource.STAFF, actor=staff
    )
    a = make_appeal(text="希望加装电梯", category_name="加装电梯")
    assert merge_into_issue(appeals=[a], actor=staff, issue=issue) == issue
    a.refresh_from_db()
    assert (a.state, a.issue_id) == (AppealState.MERGED, issue.pk)
    # An issue elsewhere cannot take the appeal.
    south_issue = create_issue(
        place=world.south, title="南苑停车", source=IssueSource.STAFF, actor=world.users["admin"]
    )
    b = make_appeal(text="停车难")
    assert "outside the issue's place" in en_error(
        merge_into_issue, appeals=[b], actor=world.users["admin"], issue=south_issue
    )
    assert "outside the places you look after" in en_error(
        merge_into_issue, appeals=[b], actor=staff, issue=south_issue
    )


def test_deadline_fields_are_aware_and_in_shanghai(make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal(at=shanghai(2025, 11, 3, 9, 0))
    appeal.refresh_from_db()
    due = appeal.resolution_due_at.astimezone(SHANGHAI)
    assert (due.hour, due.minute) == (23, 59)
    assert appeal.response_due_at - appeal.created_at == timedelta(hours=24)


def test_household_is_a_place_kind(world: World) -> None:
    assert world.household.kind == PlaceKind.HOUSEHOLD
