"""Similar Chinese appeal texts (character n-grams, no segmenter) and the suggestions."""

from __future__ import annotations

import pytest

from sanxian.accounts.scope import get_scope
from sanxian.appeals.selectors import similar_appeals
from sanxian.appeals.services import reject_appeal
from sanxian.appeals.similarity import SIMILARITY_THRESHOLD, is_similar, normalise, similarity
from sanxian.places.models import Place, Resident
from tests.world import World

SIMILAR = [
    ("3楼楼道堆满杂物", "三楼走廊堆放杂物很多"),
    ("五楼楼道有人堆放纸箱", "5楼过道堆满纸板箱子"),
    ("楼下路灯坏了晚上很黑", "小区路灯不亮了"),
    ("楼道灯不亮", "楼道里的灯坏了好几天"),
    ("电梯经常坏", "电梯故障停运"),
    ("3楼楼道堆满杂物", "5楼楼道堆满杂物"),
]
DIFFERENT = [
    ("3楼楼道堆满杂物", "路灯坏了"),
    ("三楼走廊堆放杂物很多", "路灯坏了"),
    ("楼道灯坏了", "楼道堆满杂物"),
    ("电梯坏了", "楼道灯坏了"),
    ("车辆乱停", "楼道堆满杂物"),
    ("楼上漏水", "楼下噪音"),
    ("电动车在楼道充电", "楼道堆满杂物"),
]


@pytest.mark.parametrize(("a", "b"), SIMILAR)
def test_similar_texts_pass_the_threshold(a: str, b: str) -> None:
    assert similarity(a, b) >= SIMILARITY_THRESHOLD + 0.1, (a, b, similarity(a, b))
    assert is_similar(a, b)
    assert similarity(a, b) == similarity(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_texts_stay_below(a: str, b: str) -> None:
    assert similarity(a, b) <= SIMILARITY_THRESHOLD - 0.05, (a, b, similarity(a, b))
    assert not is_similar(a, b)


def test_normalisation() -> None:
    assert normalise("3楼楼道堆满杂物") == normalise("三楼走廊堆放杂物很多") == "三楼楼道堆杂物"
    assert similarity("", "路灯坏了") == 0.0
    assert similarity("路灯坏了", "路灯坏了") == 1.0


@pytest.mark.django_db
def test_suggestions_come_from_the_same_place_or_building_group(world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    secretary = world.users["secretary"]
    bg = Place.objects.get(pk=world.building_group.pk)
    bg2 = Place.objects.get(name="2单元", path__startswith=world.building.path)
    bg2_resident = Resident.objects.filter(path__startswith=bg2.path)[0]

    appeal = make_appeal(text="3楼楼道堆满杂物")
    same_group = make_appeal(
        text="三楼走廊堆放杂物很多", place=bg, resident=world.leader, by=world.users["group_leader"]
    )
    same_building = make_appeal(
        text="楼道堆放杂物", place=Place.objects.get(pk=world.building.pk), by=secretary
    )
    make_appeal(text="路灯坏了")  # same place, different matter
    make_appeal(text="3楼楼道堆满杂物", resident=bg2_resident, by=secretary)  # another group
    closed = make_appeal(text="3楼楼道堆满杂物")
    reject_appeal(appeal=closed, actor=secretary, reason="重复")

    found = similar_appeals(appeal, get_scope(secretary))
    assert [s.appeal.pk for s in found] == [same_group.pk, same_building.pk]
    assert found[0].score == 1.0
    # The group leader sees only their building group.
    leader_found = similar_appeals(appeal, get_scope(world.users["group_leader"]))
    assert [s.appeal.pk for s in leader_found] == [same_group.pk]
