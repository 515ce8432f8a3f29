"""Walk the links each persona is offered (with an issue, an appeal, meetings, an activity and
a volunteer crew in the data): none may answer 404 or fail, or send the user to sign in
again (a redirect inside the site is followed)."""

from __future__ import annotations

import re
from collections import deque

import pytest
from django.urls import reverse

from tests.test_form_junk import build_data
from tests.world import World

LINK = re.compile(r'<a [^>]*href="(/[^"#?]*(?:\?[^"#]*)?)"')
SKIP = ("/static/", "/media/", "/accounts/logout/", "/i18n/", "/admin/")
PERSONAS = ["admin", "secretary", "social_worker", "group_leader", "party_member", "resident"]
LIMIT = 80


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_offered_link_opens(login, world: World, persona: str) -> None:
    build_data(world)
    client = login(persona)
    seen: set[str] = set()
    queue = deque([reverse("accounts:home")])
    broken: dict[str, int] = {}
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        seen.add(url)
        response = client.get(url)
        location = response.get("Location", "")
        if response.status_code == 302 and location.startswith("/") and "/login/" not in location:
            queue.append(location)  # e.g. /dashboards/ → the user's own top node
            continue
        if response.status_code != 200:
            broken[url] = response.status_code
            continue
        if "text/html" in response.get("Content-Type", ""):
            queue.extend(LINK.findall(response.content.decode().replace("&amp;", "&")))
    assert not broken, f"{persona}: {broken}"
    assert len(seen) > 3
