"""Pages and POST endpoints: the permission matrix, messages, double submissions and query
budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sanxian.activities import services
from sanxian.activities.models import (
    Activity,
    ActivityHelper,
    ActivityPhoto,
    ActivitySignup,
    ActivityState,
    OrganiserKind,
    SignupState,
)
from sanxian.places.models import Resident
from sanxian.volunteers.services import volunteer_for_resident
from tests.activities.conftest import household_of, more_residents
from tests.activities.test_services import png
from tests.world import World, grow

PERSONAS = [
    "admin",
    "secretary",
    "social_worker",
    "group_leader",
    "party_member",
    "resident",
    "outsider",
    "auditor",
    "nobody",
]
LIST = set(PERSONAS) - {"auditor", "nobody"}
READ = {"admin", "secretary", "social_worker", "group_leader", "party_member", "resident"}
MANAGE = {"admin", "secretary", "social_worker"}
SIGN_UP = {"group_leader", "party_member", "resident"}  # accounts of 北苑 residents
CREATE = {"admin", "secretary", "social_worker", "group_leader", "outsider"}


def manage_posts(a: Activity, world: World) -> list[tuple[str, dict]]:
    volunteer = volunteer_for_resident(world.member_resident)
    return [
        (reverse("activities:mark_checkins", args=[a.pk]), {"checked": []}),
        (reverse("activities:signup_for", args=[a.pk]), {"resident": world.member_resident.pk}),
        (
            reverse("activities:add_helper", args=[a.pk]),
            {"volunteer": volunteer.pk, "role": "掌勺"},
        ),
        (reverse("activities:summary", args=[a.pk]), {"summary": "很热闹"}),
        (reverse("activities:held", args=[a.pk]), {}),
        (reverse("activities:cancel", args=[a.pk]), {}),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(world: World, login, make_activity, persona: str) -> None:
    a = make_activity(capacity=5)
    client = login(persona)
    listing = client.get(reverse("activities:list"))
    assert listing.status_code == (200 if persona in LIST else 404)
    if persona in LIST:
        assert (f'data-testid="activity-{a.pk}"' in listing.text) == (persona in READ)
    assert client.get(reverse("accounts:home")).status_code == 200
    detail = client.get(reverse("activities:detail", args=[a.pk]))
    assert detail.status_code == (200 if persona in READ else 404)
    if persona in READ:
        assert ('data-testid="signup-form"' in detail.text) == (persona in SIGN_UP)
        assert ('data-testid="manage"' in detail.text) == (persona in MANAGE)
    for name in ("edit", "signups", "qr"):
        r = client.get(reverse(f"activities:{name}", args=[a.pk]))
        assert r.status_code == (200 if persona in MANAGE else 404), name
    assert client.get(reverse("activities:create")).status_code == (
        200 if persona in CREATE else 404
    )
    assert client.get(reverse("activities:mine")).status_code == (
        200 if persona in SIGN_UP else 404
    )
    me = client.session.get("_auth_user_id")
    user = world.users[persona]
    assert str(user.pk) == me
    signup = client.post(
        reverse("activities:signup", args=[a.pk]),
        {"residents": [user.resident_id]} if user.resident_id else {"residents": []},
    )
    assert signup.status_code == (302 if persona in SIGN_UP else 404)
    if persona in SIGN_UP:
        assert ActivitySignup.objects.filter(activity=a, resident_id=user.resident_id).exists()
    for url, data in manage_posts(a, world):
        response = client.post(url, data)
        assert response.status_code == (302 if persona in MANAGE else 404), url
        assert client.get(url).status_code in (405, 404)
    if persona not in MANAGE:
        assert Activity.objects.get(pk=a.pk).state == ActivityState.PLANNED
        assert not ActivityHelper.objects.filter(activity=a).exists()


def test_guessed_ids_and_other_neighborhoods(world: World, login, make_activity) -> None:
    a = make_activity()
    client = login("outsider")
    for pk in (a.pk, a.pk + 999):
        assert client.get(reverse("activities:detail", args=[pk])).status_code == 404
        assert client.post(reverse("activities:cancel", args=[pk])).status_code == 404
    client = login("resident")
    south = make_activity(place=world.south, title="南苑猜灯谜")
    assert client.get(reverse("activities:detail", args=[south.pk])).status_code == 404
    assert (
        client.post(
            reverse("activities:signup", args=[south.pk]), {"residents": [world.resident.pk]}
        ).status_code
        == 404
    )
    # Someone of another household cannot be signed up, nor cancelled.
    other = client.post(
        reverse("activities:signup", args=[a.pk]), {"residents": [world.member_resident.pk]}
    )
    assert other.status_code == 404
    theirs = services.sign_up(
        activity=a, residents=[world.member_resident], actor=world.users["party_member"]
    ).confirmed[0]
    r = client.post(reverse("activities:cancel_signup", args=[a.pk, theirs.pk]))
    assert r.status_code == 404
    assert ActivitySignup.objects.get(pk=theirs.pk).state == SignupState.CONFIRMED


def test_team_leaders_manage_their_team_activity(world: World, login, make_activity, team) -> None:
    a = make_activity(organiser_kind=OrganiserKind.TEAM, organiser_team=team)
    other = make_activity(title="别的活动")
    client = login("group_leader")  # leads the team through their volunteer record
    assert client.get(reverse("activities:signups", args=[a.pk])).status_code == 200
    assert client.get(reverse("activities:signups", args=[other.pk])).status_code == 404
    assert client.get(reverse("activities:create")).status_code == 200


def test_household_sign_up_says_who_got_what(world: World, login, make_activity) -> None:
    a = make_activity(capacity=2)
    client = login("resident")
    members = household_of(world)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the user chose English
    response = client.post(
        reverse("activities:signup", args=[a.pk]),
        {"residents": [m.pk for m in members]},
        follow=True,
    )
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert len(texts) == 2
    assert "waiting list, number 1" in texts[1]
    me = ActivitySignup.objects.get(activity=a, resident=world.resident)
    assert me.state == SignupState.CONFIRMED  # the signed-in resident first
    assert 'data-testid="waiting-position" data-position="1"' in response.text
    # Submitting the same form again creates nothing more.
    client.post(reverse("activities:signup", args=[a.pk]), {"residents": [m.pk for m in members]})
    assert ActivitySignup.objects.filter(activity=a).count() == 3
    # Cancelling my seat gives it to the one waiting, who sees the notice.
    client.post(reverse("activities:cancel_signup", args=[a.pk, me.pk]))
    promoted = ActivitySignup.objects.get(
        activity=a, resident=members[-1] if members[-1] != world.resident else members[1]
    )
    assert promoted.state == SignupState.CONFIRMED and promoted.promoted_at is not None
    page = client.get(reverse("activities:list"))
    assert 'data-testid="promoted-notice"' in page.text


def test_bad_input_changes_nothing(world: World, login, make_activity) -> None:
    a = make_activity()
    client = login("resident")
    assert (
        client.post(reverse("activities:signup", args=[a.pk]), {"residents": ["x"]}).status_code
        == 400
    )
    r = client.post(reverse("activities:signup", args=[a.pk]), {}, follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    assert not ActivitySignup.objects.exists()
    client = login("secretary")
    before = Activity.objects.count()
    r = client.post(
        reverse("activities:create"),
        {
            "title": "",
            "place": world.north.pk,
            "day": "2030-02-02",
            "start": "18:00",
            "end": "17:00",
            "capacity": "0",
            "organiser_kind": "committee",
        },
    )
    assert r.status_code == 400
    assert {"title", "end", "capacity"} <= set(r.context["form"].errors)
    r = client.post(
        reverse("activities:create"),
        {
            "title": "年夜饭",
            "place": world.south.pk,
            "day": "2030-02-02",
            "start": "17:00",
            "end": "20:00",
            "capacity": "60",
            "organiser_kind": "committee",
        },
    )
    assert r.status_code == 400  # 南苑 is not the secretary's
    r = client.post(
        reverse("activities:create"),
        {
            "title": "年夜饭",
            "place": world.north.pk,
            "day": "2030-02-02",
            "start": "17:00",
            "end": "20:00",
            "capacity": "60",
            "organiser_kind": "team",
        },
    )
    assert r.status_code == 400 and "organiser_team" in r.context["form"].errors
    assert Activity.objects.count() == before
    r = client.post(
        reverse("activities:edit", args=[a.pk]),
        {"title": "x", "day": "bad", "start": "17:00", "end": "20:00", "capacity": "5"},
    )
    assert r.status_code == 400
    assert Activity.objects.get(pk=a.pk).title == a.title
    r = client.post(reverse("activities:summary", args=[a.pk]), {"summary": "太早"}, follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    assert Activity.objects.get(pk=a.pk).summary == ""


def test_create_twice_makes_one(world: World, login) -> None:
    client = login("secretary")
    data = {
        "title": "年夜饭",
        "place": world.north.pk,
        "day": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "start": "17:00",
        "end": "20:00",
        "capacity": "60",
        "venue": "",
        "organiser_kind": "branch",
        "organiser_branch": world.branch.pk,
        "audience": "独居老人优先",
    }
    first = client.post(reverse("activities:create"), data)
    second = client.post(reverse("activities:create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    a = Activity.objects.get()
    assert a.venue == "亲邻驿家" and a.organiser_branch == world.branch
    assert a.signup_closes_at == a.starts_at
    assert timezone.localtime(a.starts_at).hour == 17


def test_photos_after_the_activity(world: World, login, make_activity) -> None:
    a = make_activity(hours=-4)
    client = login("secretary")
    client.post(reverse("activities:held", args=[a.pk]))
    data = {"photos": png(), "caption": "合影", "form_key": "abc"}
    assert client.post(reverse("activities:add_photos", args=[a.pk]), data).status_code == 302
    data = {"photos": png(), "caption": "合影", "form_key": "abc"}
    client.post(reverse("activities:add_photos", args=[a.pk]), data)
    photo = ActivityPhoto.objects.get(activity=a)
    assert client.get(reverse("activities:photo", args=[photo.pk])).status_code == 200
    bad = client.post(
        reverse("activities:add_photos", args=[a.pk]),
        {"photos": png().__class__("x.png", b"not an image"), "form_key": "def"},
        follow=True,
    )
    assert [m.level_tag for m in bad.context["messages"]][-1] == "error"
    assert ActivityPhoto.objects.filter(activity=a).count() == 1
    assert login("resident").get(reverse("activities:photo", args=[photo.pk])).status_code == 200
    assert login("outsider").get(reverse("activities:photo", args=[photo.pk])).status_code == 404


def test_checkin_pages(world: World, login, make_activity) -> None:
    a = make_activity(hours=0.2)
    services.sign_up(activity=a, residents=[world.resident], actor=world.users["resident"])
    client = login("resident")
    url = reverse("activities:checkin", args=[services.checkin_token(a)])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    assert ActivitySignup.objects.get(activity=a, resident=world.resident).checked_in_at
    assert client.get(reverse("activities:checkin", args=["abc:def"])).status_code == 400
    staff = login("secretary")
    s = ActivitySignup.objects.get(activity=a)
    staff.post(reverse("activities:mark_checkins", args=[a.pk]), {"checked": []})
    assert ActivitySignup.objects.get(pk=s.pk).checked_in_at is None
    staff.post(reverse("activities:mark_checkins", args=[a.pk]), {"checked": [s.pk]})
    assert ActivitySignup.objects.get(pk=s.pk).method == "staff"


def test_on_behalf_search_and_sign_up(world: World, login, make_activity) -> None:
    a = make_activity()
    client = login("secretary")
    page = client.get(
        reverse("activities:signups", args=[a.pk]) + "?q=" + world.member_resident.name
    )
    assert f'data-testid="on-behalf-{world.member_resident.pk}"' in page.text
    client.post(
        reverse("activities:signup_for", args=[a.pk]), {"resident": world.member_resident.pk}
    )
    s = ActivitySignup.objects.get(activity=a)
    assert s.on_behalf and s.signed_up_by == world.users["secretary"]
    south = world.south_household.residents.first()
    assert (
        client.post(
            reverse("activities:signup_for", args=[a.pk]), {"resident": south.pk}
        ).status_code
        == 404
    )


# --- Query budgets ---------------------------------------------------------------------------


def count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _fill(world: World, make_activity, n: int) -> list[Activity]:  # type: ignore[no-untyped-def]
    made = []
    for i in range(n):
        a = make_activity(
            title=f"活动{Activity.objects.count()}-{i}", capacity=2, hours=24 * (i + 1)
        )
        services.sign_up(activity=a, residents=household_of(world), actor=world.users["resident"])
        made.append(a)
    past = make_activity(title=f"往期{Activity.objects.count()}", hours=-30 - n)
    services.mark_held(activity=past)
    services.save_summary(activity=past, summary="很好")
    services.add_photos(activity=past, uploads=[png(), png()])
    services.add_helper(activity=past, volunteer=volunteer_for_resident(world.member_resident))
    return made


@pytest.mark.parametrize("persona", ["resident", "secretary", "admin"])
def test_query_budget(world: World, login, make_activity, persona: str) -> None:
    made = _fill(world, make_activity, 2)
    a = made[0]
    client = login(persona)
    urls = [reverse("activities:list"), reverse("activities:detail", args=[a.pk])]
    if persona == "resident":
        urls.append(reverse("activities:mine"))
    else:
        urls += [
            reverse("activities:signups", args=[a.pk]) + "?q=王",
            reverse("activities:edit", args=[a.pk]),
            reverse("activities:create"),
        ]
    before = [count(client, u) for u in urls]
    grow(world)
    more_residents(world, 3)
    _fill(world, make_activity, 4)
    others = list(
        Resident.objects.exclude(household=world.household).filter(
            path__startswith=world.north.path
        )[:6]
    )
    services.sign_up(activity=a, residents=others, actor=world.users["secretary"], on_behalf=True)
    after = [count(client, u) for u in urls]
    assert before == after, list(zip(urls, before, after, strict=True))
    assert max(after) <= 15, list(zip(urls, after, strict=True))


def test_list_sections(world: World, login, make_activity) -> None:
    soon = make_activity(title="近期", hours=24 * 3)
    later = make_activity(title="远期", hours=24 * 70)
    cancelled = make_activity(title="取消了", hours=24 * 4)
    services.cancel_activity(activity=cancelled)
    past = make_activity(title="往期", hours=-30)
    services.mark_held(activity=past)
    services.save_summary(activity=past, summary="大家都很开心")
    client = login("resident")
    data = client.get(reverse("activities:list")).context["data"]
    assert [a.pk for a in data.soon] == [soon.pk, cancelled.pk]
    assert [a.pk for a in data.later] == [later.pk]
    assert [a.pk for a in data.past] == [past.pk]
    page = client.get(reverse("activities:list")).text
    assert "大家都很开心" in page
    detail = client.get(reverse("activities:detail", args=[cancelled.pk]))
    assert 'data-state="cancelled"' in detail.text
    assert 'data-testid="signup-form"' not in detail.text


def test_writes_need_the_csrf_token(world: World, make_activity) -> None:
    from django.test import Client

    from tests.world import PASSWORD

    a = make_activity()
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="resident", password=PASSWORD)
    r = client.post(reverse("activities:signup", args=[a.pk]), {"residents": [world.resident.pk]})
    assert r.status_code == 403
    assert not ActivitySignup.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, world: World, make_activity) -> None:  # type: ignore[no-untyped-def]
    a = make_activity()
    for url in (
        reverse("activities:list"),
        reverse("activities:detail", args=[a.pk]),
        reverse("activities:mine"),
        reverse("activities:checkin", args=[services.checkin_token(a)]),
    ):
        assert client.get(url).status_code == 302
    assert client.post(reverse("activities:signup", args=[a.pk])).status_code == 302
    assert not ActivitySignup.objects.exists()
