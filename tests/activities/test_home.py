"""The home page shows residents what is coming in their neighborhood; staff get their
work cards instead, and the other neighborhood sees nothing of it."""

from __future__ import annotations

from django.urls import reverse

from sanxian.activities import services
from tests.world import World


def test_home_lists_coming_activities_for_residents(world: World, login, make_activity) -> None:
    coming = make_activity(title="北苑年夜饭")
    cancelled = make_activity(title="取消的讲座")
    services.cancel_activity(activity=cancelled, actor=world.users["secretary"])
    resident = login("resident").get(reverse("accounts:home")).text
    assert 'data-testid="home-neighbours"' in resident
    assert reverse("activities:detail", args=[coming.pk]) in resident
    assert "取消的讲座" not in resident
    assert 'data-testid="home-neighbours"' not in login("secretary").get("/").text
    assert "北苑年夜饭" not in login("outsider").get("/").text
