"""``make bench``: throughput and latency of the main pages as ratios to a floor view measured
in the same run, 20 concurrent appeal submitters, and the roster import (quality.md, "Speed
targets").

    python -m bench.run [--db sqlite|postgresql|both] [--tier T0 | --tiers T0,T2]
                        [--seconds 10] [--concurrency 4] [--workers 2] [--threads 2]

For each database and tier: build (or reuse from the cache under /tmp) a database with the
tier's data, start gunicorn on a free loopback port with ``bench.settings``, sign in, warm up,
then drive each page with N closed-loop clients for S seconds, and print one table (also
written to bench/results/<db>-<tier>.md). With ``--tiers T0,T2`` it adds the p95 ratio of
the higher tier to the lower one per page. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from bench import report
from bench.report import ImportResult, PageResult, SubmitResult

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CACHE = Path(os.environ.get("BENCH_CACHE", str(Path(tempfile.gettempdir()) / "sanxian-bench")))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
# BENCH_RUN names a run so that several can share the machine: its own copies, caches,
# logs and results files.
RUN = re.sub(r"[^a-z0-9]", "", os.environ.get("BENCH_RUN", "").lower())
PG_RUN_DB = f"sanxian_bench_{RUN}" if RUN else "sanxian_bench"
SUFFIX = f"-{RUN}" if RUN else ""
PASSWORD = "Bench-Pass-2024!"  # noqa: S105 - the bench's own throwaway sign-ins
SYNTHETIC = ROOT / "sanxian/synthetic/management/commands/generate_synthetic.py"
IMPORTER = ROOT / "sanxian/rosters/management/commands/import_roster.py"
TIERS = ("T0", "T1", "T2")
TIMEOUT = 120.0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Running the product's commands -----------------------------------------------------


def django_env(db_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SQLITE_PATH", "DATABASE_URL"}}
    env.update(db_env)
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env.pop("DJANGO_DEBUG", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_python(db_env: dict[str, str], *args: str, capture: bool = True) -> str:
    """``python ARGS`` in the repository with the bench settings and this database."""
    command = [sys.executable, *args]
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=ROOT,
        env=django_env(db_env),
        capture_output=capture,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        detail = (done.stderr or "")[-3000:] if capture else ""
        raise RuntimeError(f"{' '.join(args)} failed (exit {done.returncode})\n{detail}")
    return done.stdout if capture else ""


def manage(db_env: dict[str, str], *args: str) -> str:
    started = time.monotonic()
    out = run_python(db_env, "manage.py", *args)
    log(f"manage.py {' '.join(args)}: {time.monotonic() - started:.1f} s")
    return out


def loader_name(choice: str) -> str:
    """'synthetic' once sanxian/synthetic provides generate_synthetic, else the demo."""
    if choice == "auto":
        return "synthetic" if SYNTHETIC.exists() else "demo"
    if choice == "synthetic" and not SYNTHETIC.exists():
        raise SystemExit("--loader synthetic: manage.py generate_synthetic does not exist yet.")
    return choice


def load_data(db_env: dict[str, str], loader: str, tier: str, seed: int) -> None:
    """Fill a migrated, empty database with the tier's data."""
    manage(db_env, "seed_holidays")
    if loader == "synthetic":
        manage(db_env, "generate_synthetic", "--tier", tier, "--seed", str(seed))
    else:
        manage(db_env, "load_demo")
    manage(db_env, "refresh_rollups")


def source_digest(loader: str) -> str:
    """Changes when a migration or the loader's code changes, so a cached database is rebuilt
    rather than reused with an outdated schema or content."""
    h = hashlib.sha256()
    files = sorted(ROOT.glob("sanxian/*/migrations/*.py"))
    package = "synthetic" if loader == "synthetic" else "demo"
    files += sorted((ROOT / "sanxian" / package).rglob("*.py"))
    # The roll-ups are computed when the database is built.
    files += sorted((ROOT / "sanxian" / "dashboards").glob("*.py"))
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


# --- Databases, built once per tier and seed, copied for every run ----------------------


