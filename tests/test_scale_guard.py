"""The scale guard (issue 8): every main page answers with the same number of queries on
the T0 tier (one neighborhood) and on the T1 tier (its sub-district of twenty), built by
the synthetic data generator — as a sub-district administrator and as the first
neighborhood's secretary, on first pages and on deep pages of the long lists.

Time is frozen at the day the synthetic data is as of, so the pages show it as current
(this month's meetings, open appeals, the dashboards' last twelve months); the roll-ups
are refreshed for the last two months before each round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanxian.accounts.models import User
from sanxian.appeals.models import Appeal, AppealState, EscalationLevel
from sanxian.appeals.selectors import PAGE_SIZE as APPEALS_PAGE
from sanxian.dashboards.services import refresh_rollups
from sanxian.grids.models import Grid
from sanxian.issues.models import Issue, IssueState
from sanxian.issues.selectors import PAGE_SIZE as ISSUES_PAGE
from sanxian.places.models import Place, PlaceKind
from sanxian.places.paths import subtree_q
from sanxian.synthetic.generate import DEFAULT_TODAY, generate, now_of, synthetic_roots
from sanxian.synthetic.texts import username

pytestmark = pytest.mark.django_db

SEED = 8
MAX_QUERIES = 15  # docs/quality.md: at most 15 queries for a page
# How deep the "deep page" of a long list is: the page after this many rows.
DEEP = 30


@dataclass(frozen=True)
class Nodes:
    root: Place
    hood: Place
    grid: Grid
    issue: Issue
    appeal: Appeal


def _nodes() -> Nodes:
    root = synthetic_roots()[0]
    hood = Place.objects.filter(subtree_q(root.path), kind=PlaceKind.NEIGHBORHOOD).order_by("path")[
        0
    ]
    under = subtree_q(hood.path)
    return Nodes(
        root=root,
        hood=hood,
        grid=Grid.objects.filter(under).order_by("number")[0],
        # a finished issue: its page shows every stage's records
        issue=Issue.objects.filter(under, state=IssueState.DONE, consultations__isnull=False)
        .order_by("id")
        .first()
        or Issue.objects.filter(under, state=IssueState.DONE).order_by("id")[0],
        # a rated appeal that went up the tree
        appeal=Appeal.objects.filter(
            under, escalation_level__gte=EscalationLevel.NEIGHBORHOOD, state=AppealState.RESOLVED
        )
        .exclude(rating="")
        .order_by("id")[0],
    )


def _deep(model: type[Issue] | type[Appeal], path: str, page: int) -> int:
    """The id a list's keyset cursor holds ``DEEP`` pages down (newest first)."""
    ids = model.objects.filter(subtree_q(path)).order_by("-id").values_list("id", flat=True)
    return ids[DEEP * page - 1]


Page = Callable[[Nodes, str], str]
PAGES: dict[str, Page] = {
    "tree: sub-district": lambda n, who: reverse("places:detail", args=[n.root.pk]),
    "tree: neighborhood": lambda n, who: reverse("places:detail", args=[n.hood.pk]),
    "grid": lambda n, who: reverse("grids:detail", args=[n.grid.pk]),
    "issues: first page": lambda n, who: reverse("issues:list"),
    "issues: deep page": lambda n, who: (
        reverse("issues:list")
        + f"?after={_deep(Issue, n.root.path if who == 'admin' else n.hood.path, ISSUES_PAGE)}"
    ),
    "issue detail": lambda n, who: reverse("issues:detail", args=[n.issue.pk]),
    "appeals: first page": lambda n, who: reverse("appeals:list"),
    "appeals: deep page": lambda n, who: (
        reverse("appeals:list")
        + f"?before={_deep(Appeal, n.root.path if who == 'admin' else n.hood.path, APPEALS_PAGE)}"
    ),
    "appeal detail": lambda n, who: reverse("appeals:detail", args=[n.appeal.pk]),
    "dashboard: neighborhood": lambda n, who: (
        reverse("dashboards:place", args=[n.hood.pk]) + "?period=last_12"
    ),
    "dashboard: sub-district": lambda n, who: (
        reverse("dashboards:place", args=[n.root.pk]) + "?period=last_12"
    ),
    "structure check": lambda n, who: reverse("party:structure", args=[n.hood.pk]),
    "meetings": lambda n, who: reverse("meetings:list"),
    "activities": lambda n, who: reverse("activities:list"),
    "volunteers": lambda n, who: reverse("volunteers:teams"),
}
# The secretary sees the neighborhood, not the sub-district above it.
SKIP = {("secretary", "tree: sub-district"), ("secretary", "dashboard: sub-district")}
PERSONAS = {"admin": username(1, 0, "admin"), "secretary": username(1, 1, "secretary")}


def _measure(client: Client) -> dict[tuple[str, str], int]:
    now = now_of(DEFAULT_TODAY)
    refresh_rollups(DEFAULT_TODAY - timedelta(days=60), DEFAULT_TODAY, now=now)
    nodes = _nodes()
    counts: dict[tuple[str, str], int] = {}
    for who, name in PERSONAS.items():
        client.force_login(User.objects.get(username=name))
        for page, url_of in PAGES.items():
            if (who, page) in SKIP:
                continue
            url = url_of(nodes, who)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (who, page, url, response.status_code)
            counts[(who, page)] = len(queries.captured_queries)
    return counts


def test_query_counts_are_the_same_at_t0_and_t1(client: Client) -> None:
    with time_machine.travel(now_of(DEFAULT_TODAY), tick=False):
        generate(tier="T0", seed=SEED)
        before = _measure(client)
        t0_issue = _nodes().issue.pk
        report = generate(tier="T1", seed=SEED)
        assert len(report.created) == 19 and report.already == 1
        assert Place.objects.filter(kind=PlaceKind.NEIGHBORHOOD).count() == 20
        after = _measure(client)
    assert _nodes().issue.pk == t0_issue  # the same records are looked at
    table = "\n".join(
        f"{who:<10} {page:<26} T0 {before[(who, page)]:>3}  T1 {after[(who, page)]:>3}"
        for who, page in before
    )
    print("\nqueries per page\n" + table)
    grown = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert not grown, f"query counts changed from T0 to T1: {grown}\n{table}"
    too_many = {key: n for key, n in after.items() if n > MAX_QUERIES}
    assert not too_many, f"more than {MAX_QUERIES} queries: {too_many}\n{table}"
