"""Personal API tokens: made once, shown once, revoked at once; unknown, revoked and
expired tokens and disabled accounts are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sanxian.api import services
from sanxian.api.models import ApiToken
from sanxian.audit.models import AuditAction, AuditEvent
from sanxian.places.errors import DomainError
from tests.world import World

CATEGORIES = "/api/appeals/categories"


def _bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_token_is_stored_as_a_digest_only(world: World) -> None:
    token, raw = services.issue_token(user=world.users["resident"], name="小程序")
    assert raw.startswith("sx_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.digest, stored.prefix, stored.name)
    assert raw.startswith(stored.prefix)
    audit = AuditEvent.objects.filter(action=AuditAction.ACCOUNT, actor=world.users["resident"])
    assert audit.exists()


def test_a_valid_token_opens_the_api_and_records_its_use(world: World) -> None:
    token, raw = services.issue_token(user=world.users["resident"], name="小程序")
    assert _bearer(raw).get(CATEGORIES).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer sx_not-a-token", "Bearer " + "x" * 50, "Basic cmVzaWRlbnQ6cHc="],
)
def test_missing_or_unknown_tokens_are_refused(world: World, header: str) -> None:
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    response = client.get(CATEGORIES)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_session_does_not_open_the_api(login, world: World) -> None:
    """The API takes tokens only: a signed-in browser cannot be led to write through it
    (no CSRF check there)."""
    client = login("resident")
    assert client.get(CATEGORIES).status_code == 401


def test_revoked_token_stops_working_at_once(world: World) -> None:
    token, raw = services.issue_token(user=world.users["resident"], name="脚本")
    services.revoke_token(user=world.users["resident"], token_id=token.pk)
    assert _bearer(raw).get(CATEGORIES).status_code == 401


def test_expired_token_and_disabled_account_are_refused(world: World) -> None:
    token, raw = services.issue_token(user=world.users["resident"], name="脚本")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _bearer(raw).get(CATEGORIES).status_code == 401

    _, other = services.issue_token(user=world.users["secretary"], name="脚本")
    assert _bearer(other).get(CATEGORIES).status_code == 200
    user = world.users["secretary"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _bearer(other).get(CATEGORIES).status_code == 401


def test_someone_elses_token_cannot_be_revoked(world: World) -> None:
    token, raw = services.issue_token(user=world.users["resident"], name="脚本")
    with pytest.raises(DomainError):
        services.revoke_token(user=world.users["secretary"], token_id=token.pk)
    assert _bearer(raw).get(CATEGORIES).status_code == 200


def test_name_is_required_and_tokens_are_limited(world: World) -> None:
    user = world.users["resident"]
    with pytest.raises(DomainError):
        services.issue_token(user=user, name="   ")
    for i in range(services.MAX_ACTIVE_TOKENS):
        services.issue_token(user=user, name=f"t{i}")
    with pytest.raises(DomainError):
        services.issue_token(user=user, name="one too many")
    assert ApiToken.objects.filter(user=user).count() == services.MAX_ACTIVE_TOKENS


def test_token_page_shows_a_new_token_once_and_revokes(login, world: World) -> None:
    client = login("resident")
    page = client.get("/account/api-tokens/")
    assert page.status_code == 200
    made = client.post("/account/api-tokens/", {"name": "小程序"})
    assert made.status_code == 200
    raw = made.context["new_token"]
    assert raw in made.content.decode()
    assert _bearer(raw).get(CATEGORIES).status_code == 200
    again = client.get("/account/api-tokens/")
    assert raw not in again.content.decode()
    assert "小程序" in again.content.decode()

    token = ApiToken.objects.get(user=world.users["resident"])
    revoked = client.post(f"/account/api-tokens/{token.pk}/revoke/", follow=True)
    assert revoked.status_code == 200
    assert _bearer(raw).get(CATEGORIES).status_code == 401


def test_token_page_refuses_a_blank_name_and_makes_nothing(login, world: World) -> None:
    client = login("resident")
    response = client.post("/account/api-tokens/", {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_token_page_cannot_revoke_another_users_token(login, world: World) -> None:
    token, _ = services.issue_token(user=world.users["secretary"], name="脚本")
    client = login("resident")
    client.post(f"/account/api-tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_page_needs_a_sign_in(world: World) -> None:
    response = Client().get("/account/api-tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
