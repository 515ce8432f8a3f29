"""Two simultaneous transitions of one issue make exactly one (and one event).

Each thread has its own database connection (SQLite: a real file in WAL mode with
IMMEDIATE transactions; PostgreSQL: READ COMMITTED, the conditional update re-checks the
state after the first transaction commits).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import translation

from sanxian.issues import services
from sanxian.issues.models import Issue, IssueEvent, IssueState, VoteChoice
from sanxian.places.errors import DomainError
from tests.issues.helpers import issue_in, members_under, satisfy_act, satisfy_think
from tests.world import World, build_world


def race(issue_pk: int, calls: list[Callable[[Issue], object]]) -> list[object]:
    """Run each call in its own thread at once, on separately loaded copies of the issue;
    return what each produced (its result, or the DomainError), in the order of ``calls``."""
    threads = len(calls)
    barrier = threading.Barrier(threads)
    results: list[object] = [None] * threads

    def worker(index: int) -> None:
        call = calls[index]
        try:
            issue = Issue.objects.get(pk=issue_pk)
            barrier.wait(timeout=10)
            with translation.override("en"):
                outcome: object = call(issue)
        except DomainError as exc:
            outcome = exc
        except Exception as exc:  # surfaced by the assertions below
            outcome = exc
        finally:
            connection.close()
        results[index] = outcome

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert all(not w.is_alive() for w in workers), "a thread did not finish"
    return results


@pytest.fixture
def tworld(transactional_db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


def _one_winner(results: list[object]) -> DomainError:
    winners = [r for r in results if isinstance(r, Issue)]
    losers = [r for r in results if isinstance(r, DomainError)]
    others = [r for r in results if not isinstance(r, Issue | DomainError)]
    assert not others, others
    assert len(winners) == 1 and len(losers) == len(results) - 1, results
    return losers[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("start", "to"),
    [
        (IssueState.COLLECTED, IssueState.THINK),
        (IssueState.THINK, IssueState.SHELVED),
        (IssueState.ACT, IssueState.DONE),
    ],
)
def test_simultaneous_transitions_make_one(tworld: World, start: str, to: str) -> None:
    issue = issue_in(tworld, start)
    if to == IssueState.DONE:
        satisfy_act(issue, tworld)
    events_before = IssueEvent.objects.filter(issue=issue).count()
    secretary = tworld.users["secretary"]

    def click(i: Issue) -> Issue:
        return services.transition(issue=i, to=to, actor=secretary, note="同时点击")

    results = race(issue.pk, [click, click])
    loser = _one_winner(results)
    assert "Someone else changed this issue" in loser.message or "needs the issue" in loser.message
    stored = Issue.objects.get(pk=issue.pk)
    assert stored.state == to
    assert IssueEvent.objects.filter(issue=issue).count() == events_before + 1
    assert IssueEvent.objects.filter(issue=issue, to_state=to).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_vote_and_the_transition_do_not_interleave(tworld: World) -> None:
    """A vote racing the move to deliberate either lands before it (and counts) or is
    refused because the issue has moved on; never recorded after the gate was checked."""
    issue = issue_in(tworld, IssueState.THINK)
    satisfy_think(issue, tworld)
    member = members_under(tworld.building)[0]
    secretary = tworld.users["secretary"]

    def move(i: Issue) -> object:
        return services.open_deliberation(issue=i, actor=secretary)

    def abstain(i: Issue) -> object:
        return services.cast_vote(issue=i, member=member, choice=VoteChoice.ABSTAIN, actor=None)

    moved, voted = race(issue.pk, [move, abstain])
    assert isinstance(moved, Issue), moved
    stored = Issue.objects.get(pk=issue.pk)
    assert stored.state == IssueState.DELIBERATE
    vote = issue.votes.get(member=member)
    if isinstance(voted, DomainError):
        # Refused because the issue had moved on: the vote is unchanged.
        assert vote.choice == VoteChoice.AGREE
    else:
        # Recorded first (the move waited for it); the gate then saw 2 agree of 2 voting.
        event = IssueEvent.objects.get(issue=issue, to_state=IssueState.DELIBERATE)
        assert vote.choice == VoteChoice.ABSTAIN and vote.at <= event.at
