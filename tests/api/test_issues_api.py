"""Issues through the API: the list and detail pages' scope and party-only data, and the
workflow's moves through the same services, gates and messages."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext as _

from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.issues import services
from sanxian.issues.gates import missing_for, with_facts
from sanxian.issues.models import Issue, IssueEvent, IssueState, ThinkQuestion
from tests.api.conftest import ApiClient
from tests.issues.helpers import issue_in, make_issue, snapshot
from tests.test_query_counts import count_queries
from tests.world import World

BASE = "/api/issues/"


def test_list_holds_the_issues_in_scope_newest_first(api, world: World) -> None:
    collected = make_issue(world, title="楼道堆物")
    think = issue_in(world, IssueState.THINK, title="加装电梯")
    south = make_issue(world, place=world.south_block, title="南苑停车")
    body = api("secretary").get(BASE).json()
    assert [i["id"] for i in body["items"]] == [think.pk, collected.pk]
    assert body["items"][0]["state"] == "think"
    assert body["items"][0]["place"]["id"] == world.building.pk
    counts = {c["state"]: c["count"] for c in body["counts"]}
    assert counts["collected"] == 1 and counts["think"] == 1
    assert body["next_before"] is None

    only_think = api("secretary").get(BASE, state="think").json()
    assert [i["id"] for i in only_think["items"]] == [think.pk]
    assert [i["id"] for i in api("outsider").get(BASE).json()["items"]] == [south.pk]


@pytest.mark.parametrize("persona", ["resident", "auditor", "nobody"])
def test_those_without_issues_get_404(api, world: World, persona: str) -> None:
    issue = make_issue(world)
    client = api(persona)
    assert client.get(BASE).status_code == 404
    assert client.get(f"{BASE}{issue.pk}").status_code == 404


def test_list_pages_by_keyset(api, world: World) -> None:
    ids = [make_issue(world, title=f"议题{i}").pk for i in range(25)]
    client = api("secretary")
    first = client.get(BASE).json()
    assert [i["id"] for i in first["items"]] == sorted(ids, reverse=True)[:20]
    second = client.get(BASE, before=first["next_before"]).json()
    assert [i["id"] for i in second["items"]] == sorted(ids, reverse=True)[20:]
    assert second["next_before"] is None


def test_party_only_data_is_for_party_roles(api, world: World) -> None:
    issue = issue_in(world, IssueState.THINK)
    services.answer_question(
        issue=issue,
        question=ThinkQuestion.values[0],
        answer=True,
        note="有利于居民",
        actor=world.users["secretary"],
    )
    party = api("secretary").get(f"{BASE}{issue.pk}").json()
    assert party["think"]["questions"][0] == {
        "code": ThinkQuestion.values[0],
        "label": str(ThinkQuestion(ThinkQuestion.values[0]).label),
        "answer": True,
        "note": "有利于居民",
    }
    assert party["consensus"]["agree"] == 0
    assert party["missing"]
    assert party["discussion_posts"] == 0

    staff = api("social_worker").get(f"{BASE}{issue.pk}").json()
    assert staff["state"] == "think"
    assert staff["think"] is None
    assert staff["consensus"] is None
    assert staff["missing"] is None
    assert staff["discussion_posts"] is None
    assert "有利于居民" not in str(staff)


def test_detail_shows_the_stage(api, world: World) -> None:
    issue = issue_in(world, IssueState.ACT)
    body = api("secretary").get(f"{BASE}{issue.pk}").json()
    assert body["plan"]["option"] == "党员带头清理楼道"
    assert body["plan"]["steps"][0]["what"] == "清理楼道"
    assert [s["status"] for s in body["steps"]][:4] == ["done", "done", "done", "current"]
    assert body["next_state"] == "done"
    assert body["can_write"] is True
    assert [e["to_state"] for e in body["events"]][:2] == ["act", "deliberate"]


def test_advance_moves_the_issue_as_the_page_does(api, world: World) -> None:
    issue = make_issue(world)
    response = api("secretary").post(f"{BASE}{issue.pk}/advance", {"note": "党员先想"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "think"
    issue.refresh_from_db()
    assert issue.state == IssueState.THINK
    event = IssueEvent.objects.filter(issue=issue).latest("id")
    assert (event.from_state, event.to_state, event.note) == ("collected", "think", "党员先想")
    assert event.actor == world.users["secretary"]
    assert AuditEvent.objects.filter(
        action=AuditAction.TRANSITION, actor=world.users["secretary"]
    ).exists()


def test_a_closed_gate_refuses_with_what_is_missing(api, world: World) -> None:
    issue = issue_in(world, IssueState.THINK)
    before = snapshot(issue)
    response = api("secretary").post(f"{BASE}{issue.pk}/advance", {})
    assert response.status_code == 400
    fresh = with_facts(Issue.objects.filter(pk=issue.pk)).get()
    assert response.json()["detail"] == " ".join(missing_for(fresh, IssueState.DELIBERATE))
    assert snapshot(issue) == before


def test_think_to_deliberate_is_for_party_roles(api, world: World) -> None:
    issue = issue_in(world, IssueState.THINK)
    before = snapshot(issue)
    assert api("social_worker").post(f"{BASE}{issue.pk}/advance", {}).status_code == 404
    assert snapshot(issue) == before


def test_a_done_issue_has_no_next_step(api, world: World) -> None:
    issue = issue_in(world, IssueState.DONE)
    before = snapshot(issue)
    response = api("secretary").post(f"{BASE}{issue.pk}/advance", {})
    assert response.status_code == 400
    assert response.json()["detail"] == _("This step is not available now.")
    assert snapshot(issue) == before


def test_set_aside_needs_a_reason_and_reopens_where_it_was(api, world: World) -> None:
    issue = issue_in(world, IssueState.THINK)
    client: ApiClient = api("secretary")
    before = snapshot(issue)
    refused = client.post(f"{BASE}{issue.pk}/aside", {"to": "shelved", "note": "  "})
    assert refused.status_code == 400
    assert refused.json()["detail"] == _("Say why the issue is shelved.")
    assert snapshot(issue) == before

    shelved = client.post(f"{BASE}{issue.pk}/aside", {"to": "shelved", "note": "等资金"})
    assert shelved.status_code == 200
    assert (shelved.json()["state"], shelved.json()["resume_state"]) == ("shelved", "think")
    assert Issue.objects.get(pk=issue.pk).state == IssueState.SHELVED

    reopened = client.post(f"{BASE}{issue.pk}/reopen", {"note": "资金到位"})
    assert reopened.status_code == 200
    assert Issue.objects.get(pk=issue.pk).state == IssueState.THINK
    assert IssueEvent.objects.filter(issue=issue, to_state="think", note="资金到位").exists()


def test_escalate_and_reopen_refusals(api, world: World) -> None:
    issue = make_issue(world)
    client = api("secretary")
    before = snapshot(issue)
    refused = client.post(f"{BASE}{issue.pk}/reopen", {})
    assert refused.status_code == 400
    assert refused.json()["detail"] == _("Only a shelved or escalated issue can be reopened.")
    assert snapshot(issue) == before
    escalated = client.post(f"{BASE}{issue.pk}/aside", {"to": "escalated", "note": "需街道协调"})
    assert escalated.json()["state"] == "escalated"


@pytest.mark.parametrize("persona", ["outsider", "resident", "party_member"])
def test_others_cannot_move_an_issue(api, world: World, persona: str) -> None:
    """Outside the scope (another neighborhood, a resident) or a reader only (a party
    member living under the issue's place sees it but may not move it): 404."""
    issue = make_issue(world)
    client = api(persona)
    before = snapshot(issue)
    assert client.post(f"{BASE}{issue.pk}/advance", {}).status_code == 404
    assert client.post(f"{BASE}{issue.pk}/aside", {"to": "shelved", "note": "x"}).status_code == 404
    assert client.post(f"{BASE}{issue.pk}/reopen", {}).status_code == 404
    assert snapshot(issue) == before


def test_a_malformed_move_is_422(api, world: World) -> None:
    issue = make_issue(world)
    response = api("secretary").post(f"{BASE}{issue.pk}/aside", {"to": "done", "note": "x"})
    assert response.status_code == 422
    assert Issue.objects.get(pk=issue.pk).state == IssueState.COLLECTED


def test_list_query_count_does_not_grow(api, world: World) -> None:
    client = api("secretary")
    make_issue(world)
    client.get(BASE)  # the token's first use is recorded once
    small = count_queries(client.client, BASE)
    for i in range(15):
        make_issue(world, title=f"又一个{i}")
    issue_in(world, IssueState.THINK)
    assert count_queries(client.client, BASE) == small
    assert count_queries(client.client, BASE + "?state=think") == small
    assert small <= 8
