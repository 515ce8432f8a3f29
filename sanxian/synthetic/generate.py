"""The synthetic district at the scale tiers of ``docs/quality.md`` ("Data tiers").

- T0: one neighborhood (~4k residents, 1.5k households, 10 grids, 350 party members, 1k
  issues, 3k appeals);
- T1: one sub-district of 20 neighborhoods;
- T2: a district of 15 sub-districts, 300 neighborhoods.

The tiers nest: T0 is the first neighborhood of T1's sub-district and T1 the first
sub-district of T2. A neighborhood's content depends only on the seed, ``today`` and its
position, so a larger tier on a database holding a smaller one (same seed and ``today``)
adds only what is missing, and a tier already complete adds nothing. Each neighborhood is
written in one transaction together with its ``GeneratedNode`` record, so an interrupted
run resumes at the first neighborhood it had not finished.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from itertools import islice
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from sanxian.accounts.models import Role, User
from sanxian.accounts.services import assign_role, create_user
from sanxian.appeals.models import AppealCategory
from sanxian.appeals.services import seed_default_categories
from sanxian.demo.xietu import Writer
from sanxian.meetings.models import CycleRule, MeetingKind
from sanxian.party.models import PartyOrg, PartyOrgKind
from sanxian.party.services import create_working_committee
from sanxian.places.models import Place
from sanxian.places.paths import STEP_LENGTH, subtree_q
from sanxian.places.services import create_subdistrict
from sanxian.synthetic import texts
from sanxian.synthetic.bulk import Rows
from sanxian.synthetic.bulk import Writer as BulkWriter
from sanxian.synthetic.models import GeneratedNode
from sanxian.synthetic.neighborhood import (
    SHANGHAI,
    Category,
    Context,
    Neighborhood,
    Rule,
    drop_known_id_numbers,
    step,
    step_number,
)
from sanxian.volunteers.models import Skill
from sanxian.workdays import selectors as workdays

DEFAULT_TODAY = date(2026, 6, 30)
CATEGORY_WEIGHTS = {
    "环境卫生": 14,
    "楼道堆物": 14,
    "设施维修": 18,
    "噪音扰民": 12,
    "停车管理": 12,
    "邻里纠纷": 8,
    "物业服务": 12,
    "加装电梯": 4,
    "其他": 6,
}


@dataclass(frozen=True)
class Tier:
    name: str
    subdistricts: int
    neighborhoods: int  # in each sub-district

    @property
    def nodes(self) -> list[tuple[int, int]]:
        return [
            (sd, hood)
            for sd in range(1, self.subdistricts + 1)
            for hood in range(1, self.neighborhoods + 1)
        ]


TIERS = {
    "T0": Tier("T0", 1, 1),
    "T1": Tier("T1", 1, texts.NEIGHBORHOODS_PER_SUBDISTRICT),
    "T2": Tier("T2", len(texts.SUBDISTRICTS), texts.NEIGHBORHOODS_PER_SUBDISTRICT),
}


class GenerationError(Exception):
    """The request cannot be carried out; nothing was changed."""


@dataclass
class Report:
    tier: str
    seed: int
    today: date
    created: list[tuple[int, int]] = field(default_factory=list)
    already: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    insert_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def nothing_to_do(self) -> bool:
        return not self.created


def now_of(today: date) -> datetime:
    """The moment the data is "as of": noon of ``today``, Beijing time."""
    return datetime.combine(today, clock(12, 0), tzinfo=SHANGHAI)


def check_compatible(seed: int, today: date) -> None:
    other = GeneratedNode.objects.exclude(seed=seed, today=today).first()
    if other is not None:
        raise GenerationError(
            f"This database holds synthetic data of seed {other.seed} as of {other.today}; "
            f"run with --seed {other.seed} --today {other.today}, or use another database."
        )


def default_workers(jobs: int) -> int:
    """Worker processes that build neighborhoods while this one writes: one fewer than
    the processors (at least one), none for a single neighborhood."""
    if jobs < 2:
        return 0
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def generate(
    *,
    tier: str,
    seed: int,
    today: date = DEFAULT_TODAY,
    out: Writer | None = None,
    workers: int | None = None,
) -> Report:
    """Build what ``tier`` needs and the database lacks; see the module docstring.

    ``workers``: processes building neighborhoods ahead of the writer (None: as many as
    ``default_workers`` gives; 0: build here). The result does not depend on it.
    """
    if tier not in TIERS:
        raise GenerationError(f"Unknown tier {tier!r}: choose one of {', '.join(TIERS)}.")
    if not 0 <= seed < 2**63:
        raise GenerationError("The seed is a whole number from 0 to 2^63 - 1.")
    if workers is not None and workers < 0:
        raise GenerationError("The number of workers cannot be negative.")
    spec = TIERS[tier]
    report = Report(tier=tier, seed=seed, today=today)
    began = time.perf_counter()
    check_compatible(seed, today)
    done = set(
        GeneratedNode.objects.filter(neighborhood_no__gt=0).values_list(
            "subdistrict_no", "neighborhood_no"
        )
    )
    missing = [node for node in spec.nodes if node not in done]
    report.already = len(spec.nodes) - len(missing)
    if not missing:
        report.seconds = time.perf_counter() - began
        return report
    _speed_up_sqlite()
    now = now_of(today)
    shared = _shared(today)
    jobs: list[_Job] = []
    trees: dict[int, tuple[Place, PartyOrg]] = {}
    for sd in sorted({sd for sd, _h in missing}):
        root, committee = _subdistrict(sd, seed, today, now, shared["password"])
        trees[sd] = (root, committee)
        ctx = Context(
            seed=seed,
            today=today,
            now=now,
            sd=sd,
            root_ref=-root.pk,
            root_path=root.path,
            password=shared["password"],
            categories=shared["categories"],
            skills=shared["skills"],
            rule=_rule(root),
        )
        place_step = _next_step(Place, root.path)
        branch_step = _next_step(PartyOrg, committee.path)
        numbers = [number for _sd, number in missing if _sd == sd]
        for k, number in enumerate(numbers):
            jobs.append(
                _Job(
                    ctx=ctx,
                    number=number,
                    path=root.path + step(place_step + k),
                    branch_path=committee.path + step(branch_step + k),
                )
            )
    writer = BulkWriter()
    count = default_workers(len(jobs)) if workers is None else workers
    for job, (rows, built) in zip(jobs, _built(jobs, count), strict=True):
        started = time.perf_counter()
        root, committee = trees[job.ctx.sd]
        with transaction.atomic():
            drop_known_id_numbers(rows)
            keys = writer.write(rows)
            _count_children(Place, root.pk, root.path)
            _count_children(PartyOrg, committee.pk, committee.path)
            GeneratedNode.objects.create(
                place_id=keys.of(Place, built.place),
                subdistrict_no=job.ctx.sd,
                neighborhood_no=job.number,
                seed=seed,
                today=today,
                generated_at=timezone.now(),
                seconds=built.seconds + time.perf_counter() - started,
            )
        report.created.append((job.ctx.sd, job.number))
        if out is not None:
            out.write(
                f"  {len(report.created)}/{len(jobs)} {built.name} "
                f"({texts.subdistrict_name(job.ctx.sd)}): {built.residents} residents, "
                f"{rows.count():,} rows; built in {built.seconds:.1f} s, "
                f"written in {time.perf_counter() - started:.1f} s\n"
            )
    report.rows = writer.rows
    report.insert_seconds = dict(writer.seconds)
    report.seconds = time.perf_counter() - began
    return report


@dataclass(frozen=True)
class _Job:
    ctx: Context
    number: int
    path: str
    branch_path: str


@dataclass(frozen=True)
class _Built:
    place: int  # the neighborhood's local key
    name: str
    residents: int
    seconds: float


def _build(job: _Job) -> tuple[Rows, _Built]:
    started = time.perf_counter()
    hood = Neighborhood(job.ctx, job.number, job.path, job.branch_path)
    hood.build()
    built = _Built(hood.id, hood.name, len(hood.people), time.perf_counter() - started)
    return hood.ins, built


def _worker_started() -> None:
    """A worker reads nothing from the database: the working-day calendar it inherited
    (warmed by ``_shared``) never expires while it runs."""
    workdays.CACHE_SECONDS = 10**9


def _built(jobs: list[_Job], workers: int) -> Iterator[tuple[Rows, _Built]]:
    """The jobs' rows in order: built here, or by ``workers`` processes that stay at
    most ``workers + 1`` neighborhoods ahead of the writer (memory stays flat)."""
    if workers == 0:
        for job in jobs:
            yield _build(job)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_worker_started) as pool:
        pending: deque[Any] = deque()
        queue = iter(jobs)
        for job in islice(queue, workers + 1):
            pending.append(pool.apply_async(_build, (job,)))
        while pending:
            result = pending.popleft().get()
            following = next(queue, None)
            if following is not None:
                pending.append(pool.apply_async(_build, (following,)))
            yield result


def _speed_up_sqlite() -> None:
    """A larger page cache for this connection: the path indexes stay in memory."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")


