"""Sign-in, sign-out, language switch, role assignment rules."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from sanxian.accounts.models import Role, RoleAssignment
from sanxian.accounts.scope import compute_scope
from sanxian.accounts.services import assign_role
from sanxian.places.errors import DomainError
from tests.world import PASSWORD, World


@pytest.mark.django_db
def test_sign_in_and_out(client, world: World) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "secretary", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:home")).status_code == 302


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client, world: World) -> None:
    response = client.post(reverse("accounts:login"), {"username": "secretary", "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
def test_chinese_by_default_and_english_on_request(login, world: World) -> None:
    client = login("secretary")
    home = client.get(reverse("accounts:home")).content.decode()
    assert "浏览辖区" in home
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    home = client.get(reverse("accounts:home")).content.decode()
    assert "Browse the territory" in home
    assert 'lang="en"' in home


@pytest.mark.django_db
def test_role_rules(world: World) -> None:
    user = world.users["nobody"]
    with pytest.raises(DomainError):
        assign_role(user=user, role=Role.RESIDENT, starts_on=date(2024, 1, 1))
    with pytest.raises(DomainError):
        assign_role(
            user=user,
            role=Role.NEIGHBORHOOD_SECRETARY,
            grid=world.grid,
            starts_on=date(2024, 1, 1),
        )
    with pytest.raises(DomainError):
        assign_role(
            user=user,
            role=Role.RESIDENT,
            place=world.household,
            starts_on=date(2024, 2, 1),
            ends_on=date(2024, 1, 1),
        )
    with pytest.raises(DomainError):  # a secretary is held at a neighborhood, not a household
        assign_role(
            user=user,
            role=Role.NEIGHBORHOOD_SECRETARY,
            place=world.household,
            starts_on=date(2024, 1, 1),
        )
    assert not RoleAssignment.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_scope_of_grid_role_is_its_building_groups(world: World) -> None:
    scope = compute_scope(world.users["group_leader"])
    assert scope.covers(world.household.path)
    assert not scope.covers(world.block.path)
    assert scope.sees_grid(world.grid.pk, world.grid.path)
    assert not scope.sees_grid(world.south_grid.pk, world.south_grid.path)
    assert scope.is_party and scope.is_staff


@pytest.mark.django_db
def test_auditor_sees_no_territory(world: World) -> None:
    scope = compute_scope(world.users["auditor"])
    assert scope.is_empty
    assert not scope.is_party


@pytest.mark.django_db
def test_chinese_even_for_an_english_browser_until_english_is_chosen(client, world: World) -> None:
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in page.content.decode()
    assert page["Content-Language"] == "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Sign in" in page.content.decode()
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    page = client.get(reverse("accounts:login"))
    assert "Sign in" in page.content.decode()  # an unknown choice changes nothing


def test_community_scope_widens_to_the_neighborhood(world: World) -> None:
    resident = compute_scope(world.users["resident"])
    assert resident.paths == (world.household.path,)
    assert resident.community_paths == [world.north.path]
    assert resident.in_community(world.building.path)
    assert not resident.in_community(world.south_household.path)
    admin = compute_scope(world.users["admin"])
    assert admin.community_paths == [world.subdistrict.path]
    assert compute_scope(world.users["nobody"]).community_paths == []
