"""Writes for users and role assignments."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from sanxian.accounts.models import GRID_ROLES, Role, RoleAssignment, User
from sanxian.grids.models import Grid
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, Resident


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    display_name: str = "",
    resident: Resident | None = None,
) -> User:
    user = User(username=username, display_name=display_name, resident=resident)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def assign_role(
    *,
    user: User,
    role: str,
    starts_on: date,
    place: Place | None = None,
    grid: Grid | None = None,
    ends_on: date | None = None,
) -> RoleAssignment:
    role = Role(role)
    if (place is None) == (grid is None):
        raise DomainError(_("A role is held at exactly one place or grid."))
    if grid is not None and role not in GRID_ROLES:
        raise DomainError(_("Only grid-team roles are held at a grid."))
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("A role cannot end before it starts."))
    return RoleAssignment.objects.create(
        user=user, role=role, place=place, grid=grid, starts_on=starts_on, ends_on=ends_on
    )


@transaction.atomic
def end_role(*, assignment: RoleAssignment, ends_on: date) -> RoleAssignment:
    if ends_on < assignment.starts_on:
        raise DomainError(_("A role cannot end before it starts."))
    assignment.ends_on = ends_on
    assignment.save(update_fields=["ends_on"])
    return assignment