def _next_step(model: type[Place] | type[PartyOrg], parent_path: str) -> int:
    """The step number after the parent's last child."""
    last = (
        model.objects.filter(subtree_q(parent_path), depth=len(parent_path) // STEP_LENGTH + 1)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    return step_number(last) + 1 if last else 1


def _count_children(model: type[Place] | type[PartyOrg], pk: int, path: str) -> None:
    children = model.objects.filter(subtree_q(path), depth=len(path) // STEP_LENGTH + 1).count()
    model.objects.filter(pk=pk).update(numchild=children)


def _shared(today: date) -> dict[str, Any]:
    """What every neighborhood shares: the sign-ins' password hash, the appeal
    categories, the volunteer skills (created when missing)."""
    with transaction.atomic():
        if not AppealCategory.objects.filter(active=True).exists():
            seed_default_categories()
        categories = tuple(
            Category(
                id=c.pk,
                name=c.name,
                response_hours=c.response_hours,
                working_days=c.resolution_working_days,
                weight=CATEGORY_WEIGHTS.get(c.name, 3),
            )
            for c in AppealCategory.objects.filter(active=True).order_by("position", "id")
        )
        existing = set(Skill.objects.filter(name__in=texts.SKILLS).values_list("name", flat=True))
        Skill.objects.bulk_create([Skill(name=n) for n in texts.SKILLS if n not in existing])
        skills = dict(Skill.objects.filter(name__in=texts.SKILLS).values_list("name", "id"))
    # Warm the working-day calendar of the years the data spans (one query a year).
    for year in range(today.year - 2, today.year + 2):
        workdays.year_calendar(year)
    return {
        # One hash for every synthetic sign-in: hashing is slow by design.
        "password": make_password(texts.PASSWORD),
        "categories": categories,
        "skills": skills,
    }


def _subdistrict(
    sd: int, seed: int, today: date, now: datetime, password: str
) -> tuple[Place, PartyOrg]:
    """The sub-district root, its working committee and cycle rule, and its two
    sign-ins (administrator, security auditor), created on first use."""
    record = GeneratedNode.objects.filter(subdistrict_no=sd, neighborhood_no=0).first()
    if record is not None:
        root = Place.objects.get(pk=record.place_id)
    else:
        with transaction.atomic():
            root = create_subdistrict(
                name=texts.subdistrict_name(sd),
                district=texts.DISTRICT,
                address=f"{texts.DISTRICT}{texts.SUBDISTRICTS[sd - 1]}路{sd * 11}号",
            )
            create_working_committee(subdistrict=root, name=f"{texts.subdistrict_name(sd)}党工委")
            CycleRule.objects.get_or_create(place=root)
            for key, role, name in (
                ("admin", Role.SUBDISTRICT_ADMIN, "街道管理员"),
                ("auditor", Role.SECURITY_AUDITOR, "安全审计员"),
            ):
                user = create_user(
                    username=texts.username(sd, 0, key),
                    password_hash=password,
                    display_name=f"{texts.SUBDISTRICTS[sd - 1]}{name}",
                )
                User.objects.filter(pk=user.pk).update(date_joined=now - timedelta(days=3 * 365))
                assign_role(user=user, role=role, starts_on=date(today.year - 3, 1, 1), place=root)
            GeneratedNode.objects.create(
                place=root,
                subdistrict_no=sd,
                neighborhood_no=0,
                seed=seed,
                today=today,
                generated_at=timezone.now(),
            )
    committee = PartyOrg.objects.get(kind=PartyOrgKind.WORKING_COMMITTEE, place=root)
    return root, committee


def _rule(root: Place) -> Rule:
    rule = CycleRule.objects.filter(place=root).first() or CycleRule()
    kinds = MeetingKind.values
    return Rule(
        days={k: rule.day_for(k) for k in kinds},
        times={k: rule.time_for(k) for k in kinds},
        duration=rule.duration,
        venue=rule.venue,
        quorum=rule.quorum_percent,
        policy=rule.holiday_policy,
        invitees={k: rule.invitees_for(k) for k in kinds},
    )


def synthetic_roots() -> list[Place]:
    """The synthetic sub-districts, in order."""
    ids = GeneratedNode.objects.filter(neighborhood_no=0).values_list("place_id", flat=True)
    return list(Place.objects.filter(pk__in=list(ids)).order_by("path"))


__all__ = [
    "DEFAULT_TODAY",
    "TIERS",
    "GenerationError",
    "Report",
    "generate",
    "synthetic_roots",
]
