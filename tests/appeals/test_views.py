"""Pages end to end through the test client: filing with photos, bad input, transitions
with PRG, rating and reopening, merging from the detail page, list filters and paging."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sanxian import personal_data
from sanxian.appeals.models import Appeal, AppealEvent, AppealPhoto, AppealState, EventKind
from sanxian.appeals.services import acknowledge_appeal, resolve_appeal
from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.issues.models import Issue
from sanxian.places.models import Place
from tests.appeals.conftest import category, png
from tests.world import World

pytestmark = pytest.mark.django_db


def form_data(world: World, **extra) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {
        "category": category().pk,
        "text": "3楼楼道堆满杂物，老人上下楼不方便",
        "place": world.building_group.pk,
        **extra,
    }


def test_resident_files_with_photos_and_sees_it(login, world: World) -> None:
    client = login("resident")
    page = client.get(reverse("appeals:new")).content.decode()
    for place in (world.household, world.building_group, world.building):
        assert f'value="{place.pk}"' in page
    assert 'data-testid="appeal-form"' in page
    response = client.post(
        reverse("appeals:new"),
        form_data(world, photos=[png(), png("b.png")], contact_phone="138 1234 5678"),
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:detail", args=[appeal.pk])
    assert appeal.place_id == world.building_group.pk
    assert appeal.resident == world.resident
    assert not appeal.on_behalf
    # Sealed: encrypted and the last four for display; the full number needs a reason.
    assert personal_data.unseal(appeal.contact_phone_sealed) == "13812345678"
    assert appeal.contact_phone_last4 == "5678"
    assert AppealPhoto.objects.filter(appeal=appeal).count() == 2
    detail = client.get(response["Location"]).content.decode()
    assert 'data-state="submitted"' in detail
    assert 'data-testid="timeline"' in detail
    photo = appeal.photos.first()
    assert photo is not None
    served = client.get(reverse("appeals:photo", args=[photo.pk]))
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    mine = client.get(reverse("appeals:mine")).content.decode()
    assert f'data-testid="appeal-{appeal.pk}"' in mine


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": ""}, "category"),
        ({"text": "   "}, "text"),
        ({"place": "999999"}, "place"),
        ({"contact_phone": "call me"}, "contact_phone"),
        ({"contact_phone": "123"}, "contact_phone"),
        ({"photos": [png(f"{i}.png") for i in range(5)]}, "photos"),
        ({"photos": [SimpleUploadedFile("x.jpg", b"<script>", "image/jpeg")]}, "photos"),
    ],
)
def test_bad_input_rerenders_and_changes_nothing(login, world: World, change, field) -> None:  # type: ignore[no-untyped-def]
    client = login("resident")
    response = client.post(reverse("appeals:new"), form_data(world, **change))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="errorlist"' in response.content.decode()
    assert not Appeal.objects.exists()
    assert not AppealPhoto.objects.exists()


def test_staff_file_on_behalf(login, world: World) -> None:
    client = login("social_worker")
    found = client.get(reverse("appeals:new_for"), {"q": world.resident.name}).content.decode()
    url = reverse("appeals:new_for_resident", args=[world.resident.pk])
    assert url in found
    response = client.post(url, form_data(world, on_behalf_note="上门走访，老人没有手机"))
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.on_behalf
    assert appeal.filed_by == world.users["social_worker"]
    assert appeal.on_behalf_note == "上门走访，老人没有手机"
    # The resident sees it among their appeals, marked as filed for them.
    resident = login("resident")
    assert (
        f'data-testid="appeal-{appeal.pk}"'
        in resident.get(reverse("appeals:mine")).content.decode()
    )
    assert 'data-testid="on-behalf"' in resident.get(response["Location"]).content.decode()


def test_transitions_through_the_pages(login, world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal()
    client = login("secretary")
    detail = reverse("appeals:detail", args=[appeal.pk])
    assert 'data-testid="acknowledge-form"' in client.get(detail).content.decode()
    response = client.post(reverse("appeals:acknowledge", args=[appeal.pk]), {"note": "电话联系"})
    assert response.status_code == 302 and response["Location"] == detail
    # A double click: the second is refused with a message; one event only.
    again = client.post(reverse("appeals:acknowledge", args=[appeal.pk]), follow=True)
    assert [m.level_tag for m in again.context["messages"]][-1] == "error"
    assert appeal.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1
    # Resolving without a note re-renders with the error, and changes nothing.
    bad = client.post(reverse("appeals:resolve", args=[appeal.pk]), {"note": ""})
    assert bad.status_code == 400
    assert "note" in bad.context["resolve_form"].errors
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.ACKNOWLEDGED
    client.post(reverse("appeals:start", args=[appeal.pk]))
    client.post(reverse("appeals:resolve", args=[appeal.pk]), {"note": "已清理"})
    appeal.refresh_from_db()
    assert appeal.state == AppealState.RESOLVED
    assert appeal.outcome_note == "已清理"
    assert 'data-testid="actions"' not in client.get(detail).content.decode()


def test_rating_and_reopening_through_the_page(login, world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal()
    acknowledge_appeal(appeal=appeal, actor=world.users["secretary"])
    resolve_appeal(appeal=appeal, actor=world.users["secretary"], note="已清理")
    client = login("resident")
    detail = reverse("appeals:detail", args=[appeal.pk])
    assert 'data-testid="rate-form"' in client.get(detail).content.decode()
    bad = client.post(
        reverse("appeals:rate", args=[appeal.pk]), {"rating": "satisfied", "reopen": "on"}
    )
    assert bad.status_code == 400
    assert Appeal.objects.get(pk=appeal.pk).rating == ""
    response = client.post(
        reverse("appeals:rate", args=[appeal.pk]),
        {"rating": "unsatisfied", "comment": "又堆回来了", "reopen": "on"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.state, appeal.reopen_count) == (AppealState.IN_PROGRESS, 1)
    page = client.get(detail).content.decode()
    assert 'data-state="in_progress"' in page
    assert 'data-testid="rate-form"' not in page


def test_merge_from_the_detail_page(login, world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal(text="3楼楼道堆满杂物")
    similar = make_appeal(
        text="三楼走廊堆放杂物很多",
        place=Place.objects.get(pk=world.building_group.pk),
        resident=world.leader,
        by=world.users["group_leader"],
    )
    make_appeal(text="路灯坏了")
    client = login("secretary")
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert f'data-testid="similar-{similar.pk}"' in page
    # Without a title or an issue: 400, nothing merged.
    bad = client.post(reverse("appeals:merge", args=[appeal.pk]), {"appeals": [appeal.pk]})
    assert bad.status_code == 400
    assert not Issue.objects.exists()
    response = client.post(
        reverse("appeals:merge", args=[appeal.pk]),
        {"appeals": [appeal.pk, similar.pk], "title": "1单元楼道堆物"},
    )
    assert response.status_code == 302
    issue = Issue.objects.get()
    assert issue.place_id == world.building_group.pk
    assert set(issue.appeals.values_list("pk", flat=True)) == {appeal.pk, similar.pk}
    assert AppealEvent.objects.filter(kind=EventKind.MERGED).count() == 2


def test_list_filters_and_keyset_pages(login, world: World, make_appeal) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.utils import timezone

    old = make_appeal(at=timezone.now() - timedelta(days=30), text="很久以前的")
    for i in range(24):
        make_appeal(text=f"第{i}件")
    acknowledge_appeal(appeal=old, actor=world.users["secretary"])
    client = login("secretary")
    first = client.get(reverse("appeals:list"))
    ids = [a.pk for a in first.context["page"].appeals]
    assert len(ids) == 20 and ids == sorted(ids, reverse=True)
    next_before = first.context["page"].next_before
    second = client.get(reverse("appeals:list"), {"before": next_before})
    more = [a.pk for a in second.context["page"].appeals]
    assert len(more) == 5 and not set(ids) & set(more)
    assert second.context["page"].next_before is None
    overdue = client.get(reverse("appeals:list"), {"overdue": "on"}).context["page"].appeals
    assert [a.pk for a in overdue] == [old.pk]
    acknowledged = client.get(reverse("appeals:list"), {"state": "acknowledged"})
    assert [a.pk for a in acknowledged.context["page"].appeals] == [old.pk]
    other = category("噪音扰民")
    assert not client.get(reverse("appeals:list"), {"category": other.pk}).context["page"].appeals
    assert client.get(reverse("appeals:list"), {"state": "bogus"}).status_code == 400


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("resident", True), ("secretary", True), ("social_worker", True), ("outsider", False)],
)
def test_callback_phone_is_masked_and_revealed_with_a_reason(
    login, world: World, persona: str, sees: bool
) -> None:
    client = login("resident")
    client.post(reverse("appeals:new"), form_data(world, contact_phone="13812345678"))
    appeal = Appeal.objects.get()
    client = login(persona)
    detail = client.get(reverse("appeals:detail", args=[appeal.pk]))
    url = reverse("appeals:reveal_phone", args=[appeal.pk])
    if not sees:
        assert detail.status_code == 404
        assert client.post(url, {"reason": "看看"}).status_code == 404
        assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
        return
    assert "*******5678" in detail.text and "13812345678" not in detail.text
    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 400 and "13812345678" not in refused.text
    shown = client.post(url, {"reason": "回访诉求人"})
    assert shown.status_code == 200
    assert 'href="tel:13812345678"' in shown.text
    entry = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert entry.detail == {"field": "contact_phone", "reason": "回访诉求人"}
    assert entry.actor_id == world.users[persona].pk