class Database:
    kind = ""

    def __init__(self, loader: str, tier: str, seed: int) -> None:
        self.loader, self.tier, self.seed = loader, tier, seed
        # Databases of the same data built from older code share this prefix: a new build
        # replaces them.
        self.family = f"{RUN}{loader}_{tier}_s{seed}_".lower()
        self.key = f"{self.family}{source_digest(loader)}"

    def prepare(self) -> dict[str, str]:
        """A fresh copy of the cached database (built first when missing); its env."""
        raise NotImplementedError

    def build(self, db_env: dict[str, str]) -> None:
        started = time.monotonic()
        log(f"building the {self.kind} database {self.key} (cached for later runs)")
        manage(db_env, "migrate", "--no-input", "-v0")
        load_data(db_env, self.loader, self.tier, self.seed)
        log(f"built in {time.monotonic() - started:.0f} s")


class SqliteDatabase(Database):
    kind = "sqlite"

    def prepare(self) -> dict[str, str]:
        CACHE.mkdir(parents=True, exist_ok=True)
        cached = CACHE / f"{self.key}.sqlite3"
        if not cached.exists():
            building = CACHE / f"{self.key}.building.sqlite3"
            self._remove(building)
            self.build({"SQLITE_PATH": str(building)})
            with contextlib.closing(sqlite3.connect(building)) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._remove(building, keep_main=True)
            building.rename(cached)
            for stale in CACHE.glob(f"{self.family}*.sqlite3*"):
                if not stale.name.startswith(self.key):
                    log(f"removing the outdated cache {stale.name}")
                    stale.unlink(missing_ok=True)
        else:
            log(f"reusing the cached SQLite database {cached}")
        run = CACHE / f"run-{self.tier}{SUFFIX}.sqlite3"
        self._remove(run)
        shutil.copyfile(cached, run)
        return {"SQLITE_PATH": str(run)}

    @staticmethod
    def _remove(path: Path, keep_main: bool = False) -> None:
        for suffix in ("-wal", "-shm", *(() if keep_main else ("",))):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresDatabase(Database):
    kind = "postgresql"

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(f"{PG_URL}/postgres", autocommit=True)

    def _exists(self, cur: Any, name: str) -> bool:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cur.fetchone() is not None

    def prepare(self) -> dict[str, str]:
        from psycopg import sql

        cached = f"sanxian_bench_cache_{self.key}"
        building = f"{cached}_building"
        with self._admin() as conn, conn.cursor() as cur:
            if not self._exists(cur, cached):
                cur.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(building)
                    )
                )
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
                try:
                    self.build({"DATABASE_URL": f"{PG_URL}/{building}"})
                except BaseException:
                    cur.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(building)
                        )
                    )
                    raise
                cur.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(building), sql.Identifier(cached)
                    )
                )
                cur.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                    [f"sanxian_bench_cache_{self.family}%", cached],
                )
                for (stale,) in cur.fetchall():
                    log(f"dropping the outdated cache database {stale}")
                    cur.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(stale)
                        )
                    )
            else:
                log(f"reusing the cached PostgreSQL database {cached}")
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_RUN_DB))
            )
            cur.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(PG_RUN_DB), sql.Identifier(cached)
                )
            )
        url = f"{PG_URL}/{PG_RUN_DB}"
        # Fresh statistics for the planner: a copy made from a template keeps them, but a
        # database built by bulk inserts may never have been analysed.
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        return {"DATABASE_URL": url}


def database(kind: str, loader: str, tier: str, seed: int) -> Database:
    return (SqliteDatabase if kind == "sqlite" else PostgresDatabase)(loader, tier, seed)


