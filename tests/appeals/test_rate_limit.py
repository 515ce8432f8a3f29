"""The appeal form's rate limit: a resident files at most 5 appeals in 10 minutes and one
address 30 an hour (staff filing on behalf have their own, larger limits). Over the limit
the form comes back with status 429, what was written still in it, and nothing is filed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxian.appeals.models import Appeal
from tests.appeals.conftest import category
from tests.world import World

pytestmark = pytest.mark.django_db

TEXT = "3楼楼道堆满杂物，老人上下楼不方便"


def form_data(world: World, text: str = TEXT) -> dict[str, object]:
    return {"category": category().pk, "text": text, "place": world.building_group.pk}


def test_sixth_appeal_in_ten_minutes_is_refused_and_kept(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login("resident")
    url = reverse("appeals:new")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for i in range(5):
            assert client.post(url, form_data(world, f"{TEXT} {i}")).status_code == 302
        assert Appeal.objects.count() == 5

        refused = client.post(url, form_data(world, "第六条：电梯按钮失灵"))
        assert refused.status_code == 429
        page = refused.content.decode()
        assert 'data-testid="appeal-form"' in page
        assert "第六条：电梯按钮失灵" in page  # the text is kept
        chosen = re.search(r'<input[^>]*name="place"[^>]*checked[^>]*>', page)
        assert chosen and f'value="{world.building_group.pk}"' in chosen.group(0)
        assert Appeal.objects.count() == 5  # nothing filed

        # After the window the same appeal goes through.
        clock.shift(timedelta(minutes=11))
        assert client.post(url, form_data(world, "第六条：电梯按钮失灵")).status_code == 302
        assert Appeal.objects.filter(text="第六条：电梯按钮失灵").count() == 1


def test_invalid_submissions_do_not_count(login, world: World) -> None:  # type: ignore[no-untyped-def]
    client = login("resident")
    url = reverse("appeals:new")
    for _ in range(6):
        assert client.post(url, form_data(world, "")).status_code == 400
    assert client.post(url, form_data(world)).status_code == 302


def test_one_address_is_limited_across_accounts(settings, login, world: World) -> None:  # type: ignore[no-untyped-def]
    settings.SANXIAN_APPEAL_RATES = {**settings.SANXIAN_APPEAL_RATES, "resident_ip": "3/h"}
    url = reverse("appeals:new")
    resident = login("resident")
    assert resident.post(url, form_data(world), REMOTE_ADDR="10.1.1.1").status_code == 302
    assert resident.post(url, form_data(world), REMOTE_ADDR="10.1.1.1").status_code == 302
    member = Client()
    assert member.login(username="party_member", password="test-pass-1234")
    assert member.post(url, form_data(world), REMOTE_ADDR="10.1.1.1").status_code == 302
    refused = member.post(url, form_data(world, "同一地址的第四条"), REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429
    assert "同一地址的第四条" in refused.content.decode()
    # Another address is not affected.
    assert resident.post(url, form_data(world), REMOTE_ADDR="10.1.1.2").status_code == 302


def test_default_address_limit_is_thirty_an_hour(settings, login, world: World) -> None:  # type: ignore[no-untyped-def]
    assert settings.SANXIAN_APPEAL_RATES["resident"] == "5/10m"
    assert settings.SANXIAN_APPEAL_RATES["resident_ip"] == "30/h"


def test_staff_filing_on_behalf_have_their_own_limit(settings, login, world: World) -> None:  # type: ignore[no-untyped-def]
    settings.SANXIAN_APPEAL_RATES = {**settings.SANXIAN_APPEAL_RATES, "staff": "2/10m"}
    client = login("social_worker")
    url = reverse("appeals:new_for_resident", args=[world.resident.pk])
    data = {**form_data(world), "on_behalf_note": "上门走访"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    refused = client.post(url, {**data, "text": "第三条代填"})
    assert refused.status_code == 429
    assert "第三条代填" in refused.content.decode()
    assert Appeal.objects.count() == 2
    # The resident's own filings count separately.
    resident = login("resident")
    assert resident.post(reverse("appeals:new"), form_data(world)).status_code == 302
