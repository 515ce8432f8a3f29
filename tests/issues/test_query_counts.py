"""Issue pages answer in a fixed number of queries, whatever the data (and at most 15)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanxian.issues import services
from sanxian.issues.models import Issue, IssueState
from tests.issues.helpers import (
    ago,
    issue_in,
    make_issue,
    members_under,
    png,
    satisfy_deliberate,
)
from tests.world import World, grow

MAX_QUERIES = 15


def build(world: World) -> dict[str, Issue]:
    """One issue per stage (and a few at the group leader's building group)."""
    issues = {state: issue_in(world, state) for state in IssueState.values}
    issues["deliberate_adopted"] = issue_in(world, IssueState.DELIBERATE, title="已通过方案")
    satisfy_deliberate(issues["deliberate_adopted"], world)
    for state in (IssueState.THINK, IssueState.DELIBERATE, IssueState.ACT):
        issues[f"group_{state}"] = issue_in(world, state, place=world.building_group)
    return issues


def add_more(world: World, issues: dict[str, Issue], settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """More of everything the pages show: issues, events, votes, options, posts, steps,
    stakeholders, consultations, actions with photos, survey responses."""
    settings.MEDIA_ROOT = tmp_path
    secretary = world.users["secretary"]
    for n in range(30):
        make_issue(world, world.block, title=f"更多议题{n}")
    for key in ("think", "group_think"):
        issue = issues[key]
        for _ in range(3):
            services.shelve(issue=issue, actor=secretary, note="暂缓")
            services.reopen(issue=issue, actor=secretary)
        for member in members_under(issue.place):
            services.cast_vote(issue=issue, member=member, choice="agree", actor=None)
        services.answer_question(
            issue=issue, question="overall_interest", answer=True, note="好", actor=None
        )
        services.post_message(issue=issue, author=secretary, text="讨论")
    for key in ("deliberate", "deliberate_adopted", "group_deliberate"):
        issue = issues[key]
        for n in range(4):
            services.add_option(issue=issue, title=f"方案{n}", actor=secretary)
            services.add_stakeholder(issue=issue, kind="builder", name=f"施工方{n}", actor=None)
            services.record_consultation(
                issue=issue, held_on=ago(days=n).date(), attendees=10, summary="好", actor=None
            )
            services.post_message(issue=issue, author=secretary, text=f"意见{n}")
    plan_issue = issues["deliberate_adopted"]
    for n in range(3):
        services.add_plan_step(
            issue=plan_issue, step=services.StepInput(what=f"步骤{n}", owner_name="某"), actor=None
        )
    for key in ("act", "group_act", "done"):
        issue = issues[key]
        if issue.state == IssueState.DONE:
            services.record_survey(issue=issue, rating="satisfied", count=5, actor=None)
            services.record_survey(issue=issue, rating="unsatisfied", actor=None)
            continue
        for n in range(4):
            services.record_action(
                issue=issue,
                member=world.leader.party_member,
                acted_at=ago(days=20 - n),
                what=f"党员行动{n}",
                photos=[png(), png()],
                actor=None,
            )
            services.record_action(
                issue=issue, name=f"居民{n}", acted_at=ago(days=10 - n), what="跟进", actor=None
            )
        services.record_outcome(
            issue=issue, what_changed="变", before="前", after="后", actor=None, after_photo=png()
        )
        services.add_plan_step(
            issue=issue, step=services.StepInput(what="再做一步", owner_name="某"), actor=None
        )


CASES: list[tuple[str, Callable[[dict[str, Issue]], str]]] = [
    ("secretary", lambda i: reverse("issues:list")),
    ("secretary", lambda i: reverse("issues:list") + "?state=collected"),
    ("secretary", lambda i: reverse("issues:list") + f"?after={i['act'].pk}"),
    ("group_leader", lambda i: reverse("issues:list")),
    ("party_member", lambda i: reverse("issues:list")),
    ("admin", lambda i: reverse("issues:list")),
    ("secretary", lambda i: reverse("issues:new")),
    ("party_member", lambda i: reverse("issues:new")),
    *[
        ("secretary", lambda i, s=state: reverse("issues:detail", args=[i[s].pk]))
        for state in [*IssueState.values, "deliberate_adopted"]
    ],
    ("social_worker", lambda i: reverse("issues:detail", args=[i["think"].pk])),
    ("party_member", lambda i: reverse("issues:detail", args=[i["think"].pk])),
    ("party_member", lambda i: reverse("issues:detail", args=[i["act"].pk])),
    ("group_leader", lambda i: reverse("issues:detail", args=[i["think"].pk])),
    ("group_leader", lambda i: reverse("issues:detail", args=[i["group_think"].pk])),
    ("group_leader", lambda i: reverse("issues:detail", args=[i["group_deliberate"].pk])),
    ("group_leader", lambda i: reverse("issues:detail", args=[i["group_act"].pk])),
    ("admin", lambda i: reverse("issues:detail", args=[i["deliberate_adopted"].pk])),
    ("secretary", lambda i: reverse("issues:discussion", args=[i["deliberate"].pk])),
    ("party_member", lambda i: reverse("issues:discussion", args=[i["group_think"].pk])),
]


def count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_issue_pages_do_not_grow_with_the_data(login, world: World, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    issues = build(world)

    def measure() -> dict[tuple[str, str], int]:
        counts = {}
        for persona, url_of in CASES:
            client = login(persona)
            url = url_of(issues)
            counts[(persona, url)] = count_queries(client, url)
        return counts

    before = measure()
    grow(world)
    add_more(world, issues, settings, tmp_path)
    after = measure()
    grown = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not grown, f"query counts changed with the data: {grown}"
    too_many = {k: v for k, v in after.items() if v > MAX_QUERIES}
    assert not too_many, f"more than {MAX_QUERIES} queries: {too_many}"
