"""The staff list of appeals: each line shows what it showed, the page is chosen on the
index the user's scope suits, and the number of queries does not grow with the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxian.accounts.scope import get_scope
from sanxian.appeals.models import Appeal
from sanxian.appeals.selectors import listed_appeals, staff_appeals
from sanxian.appeals.services import acknowledge_appeal, escalate_overdue
from tests.appeals.conftest import MakeAppeal, category
from tests.test_query_counts import count_queries
from tests.world import World

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["sanxian_language"] = "en"
    return client


def _line(page: str, appeal: Appeal) -> str:
    start = page.index(f'data-testid="appeal-{appeal.pk}"')
    return page[start : page.index("</li>", start)]


def test_a_line_shows_state_deadlines_escalation_and_who(
    login, world: World, make_appeal: MakeAppeal
) -> None:  # type: ignore[no-untyped-def]
    old = make_appeal(at=timezone.now() - timedelta(days=40), text="楼道" * 40)
    fresh = make_appeal(text="电梯<坏了>", category_name="噪音扰民")
    escalate_overdue()
    old.refresh_from_db()
    assert old.escalation_level
    page = english(login("secretary")).get(reverse("appeals:list")).content.decode()

    line = _line(page, old)
    assert f'href="/appeals/{old.pk}/"' in page
    assert f"#{old.pk} 楼道堆物" in line
    assert 'data-testid="appeal-state" data-state="submitted">Submitted</span>' in line
    assert '<span class="tag tag-warn">Overdue</span>' in line
    assert f'<span class="tag tag-warn">{old.get_escalation_level_display()}</span>' in line
    assert "楼道" * 24 + "楼…" in line and "楼道" * 25 not in line  # 50 characters
    assert f"{old.place.name} · {old.resident.name} · " in line
    assert "due " in line

    line = _line(page, fresh)
    assert "电梯&lt;坏了&gt;" in line and "<坏了>" not in line
    assert "Overdue" not in line and "Not contacted in time" not in line
    assert "噪音扰民" in line


def test_filters_keep_their_choices(login, world: World, make_appeal: MakeAppeal) -> None:  # type: ignore[no-untyped-def]
    appeal = make_appeal()
    acknowledge_appeal(appeal=appeal, actor=world.users["secretary"])
    chosen = category("楼道堆物")
    client = login("secretary")
    page = client.get(reverse("appeals:list"), {"state": "acknowledged", "category": chosen.pk})
    html = page.content.decode()
    assert '<option value="acknowledged" selected>' in html
    assert f'<option value="{chosen.pk}" selected>' in html
    assert html.count(" selected>") == 2
    assert [a.pk for a in page.context["page"].appeals] == [appeal.pk]
    html = client.get(reverse("appeals:list")).content.decode()
    assert html.count(" selected>") == 2  # "All" in both
    assert '<option value="" selected>' in html
    bad = client.get(reverse("appeals:list"), {"state": "bogus"})
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.content.decode()


@pytest.mark.parametrize("persona", ["secretary", "admin", "group_leader"])
def test_pages_follow_the_plain_newest_first_order(
    login, world: World, make_appeal: MakeAppeal, persona: str
) -> None:  # type: ignore[no-untyped-def]
    for i in range(45):
        make_appeal(text=f"第{i}件")
    user = world.users[persona]
    scope = get_scope(user)
    expected = list(listed_appeals(scope).order_by("-id").values_list("id", flat=True))
    seen: list[int] = []
    before = None
    while True:
        page = staff_appeals(scope, before=before)
        seen += [a.pk for a in page.appeals]
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == expected


def test_list_queries_do_not_grow_with_the_list(
    login, world: World, make_appeal: MakeAppeal
) -> None:  # type: ignore[no-untyped-def]
    make_appeal()
    client = login("secretary")
    url = reverse("appeals:list")
    before = count_queries(client, url)
    for i in range(30):
        make_appeal(at=timezone.now() - timedelta(days=i), text=f"第{i}件")
    escalate_overdue()
    assert count_queries(client, url) == before <= 15
    assert count_queries(client, url + "?overdue=on") == before
