"""The permission matrix: every page as every persona, including guessed ids."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.world import World

PERSONAS = [
    "admin",
    "secretary",
    "social_worker",
    "group_leader",
    "party_member",
    "resident",
    "outsider",
    "auditor",
    "nobody",
]


def pages(w: World) -> dict[str, str]:
    return {
        "home": reverse("accounts:home"),
        "subdistrict": reverse("places:detail", args=[w.subdistrict.pk]),
        "neighborhood": reverse("places:detail", args=[w.north.pk]),
        "block": reverse("places:detail", args=[w.block.pk]),
        "building": reverse("places:detail", args=[w.building.pk]),
        "building_group": reverse("places:detail", args=[w.building_group.pk]),
        "household": reverse("places:detail", args=[w.household.pk]),
        "south_household": reverse("places:detail", args=[w.south_household.pk]),
        "resident": reverse("places:resident", args=[w.resident.pk]),
        "grid": reverse("grids:detail", args=[w.grid.pk]),
        "south_grid": reverse("grids:detail", args=[w.south_grid.pk]),
        "search": reverse("places:search") + "?q=w",
        "structure_north": reverse("party:structure", args=[w.north.pk]),
        "structure_subdistrict": reverse("party:structure", args=[w.subdistrict.pk]),
        "missing_place": reverse("places:detail", args=[999999]),
        "missing_resident": reverse("places:resident", args=[999999]),
        "missing_grid": reverse("grids:detail", args=[999999]),
        # Exports of the lists (tests/test_exports.py has them with data).
        "issues_xlsx": reverse("issues:list_xlsx"),
        "appeals_xlsx": reverse("appeals:list_xlsx"),
        "meetings_xlsx": reverse("meetings:list_xlsx"),
        "activities_xlsx": reverse("activities:list_xlsx"),
        "teams_xlsx": reverse("volunteers:teams_xlsx"),
        "honour_roll_xlsx": reverse("volunteers:honour_roll_xlsx"),
        "pending_hours_xlsx": reverse("volunteers:pending_xlsx"),
        "residents_xlsx_north": reverse("places:residents_xlsx", args=[w.north.pk]),
        "residents_xlsx_group": reverse("places:residents_xlsx", args=[w.building_group.pk]),
        "residents_xlsx_subdistrict": reverse("places:residents_xlsx", args=[w.subdistrict.pk]),
        "party_members_xlsx_north": reverse("places:party_members_xlsx", args=[w.north.pk]),
        "structure_xlsx_north": reverse("party:structure_xlsx", args=[w.north.pk]),
        "missing_residents_xlsx": reverse("places:residents_xlsx", args=[999999]),
        "missing_signups_xlsx": reverse("activities:signups_xlsx", args=[999999]),
        "missing_members_xlsx": reverse("volunteers:members_xlsx", args=[999999]),
    }


OK, NO = 200, 404
# page -> persona -> expected status. Residents see their own household and nothing else;
# grid roles see their grid; the auditor sees only the home page here (and the audit log,
# tests/audit).
EXPECTED: dict[str, dict[str, int]] = {
    "home": dict.fromkeys(PERSONAS, OK),
    "subdistrict": {**dict.fromkeys(PERSONAS, NO), "admin": OK},
    "neighborhood": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
    },
    "block": {**dict.fromkeys(PERSONAS, NO), "admin": OK, "secretary": OK, "social_worker": OK},
    "building": {**dict.fromkeys(PERSONAS, NO), "admin": OK, "secretary": OK, "social_worker": OK},
    "building_group": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
        "group_leader": OK,
    },
    "household": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
        "group_leader": OK,
        "resident": OK,
    },
    "south_household": {**dict.fromkeys(PERSONAS, NO), "admin": OK, "outsider": OK},
    "resident": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
        "group_leader": OK,
        "resident": OK,
    },
    "grid": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
        "group_leader": OK,
    },
    "south_grid": {**dict.fromkeys(PERSONAS, NO), "admin": OK, "outsider": OK},
    "search": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
        "group_leader": OK,
        "outsider": OK,
    },
    "structure_north": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
    },
    "structure_subdistrict": {**dict.fromkeys(PERSONAS, NO), "admin": OK},
    "missing_place": dict.fromkeys(PERSONAS, NO),
    "missing_resident": dict.fromkeys(PERSONAS, NO),
    "missing_grid": dict.fromkeys(PERSONAS, NO),
    # Each export opens for whoever sees its list (residents see what is on in their
    # neighborhood), never for the auditor or someone without a role.
    "issues_xlsx": {**dict.fromkeys(PERSONAS, OK), "resident": NO, "auditor": NO, "nobody": NO},
    "appeals_xlsx": {
        **dict.fromkeys(PERSONAS, OK),
        "party_member": NO,
        "resident": NO,
        "auditor": NO,
        "nobody": NO,
    },
    "meetings_xlsx": {**dict.fromkeys(PERSONAS, OK), "resident": NO, "auditor": NO, "nobody": NO},
    "activities_xlsx": {**dict.fromkeys(PERSONAS, OK), "auditor": NO, "nobody": NO},
    "teams_xlsx": {**dict.fromkeys(PERSONAS, OK), "auditor": NO, "nobody": NO},
    "honour_roll_xlsx": {**dict.fromkeys(PERSONAS, OK), "auditor": NO, "nobody": NO},
    "pending_hours_xlsx": {
        **dict.fromkeys(PERSONAS, OK),
        "party_member": NO,
        "resident": NO,
        "auditor": NO,
        "nobody": NO,
    },
    "residents_xlsx_north": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
    },
    "residents_xlsx_group": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
        "group_leader": OK,
    },
    "residents_xlsx_subdistrict": dict.fromkeys(PERSONAS, NO),
    "party_members_xlsx_north": {**dict.fromkeys(PERSONAS, NO), "admin": OK, "secretary": OK},
    "structure_xlsx_north": {
        **dict.fromkeys(PERSONAS, NO),
        "admin": OK,
        "secretary": OK,
        "social_worker": OK,
    },
    "missing_residents_xlsx": dict.fromkeys(PERSONAS, NO),
    "missing_signups_xlsx": dict.fromkeys(PERSONAS, NO),
    "missing_members_xlsx": dict.fromkeys(PERSONAS, NO),
}


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, world: World) -> None:
    for name, url in pages(world).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(login, world: World, persona: str) -> None:
    client = login(persona)
    wrong = {}
    for name, url in pages(world).items():
        status = client.get(url).status_code
        if status != EXPECTED[name][persona]:
            wrong[name] = (status, EXPECTED[name][persona])
    assert not wrong, f"{persona}: page -> (got, expected) {wrong}"


@pytest.mark.django_db
def test_party_data_hidden_from_non_party_roles(login, world: World) -> None:
    url = reverse("places:resident", args=[world.leader.pk])
    party_view = login("secretary").get(url).content.decode()
    assert "党员" in party_view or "Party member" in party_view
    non_party = login("social_worker").get(url).content.decode()
    assert "党员" not in non_party and "Party member" not in non_party
    grid_url = reverse("grids:detail", args=[world.grid.pk])
    assert 'data-testid="grid-members"' in login("secretary").get(grid_url).content.decode()
    assert 'data-testid="grid-members"' not in login("social_worker").get(grid_url).content.decode()


@pytest.mark.django_db
def test_ended_role_no_longer_opens_anything(login, world: World) -> None:
    from datetime import date

    from sanxian.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=world.users["secretary"]).update(ends_on=date(2024, 6, 30))
    client = login("secretary")
    assert client.get(reverse("places:detail", args=[world.north.pk])).status_code == 404


@pytest.mark.django_db
def test_admin_site_is_for_superusers_only(login, world: World) -> None:
    admin_user = world.users["admin"]
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    client = login("admin")
    assert client.get("/admin/").status_code == 302  # staff flag alone is not enough
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_superuser_admin_pages_open(login, world: World) -> None:
    user = world.users["admin"]
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client = login("admin")
    for url in (
        "/admin/places/place/",
        f"/admin/places/place/{world.north.pk}/change/",
        "/admin/places/resident/",
        "/admin/party/partyorg/",
        "/admin/party/partymember/",
        "/admin/grids/grid/",
        "/admin/grids/gridteamterm/",
        "/admin/meetings/cyclerule/",
        "/admin/meetings/meeting/",
        "/admin/meetings/invitation/",
        f"/admin/accounts/user/{user.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_link_on_the_home_page_opens(login, world: World, persona: str) -> None:
    """No persona is offered a link that answers 404."""
    import re

    client = login(persona)
    home = client.get(reverse("accounts:home")).content.decode()
    links = set(re.findall(r'<a [^>]*href="(/[^"#]*)"', home))
    assert links
    # A redirect inside the site (/dashboards/ → the user's own top node) is followed; one
    # to the sign-in page is not.
    broken = {}
    for url in links:
        response = client.get(url, follow=True)
        if response.status_code != 200 or "/accounts/login/" in response.request["PATH_INFO"]:
            broken[url] = response.status_code
    assert not broken, broken


@pytest.mark.django_db
def test_not_found_page_speaks_the_product_language(login, world: World) -> None:
    client = login("outsider")
    response = client.get(reverse("places:detail", args=[world.north.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "找不到这个页面" in page
    assert 'rel="icon"' in page  # no stray favicon request from a bare error page
