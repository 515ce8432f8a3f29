"""The benchmark harness itself (bench/): its settings and floor view, the pages and the
appeal form it drives, and the table it prints. No server is started here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

import sanxian.settings as product_settings
from bench import fixtures as bench_fixtures
from bench import report
from bench.report import ImportResult, PageResult, SubmitResult
from bench.run import appeal_form, parse_args
from sanxian.accounts.models import RoleAssignment, User
from sanxian.appeals.models import Appeal
from sanxian.issues.models import IssueSource
from sanxian.issues.services import create_issue
from tests.world import World


@pytest.fixture
def bench_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "bench.urls"


def test_bench_settings_are_the_products_with_the_floor_and_raised_filing_limits() -> None:
    import bench.settings as bench_settings

    assert bench_settings.MIDDLEWARE == product_settings.MIDDLEWARE
    assert bench_settings.DEBUG is False
    assert bench_settings.ROOT_URLCONF == "bench.urls"
    assert set(bench_settings.SANXIAN_APPEAL_RATES) == set(product_settings.SANXIAN_APPEAL_RATES)
    assert all(rate == "100000/m" for rate in bench_settings.SANXIAN_APPEAL_RATES.values())
    # The product's own URLs have no floor.
    with pytest.raises(Resolver404):
        resolve("/bench/floor/", urlconf="sanxian.urls")


def test_floor_answers_a_signed_in_user_through_the_same_middleware(
    bench_urls: None, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("secretary")
    # Two minutes on, the session is due for renewal, as on any page.
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=2)),
        django_assert_max_num_queries(5),
    ):
        response = client.get("/bench/floor/")
    assert response.status_code == 200
    assert response.content == b"ok"
    # What the middleware adds to every page is on the floor too.
    assert "Content-Security-Policy" in response.headers
    assert "Permissions-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Language"] == "zh-hans"
    assert "Cookie" in response.headers["Vary"]
    assert "sessionid" in response.cookies  # renewed, as pages renew it (once a minute)


def test_floor_sends_an_anonymous_visitor_to_sign_in(
    bench_urls: None, client: Client, world: World
) -> None:
    response = client.get("/bench/floor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _issues(world: World, n: int) -> None:
    for i in range(n):
        create_issue(
            place=world.building_group,
            title=f"议题 {i}",
            source=IssueSource.STAFF,
            actor=world.users["secretary"],
        )


def test_every_page_the_bench_drives_answers_its_user(bench_urls: None, world: World) -> None:
    _issues(world, 25)
    data = bench_fixtures.prepare("Bench-Pass-2024!", submitters=2)
    names = [p["name"] for p in data["pages"]]
    assert names[0] == "floor"
    assert "issues: deep page" in names
    assert {p["kind"] for p in data["pages"]} <= set(report.KINDS)
    deep = next(p for p in data["pages"] if p["name"] == "issues: deep page")
    # 25 issues, 20 a page: the deep page is the last one, after the 20th newest.
    assert deep["note"] == "page 2"
    assert len(data["submitters"]) == 2
    clients = {}
    for key, username in data["users"].items():
        clients[key] = Client()
        clients[key].force_login(User.objects.get(username=username))
    for page in data["pages"]:
        response = clients[page["user"]].get(page["url"])
        assert response.status_code == 200, page
        if page["name"] == "issues: deep page":
            assert "议题 4" in response.content.decode()
            assert "议题 5" not in response.content.decode()

    # Preparing again (a reused database) adds no sign-in and no role.
    users, roles = User.objects.count(), RoleAssignment.objects.count()
    again = bench_fixtures.prepare("Bench-Pass-2024!", submitters=2)
    assert again["submitters"] == data["submitters"]
    assert (User.objects.count(), RoleAssignment.objects.count()) == (users, roles)


def test_the_submitters_form_files_an_appeal(bench_urls: None, world: World) -> None:
    data = bench_fixtures.prepare("Bench-Pass-2024!", submitters=1)
    filer = data["submitters"][0]
    client = Client()
    client.force_login(User.objects.get(username=filer["username"]))
    response = client.post("/appeals/new/", appeal_form(data, filer, 0, "unused"))
    assert response.status_code == 302
    appeal = Appeal.objects.select_related("filed_by").get()
    assert appeal.filed_by is not None
    assert appeal.filed_by.username == filer["username"]
    assert appeal.place_id == filer["place"]
    assert bench_fixtures.count_appeals([filer["username"]]) == 1


# --- The table ----------------------------------------------------------------------------


def _page(name: str, kind: str, rps: float, errors: int = 0) -> PageResult:
    return PageResult(
        name=name,
        kind=kind,
        requests=int(rps * 10),
        seconds=10.0,
        errors=errors,
        latencies_ms=[float(ms) for ms in range(1, 101)],
    )


def test_ratios_targets_and_verdicts_from_given_numbers() -> None:
    results = [
        _page("floor", "floor", 200),
        _page("list fast", "list", 60),  # 0.30
        _page("list at target", "list", 50),  # 0.25 exactly
        _page("list slow", "list", 40),  # 0.20
        _page("detail slow", "detail", 49),  # 0.245
        _page("dashboard at target", "dashboard", 40),  # 0.20 exactly
        _page("dashboard slow", "dashboard", 30),  # 0.15
        _page("list with errors", "list", 100, errors=1),  # 0.50 but an error
    ]
    rows = {r.name: r for r in report.rows(results, floor_rps=200)}
    assert rows["floor"].target is None and rows["floor"].verdict == ""
    assert rows["list fast"].ratio == pytest.approx(0.3)
    assert (rows["list fast"].target, rows["list fast"].verdict) == (0.25, "PASS")
    assert rows["list at target"].verdict == "PASS"
    assert rows["list slow"].verdict == "FAIL"
    assert rows["detail slow"].verdict == "FAIL"
    assert (rows["dashboard at target"].target, rows["dashboard at target"].verdict) == (
        0.2,
        "PASS",
    )
    assert rows["dashboard slow"].verdict == "FAIL"
    assert rows["list with errors"].verdict == "FAIL"
    assert rows["list fast"].p95 == 95.0 and rows["list fast"].p50 == 50.0

    table = report.page_table(results, 200).splitlines()
    assert table[0].split("|")[1:-1] == [
        " page                ",
        " req/s ",
        " ÷ floor ",
        " target ",
        " p50 ms ",
        " p95 ms ",
        " errors ",
        " result ",
    ]
    line = next(t for t in table if "list fast" in t)
    assert [c.strip() for c in line.split("|")[1:-1]] == [
        "list fast",
        "60.0",
        "0.300",
        "≥ 0.25",
        "50.0",
        "95.0",
        "0",
        "PASS",
    ]
    floor_line = next(t for t in table if t.startswith("| floor"))
    assert [c.strip() for c in floor_line.split("|")[1:-1]][2:4] == ["1.000", ""]


def test_a_page_kind_without_a_target_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown page kind"):
        report.target_for("chart")


def test_percentile_is_nearest_rank() -> None:
    assert report.percentile([], 95) == 0.0
    assert report.percentile([5.0], 95) == 5.0
    assert report.percentile([float(v) for v in range(20, 0, -1)], 95) == 19.0
    assert report.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0


def test_latency_slope_between_tiers() -> None:
    text = report.slope_table(
        {"issues": 100.0, "dashboard": 80.0, "only low": 10.0},
        {"issues": 150.0, "dashboard": 130.0, "only high": 5.0},
        "T0",
        "T2",
    )
    cells = {line.split("|")[1].strip(): line for line in text.splitlines()[2:]}
    assert "1.50" in cells["issues"] and "PASS" in cells["issues"]
    assert "1.62" in cells["dashboard"] and "FAIL" in cells["dashboard"]
    assert "PASS" not in cells["only low"] and "FAIL" not in cells["only high"]
    assert "T2 ÷ T0 (≤ 1.5)" in text.splitlines()[0]


def test_submitter_and_import_lines() -> None:
    fine = SubmitResult(submitters=20, attempts=100, ok=100, errors=0, rows_written=100)
    assert (fine.lost, fine.verdict) == (0, "PASS")
    lost = SubmitResult(submitters=20, attempts=100, ok=98, errors=2, rows_written=97)
    assert (lost.lost, lost.unexpected, lost.verdict) == (1, 0, "FAIL")
    line = report.submit_line(lost, 2.0)
    assert "98 filed, 2 errors, 97 rows written, 1 lost" in line and line.endswith("FAIL")
    phantom = SubmitResult(submitters=1, attempts=1, ok=0, errors=1, rows_written=1)
    assert "1 unannounced" in report.submit_line(phantom, 1.0)

    fast = ImportResult(rows=20_000, import_seconds=1.0, bulk_seconds=0.25)
    assert (fast.import_rps, fast.ratio, fast.verdict) == (20_000, 0.25, "FAIL")
    assert "ratio 0.25" in report.import_line(fast)
    good = ImportResult(rows=20_000, import_seconds=1.0, bulk_seconds=0.5)
    assert good.verdict == "PASS"
    assert report.import_line("n/a (no import command)") == (
        "roster import: n/a (no import command)"
    )


def test_bad_options_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_args(["--tiers", "t0, T2"]).tier_list == ["T0", "T2"]
    for bad in (["--tier", "T9"], ["--seconds", "0"], ["--submitters", "-1"]):
        with pytest.raises(SystemExit):
            parse_args(bad)
    assert "unknown tier T9" in capsys.readouterr().err
