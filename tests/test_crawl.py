"""Walk the links each persona is offered (with an issue, an appeal, meetings, an activity and
a volunteer crew in the data): none may answer 404 or fail, or send the user to sign in
again (a redirect inside the site is followed)."""

from __future__ import annotations

import pytest

from tests.crawl import PERSONAS, build_data, walk
from tests.world import World


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_offered_link_opens(login, world: World, persona: str) -> None:
    build_data(world)
    result = walk(login(persona))
    assert not result.broken, f"{persona}: {result.broken}"
    assert result.seen > 3
