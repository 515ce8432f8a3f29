"""The demo's activities at 嘉乐公寓: past editions held, the coming New Year's Eve dinner
open to the demo resident, a full activity with a waiting list; loading is idempotent and
deleting removes them."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxian.accounts.models import User
from sanxian.activities.models import (
    Activity,
    ActivityHelper,
    ActivitySignup,
    ActivityState,
    SignupState,
)
from sanxian.demo.activities import _coming_dates, delete_activities, load_activities
from sanxian.demo.xietu import DEMO_PASSWORD, demo_root, load_demo
from sanxian.places.paths import subtree_q
from sanxian.volunteers.models import HoursEntry, HoursSource


def test_coming_dates_follow_the_lunar_calendar() -> None:
    assert _coming_dates(date(2026, 11, 29)) == (date(2027, 2, 5), date(2027, 2, 20))
    assert _coming_dates(date(2027, 2, 5)) == (date(2028, 1, 25), date(2028, 2, 9))
    assert _coming_dates(date(2029, 3, 1)) == (date(2030, 2, 2), date(2030, 2, 17))
    eve, lantern = _coming_dates(date(2031, 1, 1))
    assert date(2031, 1, 1) < eve < lantern


@pytest.mark.django_db
def test_demo_activities(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert load_activities() == {}  # nothing to attach to yet
    load_demo()
    counts = load_activities()
    assert counts == load_activities()  # idempotent
    assert counts["activities"] == 5
    root = demo_root()
    assert root is not None
    acts = Activity.objects.filter(subtree_q(root.path))
    held = acts.filter(state=ActivityState.HELD)
    assert held.count() == 3
    assert all(a.summary for a in held)
    assert set(held.values_list("starts_at__date", flat=True)) == {
        date(2026, 2, 16),
        date(2026, 3, 3),
        date(2026, 6, 18),
    }
    assert ActivityHelper.objects.filter(activity__in=held).count() >= 10
    assert HoursEntry.objects.filter(source=HoursSource.ACTIVITY).count() == (
        ActivityHelper.objects.filter(activity__in=held).count()
    )
    for a in acts:
        confirmed = ActivitySignup.objects.filter(activity=a, state=SignupState.CONFIRMED).count()
        assert a.taken == confirmed <= a.capacity
    coming = list(acts.filter(starts_at__gt=timezone.now()).order_by("starts_at"))
    dinner, riddles = coming
    assert "年夜饭" in dinner.title and dinner.capacity == 60 and 0 < dinner.taken < 60
    assert riddles.is_full
    assert ActivitySignup.objects.filter(activity=riddles, state=SignupState.WAITING).count() > 0

    # The demo resident signs up for the New Year's Eve dinner.
    resident = User.objects.get(username="resident")
    assert client.login(username="resident", password=DEMO_PASSWORD)
    listing = client.get(reverse("activities:list"))
    assert f'data-testid="activity-{dinner.pk}"' in listing.text
    page = client.get(reverse("activities:detail", args=[dinner.pk]))
    assert 'data-testid="signup-form"' in page.text
    client.post(
        reverse("activities:signup", args=[dinner.pk]), {"residents": [resident.resident_id]}
    )
    mine = ActivitySignup.objects.get(activity=dinner, resident_id=resident.resident_id)
    assert mine.state == SignupState.CONFIRMED
    client.post(
        reverse("activities:signup", args=[riddles.pk]), {"residents": [resident.resident_id]}
    )
    assert (
        ActivitySignup.objects.get(activity=riddles, resident_id=resident.resident_id).state
        == SignupState.WAITING
    )

    delete_activities(root.path)
    assert not Activity.objects.filter(subtree_q(root.path)).exists()
    assert not HoursEntry.objects.filter(source=HoursSource.ACTIVITY).exists()
