"""The generator is deterministic: the same seed gives the same content (a digest over the
rows' natural keys), another seed other content; tiers nest (a larger tier on a database
holding a smaller one adds the rest and leaves the smaller one's rows alone, with the
same content as the larger tier built from scratch); a tier built twice adds nothing."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction

from sanxian.places.models import Place, Resident
from sanxian.synthetic import generate as generator
from sanxian.synthetic.digest import content_digest
from sanxian.synthetic.generate import Tier, generate, synthetic_roots
from sanxian.synthetic.models import GeneratedNode

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    """Raised to roll a generation back after its digest was taken."""


def _digest_of(*tiers: str, seed: int) -> str:
    """Generate ``tiers`` in turn, take the digest, roll everything back."""
    digest = ""
    # Everything generated is rolled back: _Undo leaves the transaction, and is then dropped.
    with contextlib.suppress(_Undo), transaction.atomic():
        for tier in tiers:
            generate(tier=tier, seed=seed, workers=0)
        digest = content_digest()
        raise _Undo
    assert not GeneratedNode.objects.exists()
    return digest


def test_same_seed_same_content_other_seed_other_content() -> None:
    first = _digest_of("T0", seed=1)
    again = _digest_of("T0", seed=1)
    other = _digest_of("T0", seed=2)
    assert first == again
    assert other != first


def test_tiers_nest(monkeypatch: pytest.MonkeyPatch) -> None:
    # A tier of two neighborhoods stands for T1 (twenty would make a slow test; the
    # scale guard builds the real T1 on top of T0).
    monkeypatch.setitem(generator.TIERS, "T0+1", Tier("T0+1", 1, 2))
    fresh = _digest_of("T0+1", seed=3)
    generate(tier="T0", seed=3, workers=0)
    root = synthetic_roots()[0]
    t0_rows = set(Resident.objects.values_list("id", "path", "name", "phone_digest"))
    t0_places = set(Place.objects.values_list("id", "path", "numchild", "name"))
    report = generate(tier="T0+1", seed=3, workers=0)
    assert report.created == [(1, 2)] and report.already == 1
    # T0's rows are as they were; only the sub-district counts one more child
    assert t0_rows <= set(Resident.objects.values_list("id", "path", "name", "phone_digest"))
    now = set(Place.objects.values_list("id", "path", "numchild", "name"))
    changed = {row for row in t0_places if row not in now}
    assert {row[1] for row in changed} == {root.path}
    assert Place.objects.get(pk=root.pk).numchild == 2
    assert content_digest() == fresh


def test_building_in_workers_gives_the_same_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(generator.TIERS, "T0+1", Tier("T0+1", 1, 2))
    here = _digest_of("T0+1", seed=4)
    generate(tier="T0+1", seed=4, workers=1)
    assert content_digest() == here


def test_running_a_tier_twice_adds_nothing() -> None:
    first = generate(tier="T0", seed=5, workers=0)
    assert first.created == [(1, 1)]
    counts = (Place.objects.count(), Resident.objects.count(), GeneratedNode.objects.count())
    second = generate(tier="T0", seed=5, workers=0)
    assert second.nothing_to_do and second.already == 1
    assert (Place.objects.count(), Resident.objects.count(), GeneratedNode.objects.count()) == (
        counts
    )