# --- The server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(db_env: dict[str, str], workers: int, threads: int, log_path: Path) -> Iterator[int]:
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "sanxian.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--timeout",
        "120",
        "--error-logfile",
        str(log_path),
    ]
    with open(log_path, "ab") as errors:
        process = subprocess.Popen(  # noqa: S603 - gunicorn from our venv
            command, cwd=ROOT, env=django_env(db_env), stdout=errors, stderr=errors
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
            try:
                status, _h, _b = HttpClient(port).request("GET", "/accounts/login/")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 60 s; see {log_path}")
            time.sleep(0.2)
        log(f"gunicorn on 127.0.0.1:{port}: {workers} workers × {threads} threads (gthread)")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- HTTP: one keep-alive connection per client, cookies of one signed-in session -------


class HttpClient:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt == 2:
                    raise
                continue
            for value in response.headers.get_all("Set-Cookie") or []:
                parsed = SimpleCookie()
                parsed.load(value)
                for name, morsel in parsed.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, response, data
        raise AssertionError("unreachable")

    def sign_in(self, username: str, password: str) -> None:
        status, _r, _b = self.request("GET", "/accounts/login/")
        if status != 200 or "csrftoken" not in self.cookies:
            raise RuntimeError(f"sign-in page answered {status} without a CSRF cookie")
        status, _r, _b = self.request(
            "POST",
            "/accounts/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"signing in {username} failed: HTTP {status}")


# --- Closed-loop load -------------------------------------------------------------------


@dataclass
class Sample:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    finished_at: float = 0.0


def closed_loop(clients: list[HttpClient], path: str, seconds: float) -> PageResult:
    """Each client requests ``path`` again as soon as its previous answer arrived, until
    ``seconds`` have passed; throughput counts answers over the whole span."""
    samples = [Sample() for _ in clients]
    barrier = threading.Barrier(len(clients) + 1)
    start_box: list[float] = []

    def work(client: HttpClient, sample: Sample) -> None:
        barrier.wait()
        deadline = start_box[0] + seconds
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                status, _r, _b = client.request("GET", path)
            except OSError:
                sample.errors += 1
                client.close()
                continue
            sample.latencies_ms.append((time.perf_counter() - began) * 1000)
            sample.statuses[status] = sample.statuses.get(status, 0) + 1
            if status != 200:
                sample.errors += 1
        sample.finished_at = time.perf_counter()

    threads = [
        threading.Thread(target=work, args=(c, s), daemon=True)
        for c, s in zip(clients, samples, strict=True)
    ]
    for t in threads:
        t.start()
    start_box.append(time.perf_counter())
    barrier.wait()
    for t in threads:
        t.join()
    result = PageResult(name="", kind="list", url=path)
    result.seconds = max(s.finished_at for s in samples) - start_box[0]
    for s in samples:
        result.latencies_ms.extend(s.latencies_ms)
        result.errors += s.errors
        for status, n in s.statuses.items():
            result.statuses[status] = result.statuses.get(status, 0) + n
    result.requests = len(result.latencies_ms)
    return result


def merge(total: PageResult, part: PageResult) -> None:
    total.requests += part.requests
    total.seconds += part.seconds
    total.errors += part.errors
    total.latencies_ms.extend(part.latencies_ms)
    for status, n in part.statuses.items():
        total.statuses[status] = total.statuses.get(status, 0) + n


def drive(
    pages: list[dict[str, str]],
    sessions: dict[str, list[HttpClient]],
    seconds: float,
    rounds: int,
    warmup: float,
) -> tuple[list[PageResult], list[float], float]:
    """Every page for ``seconds`` in all, in ``rounds`` interleaved slices (forward, then
    backward, ...), so that a machine that slows down or speeds up during the run affects
    every page and the floor alike. Returns the results, the floor's req/s per round, and the
    CPU milliseconds the load generator itself spent per answer."""
    totals = [
        PageResult(
            name=p["name"], kind=p["kind"], url=p["url"], user=p["user"], note=p.get("note", "")
        )
        for p in pages
    ]
    if warmup > 0:
        for page in pages:
            closed_loop(sessions[page["user"]], page["url"], warmup)
    floor_rounds = []
    cpu_started = time.process_time()
    for n in range(rounds):
        order = list(range(len(pages)))
        if n % 2:
            order.reverse()
        for i in order:
            part = closed_loop(sessions[pages[i]["user"]], pages[i]["url"], seconds / rounds)
            merge(totals[i], part)
            if pages[i]["kind"] == "floor":
                floor_rounds.append(part.rps)
        log(f"round {n + 1}/{rounds} done; floor {floor_rounds[-1]:.1f} req/s")
    for r in totals:
        log(f"{r.name:<32} {r.rps:8.1f} req/s  p95 {r.p95:7.1f} ms  errors {r.errors}")
    answers = sum(r.requests for r in totals)
    client_ms = (time.process_time() - cpu_started) * 1000 / answers if answers else 0.0
    return totals, floor_rounds, client_ms


# --- Appeal submitters ------------------------------------------------------------------


def appeal_form(
    fixtures: dict[str, Any], filer: dict[str, Any], n: int, csrf_token: str
) -> dict[str, str]:
    """The public appeal form (appeals.forms.AppealForm) as a resident fills it in."""
    return {
        "csrfmiddlewaretoken": csrf_token,
        "category": str(fixtures["category"]),
        "text": f"楼道灯坏了，请尽快修理（{filer['username']} 第{n + 1}条）",
        "place": str(filer["place"]),
        "contact_phone": "",
    }


def submit_appeals(
    port: int, db_env: dict[str, str], fixtures: dict[str, Any], per_submitter: int
) -> tuple[SubmitResult, float]:
    filers = fixtures["submitters"]
    usernames = [f["username"] for f in filers]
    clients = []
    for filer in filers:
        client = HttpClient(port)
        client.sign_in(filer["username"], PASSWORD)
        # The form page once, as a resident would open it (and it must answer).
        status, _r, _b = client.request("GET", "/appeals/new/")
        if status != 200:
            raise RuntimeError(f"/appeals/new/ answered {status} to {filer['username']}")
        clients.append(client)

    def count() -> int:
        out = run_python(
            db_env,
            "-m",
            "bench.fixtures",
            "--password",
            "-",
            "--count-appeals-of",
            ",".join(usernames),
        )
        return int(json.loads(out.strip().splitlines()[-1])["appeals"])

    before = count()
    ok = [0] * len(clients)
    errors = [0] * len(clients)
    barrier = threading.Barrier(len(clients) + 1)

    def work(i: int) -> None:
        client, filer = clients[i], filers[i]
        barrier.wait()
        for n in range(per_submitter):
            form = appeal_form(fixtures, filer, n, client.cookies.get("csrftoken", ""))
            try:
                status, _r, _b = client.request("POST", "/appeals/new/", form)
            except OSError:
                errors[i] += 1
                client.close()
                continue
            if 200 <= status < 400:
                ok[i] += 1
            else:
                errors[i] += 1

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(clients))]
    for t in threads:
        t.start()
    started = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    written = count() - before
    for c in clients:
        c.close()
    return (
        SubmitResult(
            submitters=len(clients),
            attempts=len(clients) * per_submitter,
            ok=sum(ok),
            errors=sum(errors),
            rows_written=written,
        ),
        seconds,
    )


