"""A dashboard's figures are cached under a key naming all they depend on: a second visit
skips the roll-up reads, and nothing the page shows goes stale — a new roll-up run, a new
volunteer (a live count), a renamed place or another language all give fresh figures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sanxian.dashboards.services import refresh_all
from sanxian.places.models import Place
from tests.dashboards.helpers import add_hours, get_volunteer
from tests.dashboards.test_views import some_data
from tests.world import World

pytestmark = pytest.mark.usefixtures("mid_month")


def _get(client, url: str) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def _figure(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    assert found, testid
    return found.group(1)


def _reads_rollups(queries: list[str]) -> bool:
    return any("dashboards_monthlyrollup" in q or "dashboards_dailyrollup" in q for q in queries)


def test_a_second_visit_reuses_the_figures_until_a_new_run(world: World, login) -> None:
    some_data(world)
    refresh_all()
    client = login("secretary")
    url = reverse("dashboards:place", args=[world.north.pk])
    first, cold = _get(client, url)
    again, warm = _get(client, url)
    assert _reads_rollups(cold)
    assert not _reads_rollups(warm)
    assert len(warm) < len(cold)
    assert _figure(again, "volunteer-hours") == _figure(first, "volunteer-hours") == "3.5"
    assert 'id="dashboard-data"' in again  # the charts' data is in the cached part

    volunteer = get_volunteer(world.north)
    add_hours(
        volunteer, world.building_group, started=timezone.now() - timedelta(days=1), hours="2"
    )
    stale, _queries = _get(client, url)
    assert _figure(stale, "volunteer-hours") == "3.5"  # roll-ups not refreshed yet: as before
    refresh_all()
    fresh, queries = _get(client, url)
    assert _reads_rollups(queries)
    assert _figure(fresh, "volunteer-hours") == "5.5"


def test_live_counts_and_names_are_never_stale(world: World, login) -> None:
    some_data(world)
    refresh_all()
    client = login("secretary")
    url = reverse("dashboards:place", args=[world.north.pk])
    before, _queries = _get(client, url)
    serving = int(_figure(before, "volunteers-serving"))
    assert "第一块区" in before

    newcomer = get_volunteer(world.north, "新志愿者")
    add_hours(newcomer, world.building_group, started=timezone.now() - timedelta(days=1), hours="1")
    Place.objects.filter(pk=world.block.pk).update(name="第一块区（东）")
    after, _queries = _get(client, url)
    assert int(_figure(after, "volunteers-serving")) == serving + 1
    assert "第一块区（东）" in after


def test_each_language_has_its_own_figures(world: World, login) -> None:
    some_data(world)
    refresh_all()
    client = login("secretary")
    url = reverse("dashboards:place", args=[world.north.pk])
    chinese, _queries = _get(client, url)
    client.post(reverse("set_language"), {"language": "en", "next": url})
    english, _queries = _get(client, url)
    assert "Approved hours by source" in english
    assert "Approved hours by source" not in chinese
