"""The audit log: what is recorded (sign-ins, failed sign-ins, transitions, exports), that
no code path can change or delete an entry, that only the security auditor reads it, and
that its export is a real workbook (itself recorded)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sanxian.appeals.models import AppealCategory
from sanxian.appeals.services import acknowledge_appeal, file_appeal
from sanxian.audit.models import AppendOnlyError, AuditAction, AuditEvent
from sanxian.audit.services import purge_older_than, record
from sanxian.issues.models import IssueSource, IssueState
from sanxian.issues.services import create_issue, transition
from tests.test_permissions import PERSONAS
from tests.world import PASSWORD, World


def test_sign_in_and_failed_sign_in_are_recorded(world: World, client: Client) -> None:
    url = reverse("accounts:login")
    client.post(url, {"username": "secretary", "password": "wrong"}, REMOTE_ADDR="10.0.0.7")
    failed = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert (failed.username, failed.ip, failed.actor_id) == ("secretary", "10.0.0.7", None)
    client.post(url, {"username": "secretary", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    ok = AuditEvent.objects.get(action=AuditAction.SIGN_IN)
    assert ok.actor_id == world.users["secretary"].pk
    assert ok.username == "secretary"


def test_transitions_are_recorded_with_who_and_where(world: World) -> None:
    issue = create_issue(
        place=world.building_group, title="楼道堆物", source=IssueSource.STAFF, actor=None
    )
    secretary = world.users["secretary"]
    transition(issue=issue, to=IssueState.THINK, actor=secretary)
    entry = AuditEvent.objects.get(action=AuditAction.TRANSITION, target=f"issues.Issue#{issue.pk}")
    assert entry.actor_id == secretary.pk
    assert entry.path == world.building_group.path
    assert entry.detail["from_state"] == "collected" and entry.detail["to_state"] == "think"

    category = AppealCategory.objects.order_by("id").first()
    assert category is not None
    appeal = file_appeal(
        category=category,
        text="楼道灯坏了",
        place=world.household,
        resident=world.resident,
        filed_by=world.users["resident"],
    )
    acknowledge_appeal(appeal=appeal, actor=secretary)
    assert AuditEvent.objects.filter(
        action=AuditAction.TRANSITION, target=f"appeals.Appeal#{appeal.pk}", actor=secretary
    ).exists()


def test_entries_cannot_be_changed_or_deleted(world: World) -> None:
    entry = record(AuditAction.EXPORT, actor=world.users["admin"], target="something")
    entry.target = "something else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=entry.pk).update(target="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    # Below the model: the database itself refuses an UPDATE.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET target = %s WHERE id = %s", ["tampered", entry.pk]
        )
    assert AuditEvent.objects.get(pk=entry.pk).target == "something"


def test_retention_keeps_six_months(world: World) -> None:
    old = record(AuditAction.SIGN_IN, actor=world.users["admin"])
    fresh = record(AuditAction.SIGN_IN, actor=world.users["admin"])
    with pytest.raises(ValueError):
        purge_older_than(timedelta(days=30))
    later = timezone.now() + timedelta(days=200)
    # Both are younger than 183 days at "later" minus 100 days: nothing purged.
    assert purge_older_than(timedelta(days=365), now=later) == 0
    everything = AuditEvent.objects.count()
    assert purge_older_than(timedelta(days=190), now=later) == everything >= 2
    assert not AuditEvent.objects.filter(pk__in=[old.pk, fresh.pk]).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_auditor_reads_the_log(world: World, login, persona: str) -> None:
    client = login(persona)
    expected = 200 if persona == "auditor" else 404
    assert client.get(reverse("audit:list")).status_code == expected
    assert client.get(reverse("audit:export")).status_code == expected
    assert ("audit-entries" in client.get(reverse("accounts:home")).text) is False


def test_auditor_filters_pages_and_exports(world: World, login) -> None:
    admin = world.users["admin"]
    for i in range(3):
        record(AuditAction.EXPORT, actor=admin, target=f'=HYPERLINK("x") {i}')
    client = login("auditor")
    page = client.get(reverse("audit:list"), {"action": AuditAction.EXPORT})
    assert page.status_code == 200
    assert page.text.count('data-action="export"') == 3
    assert 'data-action="sign_in"' not in page.text
    bad = client.get(reverse("audit:list"), {"since": "not-a-date"})
    assert bad.status_code == 200 and 'role="alert"' in bad.text
    response = client.get(reverse("audit:export"), {"action": AuditAction.EXPORT})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    assert all(str(r[3]).startswith("'=") for r in rows[1:])  # formulas neutralised
    exported = AuditEvent.objects.filter(action=AuditAction.EXPORT, target="audit log")
    assert exported.get().actor_id == world.users["auditor"].pk


def test_older_entries_page_by_keyset(world: World, login, monkeypatch) -> None:
    monkeypatch.setattr("sanxian.audit.selectors.PAGE", 2)
    entries = [
        record(AuditAction.EXPORT, actor=world.users["admin"], target=f"t{i}") for i in range(5)
    ]
    client = login("auditor")
    first = client.get(reverse("audit:list"), {"action": AuditAction.EXPORT})
    shown = _targets(first.text)
    assert shown == ["t4", "t3"]
    second = client.get(
        reverse("audit:list"), {"action": AuditAction.EXPORT, "before": entries[3].pk}
    )
    assert _targets(second.text) == ["t2", "t1"]


def _targets(html: str) -> list[str]:
    """The target column of the entries table (not a CSRF token that happens to contain "t2")."""
    return re.findall(r'<tr data-action="export">(?:<td>[^<]*</td>){3}<td>([^<]*)</td>', html)


def test_audit_page_queries_do_not_grow(world: World, login) -> None:
    from django.test.utils import CaptureQueriesContext

    client = login("auditor")
    url = reverse("audit:list")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    AuditEvent.objects.bulk_create(
        [AuditEvent(action=AuditAction.SIGN_IN, username=f"u{i}") for i in range(250)]
    )
    assert count() == before <= 15


def test_refused_access_is_recorded(world: World, login) -> None:
    client = login("outsider")
    url = reverse("places:detail", args=[world.north.pk])
    assert client.get(url).status_code == 404
    entry = AuditEvent.objects.get(action=AuditAction.ACCESS_REFUSED)
    assert entry.actor_id == world.users["outsider"].pk
    assert entry.target == url
    assert entry.detail == {"view": "places:detail", "method": "GET"}
    # An address that is no page of the product is not an access attempt.
    assert client.get("/no-such-page/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_REFUSED).count() == 1
    # Signed out: nothing to attribute (the sign-in page is shown instead).
    client.logout()
    client.get(url)
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_REFUSED).count() == 1