# --- Roster import ----------------------------------------------------------------------


def roster_import(
    db_env: dict[str, str], rows: int, fixtures: dict[str, Any]
) -> ImportResult | str:
    if not IMPORTER.exists():
        return "n/a (no import command)"
    out = run_python(
        db_env,
        "-m",
        "bench.roster",
        "--rows",
        str(rows),
        "--place",
        str(fixtures["neighborhood"]),
        "--user",
        fixtures["users"]["secretary"],
    )
    data = json.loads(out.strip().splitlines()[-1])
    if "error" in data:
        return f"n/a ({data['error']})"
    return ImportResult(
        rows=data["rows"],
        import_seconds=data["import_seconds"],
        bulk_seconds=data["bulk_seconds"],
        prepare_seconds=data["prepare_seconds"],
    )


# --- One database and tier --------------------------------------------------------------


@dataclass
class Outcome:
    db: str
    tier: str
    label: str
    text: str
    p95: dict[str, float]
    failed: bool


def profile_pages(db_env: dict[str, str], fixtures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump({"pages": fixtures["pages"], "users": fixtures["users"]}, f)
        spec = f.name
    try:
        out = run_python(db_env, "-m", "bench.queries", spec)
    finally:
        os.unlink(spec)
    return {p["name"]: p for p in json.loads(out.strip().splitlines()[-1])}


def query_notes(results: list[PageResult], floor_rps: float, profiles: dict[str, Any]) -> str:
    """For each page that misses its target: the query log of one request."""
    lines = []
    for row, result in zip(report.rows(results, floor_rps), results, strict=True):
        if row.verdict != "FAIL":
            continue
        p = profiles.get(result.name)
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.items()))
        lines.append(f"\n### {result.name} ({result.url}, as {result.user}; answers {statuses})")
        if p is None:
            continue
        lines.append(
            f"one request in process: {p['view_ms']:.1f} ms, {p['queries']} queries, "
            f"{p['sql_ms']:.1f} ms in SQL; slowest:"
        )
        for q in p["slowest"]:
            sql = " ".join(q["sql"].split())
            lines.append(f"- {q['ms']:.2f} ms: `{sql}`")
        for key, title in (
            ("own", "most own time"),
            ("product", "the product's functions (and render) by cumulative time"),
        ):
            lines.append(f"\n{title}, under cProfile (a profiled request is slower):")
            for f in p["hot"][key]:
                lines.append(
                    f"- {f['own_ms']:.1f} ms own, {f['cumulative_ms']:.1f} ms cumulative, "
                    f"{f['calls']} calls: `{f['function']}`"
                )
    return "\n".join(lines)


