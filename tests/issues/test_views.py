"""Issue pages: the permission matrix (GET and POST) over the personas, and how pages
behave: bad input re-renders with a message and changes nothing, success redirects."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from sanxian.issues import services
from sanxian.issues.models import (
    Issue,
    IssuePhoto,
    IssueSource,
    IssueState,
    ThinkAnswer,
    ThinkQuestion,
)
from sanxian.issues.views import WRITES
from tests.issues.helpers import ago, issue_in, make_meeting, png, snapshot
from tests.world import PASSWORD, World

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
OK, NO = 200, 404


@dataclass
class Issues:
    group: Issue  # at 1单元, the group leader's grid: think
    building: Issue  # at 1号楼 (above the group leader's grid): act
    south: Issue  # in the other neighborhood
    photo: IssuePhoto


@pytest.fixture
def issues(world: World, settings, tmp_path) -> Issues:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    group = issue_in(world, IssueState.THINK, place=world.building_group, title="1单元议题")
    building = issue_in(world, IssueState.ACT, title="1号楼议题")
    action = services.record_action(
        issue=building,
        member=world.leader.party_member,
        acted_at=ago(days=1),
        what="党员先清理",
        photos=[png()],
        actor=None,
    )
    south = services.create_issue(
        place=world.south_block, title="南苑议题", source=IssueSource.STAFF, actor=None
    )
    return Issues(group, building, south, IssuePhoto.objects.get(action=action))


def get_pages(i: Issues) -> dict[str, str]:
    return {
        "list": reverse("issues:list"),
        "list_think": reverse("issues:list") + "?state=think",
        "new": reverse("issues:new"),
        "group": reverse("issues:detail", args=[i.group.pk]),
        "building": reverse("issues:detail", args=[i.building.pk]),
        "south": reverse("issues:detail", args=[i.south.pk]),
        "missing": reverse("issues:detail", args=[999999]),
        "discussion": reverse("issues:discussion", args=[i.group.pk]),
        "south_discussion": reverse("issues:discussion", args=[i.south.pk]),
        "photo": reverse("issues:photo", args=[i.building.pk, i.photo.pk]),
        "photo_wrong_issue": reverse("issues:photo", args=[i.group.pk, i.photo.pk]),
        "south_photo_guess": reverse("issues:photo", args=[i.south.pk, i.photo.pk]),
    }


NORTH_VIEWERS = {"admin", "secretary", "social_worker", "group_leader", "party_member"}
PARTY = {"admin", "secretary", "group_leader", "party_member", "outsider"}


def expect(ok: set[str]) -> dict[str, int]:
    return {p: OK if p in ok else NO for p in PERSONAS}


# page -> persona -> status. The party member (role at their household) and the group
# leader see the issues of the places they live under, where they vote.
GET_EXPECTED: dict[str, dict[str, int]] = {
    "list": expect(NORTH_VIEWERS | {"outsider"}),
    "list_think": expect(NORTH_VIEWERS | {"outsider"}),
    "new": expect(NORTH_VIEWERS | {"outsider"}),
    "group": expect(NORTH_VIEWERS),
    "building": expect(NORTH_VIEWERS),
    "south": expect({"admin", "outsider"}),
    "missing": expect(set()),
    "discussion": expect(NORTH_VIEWERS & PARTY),
    "south_discussion": expect({"admin", "outsider"}),
    "photo": expect(NORTH_VIEWERS),
    "photo_wrong_issue": expect(set()),
    "south_photo_guess": expect(set()),
}


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client: Client, issues: Issues) -> None:
    gets = list(get_pages(issues).values())
    posts = [reverse(f"issues:{w}", args=[issues.group.pk]) for w in WRITES]
    posts += [reverse("issues:new"), reverse("issues:discussion", args=[issues.group.pk])]
    for url, response in [(u, client.get(u)) for u in gets] + [(u, client.post(u)) for u in posts]:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    assert Issue.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_get_permission_matrix(login, issues: Issues, persona: str) -> None:
    client = login(persona)
    wrong = {}
    for name, url in get_pages(issues).items():
        response = client.get(url)
        if response.status_code != GET_EXPECTED[name][persona]:
            wrong[name] = (response.status_code, GET_EXPECTED[name][persona])
    assert not wrong, f"{persona}: page -> (got, expected) {wrong}"


# Who passes the access check of each write (then an empty POST is a 400, not a 404).
WRITERS_GROUP = {"admin", "secretary", "social_worker", "group_leader"}
WRITERS_BUILDING = {"admin", "secretary", "social_worker"}


STAFF = {"admin", "secretary", "social_worker", "group_leader", "outsider"}


def may_post(what: str, issue: str, persona: str) -> bool:
    if what == "discussion":
        write, party, staff = False, True, False
    else:
        spec = WRITES[what]
        write, party, staff = spec.write, spec.party, spec.staff
    if issue == "south":
        viewers = writers = {"admin", "outsider"}
    elif issue == "group":
        viewers, writers = NORTH_VIEWERS, WRITERS_GROUP
    else:
        viewers, writers = NORTH_VIEWERS, WRITERS_BUILDING
    allowed = writers if write else viewers
    if party:
        allowed = allowed & PARTY
    if staff:
        allowed = allowed & STAFF
    return persona in allowed


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_post_permission_matrix(login, issues: Issues, persona: str) -> None:
    """Every write endpoint, with an empty body: 404 without access, 400 with it; and
    nothing changes either way."""
    client = login(persona)
    targets = {"group": issues.group, "building": issues.building, "south": issues.south}
    before = {k: snapshot(v) for k, v in targets.items()}
    wrong = {}
    for what in [*WRITES, "discussion"]:
        for key, issue in targets.items():
            status = client.post(reverse(f"issues:{what}", args=[issue.pk]), {}).status_code
            expected = 400 if may_post(what, key, persona) else 404
            if status != expected:
                wrong[(what, key)] = (status, expected)
        missing = client.post(reverse(f"issues:{what}", args=[999999]), {}).status_code
        if missing != 404:
            wrong[(what, "missing")] = (missing, 404)
    assert not wrong, f"{persona}: (write, issue) -> (got, expected) {wrong}"
    assert {k: snapshot(v) for k, v in targets.items()} == before


@pytest.mark.django_db
def test_posting_a_new_issue_needs_a_place_in_scope(login, world: World) -> None:
    client = login("secretary")
    data = {"title": "加装电梯", "source": "staff", "description": ""}
    response = client.post(reverse("issues:new"), {**data, "place": world.south_block.pk})
    assert response.status_code == 400
    assert not Issue.objects.exists()
    response = client.post(reverse("issues:new"), {**data, "place": world.block.pk})
    issue = Issue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("issues:detail", args=[issue.pk])
    assert issue.place == world.block and issue.raised_by == world.users["secretary"]


@pytest.mark.django_db
def test_writes_are_post_only_with_csrf(world: World, issues: Issues) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="secretary", password=PASSWORD)
    url = reverse("issues:transition", args=[issues.group.pk])
    assert client.get(url).status_code == 405
    before = snapshot(issues.group)
    assert (
        client.post(url, {"form": "aside", "aside-to": "shelved", "aside-note": "x"}).status_code
        == 403
    )
    assert snapshot(issues.group) == before


def english(client: Client) -> Client:
    client.cookies["sanxian_language"] = "en"
    return client


@pytest.mark.django_db
def test_bad_input_rerenders_with_a_message_and_changes_nothing(login, issues: Issues) -> None:
    client = english(login("secretary"))
    issue = issues.group
    before = snapshot(issue)
    # A form error: the answer needs its note.
    response = client.post(
        reverse("issues:answer", args=[issue.pk]),
        {"question": ThinkQuestion.OVERALL_INTEREST, "overall_interest-answer": "yes"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="form-answer-overall_interest"' in body
    assert "errorlist" in body
    assert not ThinkAnswer.objects.filter(issue=issue).exists()
    # A refused gate: the message says what is missing.
    response = client.post(
        reverse("issues:transition", args=[issue.pk]),
        {"form": "advance", "advance-to": "deliberate"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="error"' in body and "0 of 3 answered" in body
    # Shelving needs a reason.
    response = client.post(
        reverse("issues:transition", args=[issue.pk]),
        {"form": "aside", "aside-to": "shelved", "aside-note": ""},
    )
    assert (
        response.status_code == 400 and "Say why the issue is shelved." in response.content.decode()
    )
    # A step that is not offered now.
    response = client.post(
        reverse("issues:transition", args=[issue.pk]), {"form": "advance", "advance-to": "done"}
    )
    assert response.status_code == 400
    assert snapshot(issue) == before


@pytest.mark.django_db
def test_success_redirects_back_and_shows_a_message(login, issues: Issues) -> None:
    client = english(login("secretary"))
    issue = issues.group
    url = reverse("issues:answer", args=[issue.pk])
    response = client.post(
        url,
        {
            "question": "overall_interest",
            "overall_interest-answer": "no",
            "overall_interest-note": "再议",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("issues:detail", args=[issue.pk]) + "#think"
    page = client.get(response["Location"]).content.decode()
    assert "The answer is saved." in page
    assert 'data-answer="no"' in page


@pytest.mark.django_db
def test_party_member_votes_as_themself(login, world: World, issues: Issues) -> None:
    client = login("party_member")
    url = reverse("issues:vote", args=[issues.group.pk])
    assert client.post(url, {"choice": "agree"}).status_code == 302
    vote = issues.group.votes.get()
    assert vote.member == world.member_resident.party_member
    assert vote.cast_by == world.users["party_member"]
    # The secretary holds no party membership of their own: refused with a message.
    response = english(login("secretary")).post(url, {"choice": "agree"})
    assert response.status_code == 400
    assert "your account is not one" in response.content.decode()


@pytest.mark.django_db
def test_think_details_are_for_party_roles_only(login, world: World, issues: Issues) -> None:
    issue = issues.group
    services.cast_vote(issue=issue, member=world.leader.party_member, choice="agree", actor=None)
    url = reverse("issues:detail", args=[issue.pk])
    party_page = login("secretary").get(url).content.decode()
    assert 'data-testid="tally"' in party_page and 'data-testid="votes"' in party_page
    assert 'data-testid="form-answer-overall_interest"' in party_page
    staff_page = login("social_worker").get(url).content.decode()
    assert 'data-testid="think-hidden"' in staff_page
    for hidden in ('data-testid="tally"', 'data-testid="votes"', "form-answer", "gate-missing"):
        assert hidden not in staff_page
    assert world.leader.party_member.name not in staff_page
    assert 'data-testid="discussion-link"' not in staff_page
    # Nor can a non-party user push the issue past the party's consensus.
    response = login("social_worker").post(
        reverse("issues:transition", args=[issue.pk]),
        {"form": "advance", "advance-to": "deliberate"},
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_photo_is_served_in_scope_only(login, issues: Issues) -> None:
    url = reverse("issues:photo", args=[issues.building.pk, issues.photo.pk])
    response = login("secretary").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert login("outsider").get(url).status_code == 404


@pytest.mark.django_db
def test_list_filters_by_state_and_pages_by_id(login, world: World) -> None:
    for n in range(23):
        services.create_issue(place=world.block, title=f"议题{n}", source="staff", actor=None)
    thinking = issue_in(world, IssueState.THINK, title="先想中的议题")
    client = login("secretary")
    first = client.get(reverse("issues:list"))
    ids = [i.pk for i in first.context["listing"].items]
    assert len(ids) == 20 and ids == sorted(ids, reverse=True)
    after = first.context["listing"].next_after
    assert after == ids[-1]
    second = client.get(reverse("issues:list") + f"?after={after}")
    rest = [i.pk for i in second.context["listing"].items]
    assert len(rest) == 4 and max(rest) < min(ids)
    assert second.context["listing"].next_after is None
    filtered = client.get(reverse("issues:list") + "?state=think")
    assert [i.pk for i in filtered.context["listing"].items] == [thinking.pk]
    counts = {c.state: c.count for c in filtered.context["listing"].counts}
    assert counts["think"] == 1 and counts["collected"] == 23
    # Nonsense parameters are ignored, not errors.
    assert client.get(reverse("issues:list") + "?state=x&after=y").status_code == 200


@pytest.mark.django_db
def test_whole_flow_through_the_pages(login, world: World, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The secretary takes an issue from collected to done with the page forms."""
    settings.MEDIA_ROOT = tmp_path
    client = login("secretary")
    issue = issue_in(world, IssueState.COLLECTED)

    def post(what: str, data: dict, **extra) -> None:  # type: ignore[no-untyped-def]
        response = client.post(reverse(f"issues:{what}", args=[issue.pk]), data, **extra)
        assert response.status_code == 302, (what, response.content.decode()[:3000])

    post("transition", {"form": "advance", "advance-to": "think"})
    for q in ThinkQuestion.values:
        post("answer", {"question": q, f"{q}-answer": "yes", f"{q}-note": "有利于大家"})
    for member in world.leader.party_member, world.member_resident.party_member:
        services.cast_vote(issue=issue, member=member, choice="agree", actor=None)
    post("transition", {"form": "advance", "advance-to": "deliberate"})
    post("goals", {"goals": "楼道畅通"})
    post("option", {"option-title": "党员带头", "option-description": ""})
    option = issue.options.get()
    meeting = make_meeting(world)
    member = world.leader.party_member
    post(
        "adopt",
        {
            "adopt-option": option.pk,
            "adopt-meeting": meeting.pk,
            "adopt-leads": [member.pk],
            "adopt-goals": "",
            "adopt_step-what": "清理",
            "adopt_step-owner_member": member.pk,
        },
    )
    post("stakeholder", {"stakeholder-kind": "owners_committee", "stakeholder-name": "业委会"})
    post(
        "consultation",
        {
            "consultation-held_on": ago(days=1).date().isoformat(),
            "consultation-attendees": 30,
            "consultation-support": 28,
            "consultation-oppose": 1,
            "consultation-summary": "同意",
        },
    )
    post("transition", {"form": "advance", "advance-to": "act"})
    step = issue.plan.steps.get()
    post("step_done", {"step": step.pk, "done": "1"})
    post(
        "action",
        {
            "action-member": member.pk,
            "action-acted_at": ago(days=2).strftime("%Y-%m-%dT%H:%M"),
            "action-what": "党员先拆鞋柜",
            "action-photos": [png(), png()],
        },
    )
    post(
        "action",
        {
            "action-resident": world.resident.pk,
            "action-acted_at": ago(days=1).strftime("%Y-%m-%dT%H:%M"),
            "action-what": "居民跟进",
        },
    )
    post(
        "outcome",
        {
            "outcome-what_changed": "楼道清空",
            "outcome-before": "堆物",
            "outcome-after": "整洁",
            "outcome-after_photo": png(),
        },
    )
    post("transition", {"form": "advance", "advance-to": "done"})
    post("survey", {"survey-rating": "satisfied", "survey-count": 20, "survey-note": ""})
    post("follow_up", {"follow_up-follow_up_on": "2030-01-01"})
    issue.refresh_from_db()
    assert issue.state == IssueState.DONE
    assert IssuePhoto.objects.filter(issue=issue).count() == 3
    page = client.get(reverse("issues:detail", args=[issue.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="party-first" data-ok="1"' in body
    assert 'data-testid="survey-satisfied">20<' in body


@pytest.mark.django_db
def test_discussion_thread(login, world: World, issues: Issues) -> None:
    client = login("party_member")
    url = reverse("issues:discussion", args=[issues.group.pk])
    response = client.post(url, {"text": "我先把自家鞋柜搬走"})
    assert response.status_code == 302
    assert client.get(url).content.decode().count("我先把自家鞋柜搬走") == 1
    assert client.post(url, {"text": " "}).status_code == 400
    assert issues.group.posts.count() == 1
