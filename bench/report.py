"""The benchmark's table: throughput as a ratio to the floor measured in the same run, p95
latency, and the verdict against quality.md's targets. Pure functions of the numbers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# quality.md, "Speed targets": throughput of a page ÷ the floor view's, same run.
TARGET_LIST = 0.25
TARGET_DASHBOARD = 0.2
# p95 at T2 ÷ p95 at T0 for lists, details and dashboards.
TARGET_SLOPE = 1.5
# Roster import: rows/s end to end, and ÷ raw bulk_create of the same rows.
TARGET_IMPORT_RPS = 10_000
TARGET_IMPORT_RATIO = 0.3

KINDS = ("floor", "list", "detail", "dashboard")


def target_for(kind: str) -> float | None:
    """The throughput ratio a page must reach: dashboards 0.2, every other main page (lists,
    the tree browser, grid and detail pages) 0.25; the floor has none."""
    if kind not in KINDS:
        raise ValueError(f"unknown page kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "floor":
        return None
    return TARGET_DASHBOARD if kind == "dashboard" else TARGET_LIST


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class PageResult:
    name: str
    kind: str
    url: str = ""
    user: str = ""
    note: str = ""
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)


@dataclass(frozen=True)
class Row:
    name: str
    note: str
    kind: str
    rps: float
    ratio: float | None
    target: float | None
    p50: float
    p95: float
    errors: int
    verdict: str  # PASS, FAIL or "" (the floor)


def verdict(ratio: float | None, target: float | None, errors: int) -> str:
    if target is None:
        return "FAIL" if errors else ""
    if errors or ratio is None or ratio < target:
        return "FAIL"
    return "PASS"


def rows(results: Iterable[PageResult], floor_rps: float) -> list[Row]:
    out = []
    for r in results:
        target = target_for(r.kind)
        ratio = r.rps / floor_rps if floor_rps > 0 else None
        out.append(
            Row(
                name=r.name,
                note=r.note,
                kind=r.kind,
                rps=r.rps,
                ratio=ratio,
                target=target,
                p50=r.p50,
                p95=r.p95,
                errors=r.errors,
                verdict=verdict(ratio, target, r.errors),
            )
        )
    return out


def _table(header: Sequence[str], body: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *body, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        ("-" * (w + 1) + ":") if i in right else ("-" * (w + 2)) for i, w in enumerate(widths)
    )
    return "\n".join([line(header), rule + "|", *(line(c) for c in body)])


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def page_table(results: Sequence[PageResult], floor_rps: float) -> str:
    """One line per page: req/s, ratio to the floor, target, p50/p95 ms, errors, verdict."""
    body = []
    for row in rows(results, floor_rps):
        body.append(
            [
                f"{row.name} ({row.note})" if row.note else row.name,
                f"{row.rps:.1f}",
                "1.000" if row.kind == "floor" else _num(row.ratio, 3),
                "" if row.target is None else f"≥ {row.target:.2f}",
                f"{row.p50:.1f}",
                f"{row.p95:.1f}",
                str(row.errors),
                row.verdict,
            ]
        )
    header = ["page", "req/s", "÷ floor", "target", "p50 ms", "p95 ms", "errors", "result"]
    return _table(header, body, right={1, 2, 4, 5, 6})


@dataclass(frozen=True)
class SubmitResult:
    submitters: int
    attempts: int
    ok: int  # 2xx/3xx answers
    errors: int  # every other answer or a failed connection
    rows_written: int  # new appeals in the database

    @property
    def lost(self) -> int:
        """Appeals answered as filed that are not in the database."""
        return max(0, self.ok - self.rows_written)

    @property
    def unexpected(self) -> int:
        """Appeals in the database that no successful answer announced."""
        return max(0, self.rows_written - self.ok)

    @property
    def verdict(self) -> str:
        return "PASS" if not (self.errors or self.lost or self.unexpected) else "FAIL"


def submit_line(s: SubmitResult, seconds: float) -> str:
    rate = s.attempts / seconds if seconds > 0 else 0.0
    extra = f", {s.unexpected} unannounced" if s.unexpected else ""
    return (
        f"appeal submission: {s.submitters} concurrent submitters, {s.attempts} POSTs in "
        f"{seconds:.1f} s ({rate:.1f}/s): {s.ok} filed, {s.errors} errors, "
        f"{s.rows_written} rows written, {s.lost} lost{extra} — target 0 errors, 0 lost: "
        f"{s.verdict}"
    )


@dataclass(frozen=True)
class ImportResult:
    rows: int
    import_seconds: float
    bulk_seconds: float  # the inserts alone, of rows prepared beforehand
    prepare_seconds: float | None = None  # computing the rows' sealed numbers and pinyin

    @property
    def import_rps(self) -> float:
        return self.rows / self.import_seconds if self.import_seconds > 0 else 0.0

    @property
    def bulk_rps(self) -> float:
        return self.rows / self.bulk_seconds if self.bulk_seconds > 0 else 0.0

    @property
    def ratio(self) -> float:
        return self.import_rps / self.bulk_rps if self.bulk_rps > 0 else 0.0

    @property
    def verdict(self) -> str:
        ok = self.import_rps >= TARGET_IMPORT_RPS and self.ratio >= TARGET_IMPORT_RATIO
        return "PASS" if ok else "FAIL"


def import_line(result: ImportResult | str) -> str:
    """The roster-import line; a string says why it was not measured."""
    if isinstance(result, str):
        return f"roster import: {result}"
    prepared = ""
    if result.prepare_seconds:
        both = result.rows / (result.prepare_seconds + result.bulk_seconds)
        prepared = f" ({both:,.0f} rows/s counting the sealing and pinyin of the rows)"
    return (
        f"roster import: {result.rows:,} residents, import_roster {result.import_rps:,.0f} "
        f"rows/s, raw bulk_create {result.bulk_rps:,.0f} rows/s{prepared}, ratio "
        f"{result.ratio:.2f} — target ≥ {TARGET_IMPORT_RPS:,} rows/s and ≥ "
        f"{TARGET_IMPORT_RATIO}: {result.verdict}"
    )


def slope_table(
    low: dict[str, float], high: dict[str, float], low_tier: str, high_tier: str
) -> str:
    """p95 of each page at the higher tier ÷ at the lower one (target ≤ 1.5); pages measured
    at one tier only are listed without a verdict."""
    body = []
    for name in [*low, *(n for n in high if n not in low)]:
        a, b = low.get(name), high.get(name)
        if a is None or b is None or a <= 0:
            body.append([name, _num(a, 1), _num(b, 1), "—", ""])
            continue
        slope = b / a
        body.append(
            [
                name,
                f"{a:.1f}",
                f"{b:.1f}",
                f"{slope:.2f}",
                "PASS" if slope <= TARGET_SLOPE else "FAIL",
            ]
        )
    header = [
        "page",
        f"p95 {low_tier} ms",
        f"p95 {high_tier} ms",
        f"{high_tier} ÷ {low_tier} (≤ {TARGET_SLOPE})",
        "result",
    ]
    return _table(header, body, right={1, 2, 3})