def run_one(kind: str, tier: str, args: argparse.Namespace) -> Outcome:
    loader = loader_name(args.loader)
    if loader == "demo" and tier != "T0":
        raise SystemExit(
            f"--tier {tier} needs manage.py generate_synthetic (sanxian/synthetic), which does "
            "not exist yet; only T0 falls back to the demo data."
        )
    label = tier if loader == "synthetic" else "demo"
    log(f"== {kind}, {label} data (seed {args.seed})")
    db_env = database(kind, loader, tier, args.seed).prepare()
    out = run_python(
        db_env, "-m", "bench.fixtures", "--password", PASSWORD, "--submitters", str(args.submitters)
    )
    fixtures = json.loads(out.strip().splitlines()[-1])
    pages = fixtures["pages"]
    if args.pages:
        wanted = [w.strip() for w in args.pages.split(",")]
        pages = [p for p in pages if p["kind"] == "floor" or any(w in p["name"] for w in wanted)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = CACHE / f"gunicorn-{kind}-{label}{SUFFIX}.log"
    with gunicorn(db_env, args.workers, args.threads, log_path) as port:
        sessions: dict[str, list[HttpClient]] = {}
        for key, username in fixtures["users"].items():
            sessions[key] = []
            for _ in range(args.concurrency):
                client = HttpClient(port)
                client.sign_in(username, PASSWORD)
                sessions[key].append(client)
        results, floor_rounds, client_ms = drive(
            pages, sessions, args.seconds, args.rounds, args.warmup
        )
        floor = results[0]
        for clients in sessions.values():
            for c in clients:
                c.close()
        submit, submit_seconds = (
            submit_appeals(port, db_env, fixtures, args.per_submitter)
            if args.submitters
            else (None, 0.0)
        )
    profiles = profile_pages(db_env, fixtures)
    imported = roster_import(db_env, args.roster_rows, fixtures) if args.roster_rows else "not run"

    counts = fixtures["counts"]
    floor_note = " → ".join(f"{rps:.1f}" for rps in floor_rounds)
    header = [
        f"# bench: {kind}, {label} data (seed {args.seed})",
        "",
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {os.cpu_count()} CPUs; "
        f"gunicorn {args.workers} workers × {args.threads} threads; {args.concurrency} clients "
        f"× {args.seconds:g} s per page in {args.rounds} interleaved "
        f"round{'' if args.rounds == 1 else 's'} after "
        f"{args.warmup:g} s warm-up; data: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + f"; floor req/s per round: {floor_note}; load generator CPU {client_ms:.2f} ms per "
        "answer",
        "",
    ]
    table = report.page_table(results, floor.rps)
    lines = [*header, table, ""]
    if submit is not None:
        lines.append(report.submit_line(submit, submit_seconds))
    lines.append(report.import_line(imported))
    queries = query_notes(results, floor.rps, profiles)
    text = "\n".join(lines) + "\n"
    page_queries = "\n".join(
        f"- {name}: {p['queries']} queries, {p['sql_ms']:.1f} ms SQL, {p['view_ms']:.1f} ms in "
        f"process"
        for name, p in profiles.items()
    )
    detail = f"\n## Query log, one request per page\n\n{page_queries}\n"
    if queries:
        detail += f"\n## Pages that miss their target\n{queries}\n"
    (RESULTS / f"{kind}-{label}{SUFFIX}.md").write_text(text + detail, encoding="utf-8")
    print(text, flush=True)
    failed = (
        any(row.verdict == "FAIL" for row in report.rows(results, floor.rps))
        or (submit is not None and submit.verdict == "FAIL")
        or (isinstance(imported, ImportResult) and imported.verdict == "FAIL")
    )
    p95 = {r.name: r.p95 for r in results if r.kind != "floor"}
    return Outcome(db=kind, tier=tier, label=label, text=text, p95=p95, failed=failed)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--tier", default="T0", help="data tier (default T0)")
    parser.add_argument(
        "--tiers", help="comma-separated tiers, e.g. T0,T2: also the p95 ratio per page"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0, help="per page (default 10)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved slices of --seconds (default 3)"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="per page (default 1)")
    parser.add_argument("--concurrency", type=int, default=4, help="clients (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (default 2)")
    parser.add_argument("--submitters", type=int, default=20, help="0 skips (default 20)")
    parser.add_argument("--per-submitter", type=int, default=5, help="appeals each (default 5)")
    parser.add_argument(
        "--roster-rows", type=int, default=20_000, help="residents imported; 0 skips"
    )
    parser.add_argument(
        "--loader",
        choices=("auto", "synthetic", "demo"),
        default="auto",
        help="data: generate_synthetic when it exists (auto), else the demo",
    )
    parser.add_argument("--pages", help="only pages whose name contains one of these (commas)")
    args = parser.parse_args(argv)
    tiers = [t.strip().upper() for t in (args.tiers or args.tier).split(",") if t.strip()]
    unknown = [t for t in tiers if t not in TIERS]
    if unknown or not tiers:
        parser.error(
            f"unknown tier {', '.join(unknown) or '(none)'}; choose from {', '.join(TIERS)}"
        )
    args.tier_list = tiers
    for name in ("seconds", "rounds", "concurrency", "workers", "threads"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be positive")
    for name in ("warmup", "submitters", "per_submitter", "roster_rows"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 every target met, 1 a target missed, 2 a run could not be made."""
    args = parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    failed = broken = False
    for kind in kinds:
        outcomes = []
        for tier in args.tier_list:
            try:
                outcomes.append(run_one(kind, tier, args))
            except Exception as exc:  # one database or tier failing leaves the others to run
                broken = True
                message = str(exc).strip()
                print(f"# bench: {kind}, {tier}: not measured\n\n{message[-4000:]}\n", flush=True)
        failed |= any(o.failed for o in outcomes)
        low = outcomes[0] if outcomes else None
        for high in outcomes[1:]:
            assert low is not None
            text = (
                f"# bench: {kind}, p95 {high.label} ÷ {low.label}\n\n"
                + report.slope_table(low.p95, high.p95, low.label, high.label)
                + "\n"
            )
            slope = RESULTS / f"{kind}-{low.label}-{high.label}{SUFFIX}.md"
            slope.write_text(text, encoding="utf-8")
            print(text, flush=True)
            failed |= "FAIL" in text
    return 2 if broken else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
