"""The moves a viewer may ask for (``selectors.allowed_moves``, ``services.move``) and the
party-only parts of the issue page (``selectors.issue_page``): one place that decides,
read by the detail page and the API alike."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils.translation import gettext as _

from sanxian.accounts.scope import get_scope
from sanxian.issues import selectors, services
from sanxian.issues.models import IssueState
from sanxian.issues.selectors import MoveKind
from sanxian.places.errors import DomainError
from tests.issues.helpers import issue_in, satisfy_think, snapshot
from tests.world import World


def _moves(world: World, persona: str, state: str) -> selectors.Moves:
    issue = issue_in(world, state)
    return selectors.allowed_moves(issue, get_scope(world.users[persona]))


@pytest.mark.django_db
def test_moves_on_offer_follow_the_state_and_the_role(world: World) -> None:
    collected = _moves(world, "social_worker", IssueState.COLLECTED)
    assert (collected.advance, collected.may_advance) == (IssueState.THINK, True)
    assert collected.may_set_aside and collected.reopen is None
    # Think → deliberate: party roles only.
    assert _moves(world, "secretary", IssueState.THINK).may_advance
    staff_think = _moves(world, "social_worker", IssueState.THINK)
    assert (staff_think.advance, staff_think.may_advance) == (IssueState.DELIBERATE, False)
    done = _moves(world, "secretary", IssueState.DONE)
    assert (done.advance, done.may_advance, done.may_set_aside) == (None, False, False)
    assert done.targets("advance") == ()
    shelved = _moves(world, "secretary", IssueState.SHELVED)
    assert (shelved.advance, shelved.may_set_aside, shelved.reopen) == (
        None,
        False,
        IssueState.THINK,
    )
    assert shelved.targets("reopen") == (IssueState.THINK,)
    assert set(shelved.targets("aside")) == {IssueState.SHELVED, IssueState.ESCALATED}
    assert shelved.targets("unknown") == ()


@pytest.mark.django_db
def test_a_move_not_on_offer_is_refused_and_changes_nothing(world: World) -> None:
    secretary = world.users["secretary"]
    issue = issue_in(world, IssueState.COLLECTED)
    before = snapshot(issue)
    asked: list[tuple[MoveKind, str]] = [("advance", IssueState.DONE), ("reopen", IssueState.THINK)]
    for kind, to in asked:
        with pytest.raises(DomainError) as refused:
            services.move(
                issue=issue, kind=kind, scope=get_scope(secretary), actor=secretary, to=to
            )
        assert refused.value.message == _("This step is not available now.")
    assert snapshot(issue) == before
    done = issue_in(world, IssueState.DONE)
    with pytest.raises(DomainError):
        services.move(issue=done, kind="advance", scope=get_scope(secretary), actor=secretary)


@pytest.mark.django_db
def test_think_to_deliberate_is_not_found_for_other_roles(world: World) -> None:
    staff = world.users["social_worker"]
    issue = issue_in(world, IssueState.THINK)
    satisfy_think(issue, world)
    before = snapshot(issue)
    with pytest.raises(Http404):
        services.move(issue=issue, kind="advance", scope=get_scope(staff), actor=staff)
    assert snapshot(issue) == before
    secretary = world.users["secretary"]
    moved = services.move(
        issue=issue, kind="advance", scope=get_scope(secretary), actor=secretary, note="议定"
    )
    assert moved.state == IssueState.DELIBERATE
    assert issue.events.filter(to_state=IssueState.DELIBERATE, note="议定").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("state", [IssueState.THINK, IssueState.DELIBERATE])
def test_the_page_leaves_party_data_out_for_other_roles(world: World, state: str) -> None:
    issue = issue_in(world, state)
    fetched = selectors.get_issue_for_user(world.users["secretary"], issue.pk)
    party = selectors.issue_page(world.users["secretary"], fetched)
    staff = selectors.issue_page(world.users["social_worker"], fetched)
    assert party.consensus is not None and staff.consensus is None
    assert party.discussion_posts == 0 and staff.discussion_posts is None
    assert party.missing is not None
    if state == IssueState.THINK:
        assert party.think is not None and len(party.think.questions) == 3
        assert party.missing and not party.ready
        # What the think stage still needs is hidden, not reported as nothing.
        assert staff.think is None and staff.missing is None and not staff.ready
        # Nor whether the party has finished weighing it.
        satisfy_think(issue, world)
        fetched = selectors.get_issue_for_user(world.users["secretary"], issue.pk)
        assert selectors.issue_page(world.users["secretary"], fetched).ready
        assert not selectors.issue_page(world.users["social_worker"], fetched).ready
    else:
        assert party.think is None and staff.missing == party.missing


@pytest.mark.django_db
def test_after_deliberation_nobody_sees_the_consensus_or_the_think_stage(world: World) -> None:
    issue = issue_in(world, IssueState.ACT)
    fetched = selectors.get_issue_for_user(world.users["secretary"], issue.pk)
    page = selectors.issue_page(world.users["secretary"], fetched)
    assert page.consensus is None and page.think is None
    assert page.discussion_posts == 0 and page.missing is not None
