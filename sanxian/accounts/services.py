"""Writes for users and role assignments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sanxian.accounts.models import GRID_ROLES, Role, RoleAssignment, User, UserSession
from sanxian.grids.models import Grid
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind, Resident

_AREA = frozenset({PlaceKind.SUBDISTRICT, PlaceKind.NEIGHBORHOOD, PlaceKind.BLOCK})
# Where each role may be held (grid-team roles are held at a grid).
ROLE_PLACE_KINDS: dict[str, frozenset[str]] = {
    Role.SUBDISTRICT_ADMIN: frozenset({PlaceKind.SUBDISTRICT}),
    Role.NEIGHBORHOOD_SECRETARY: frozenset({PlaceKind.NEIGHBORHOOD}),
    Role.SOCIAL_WORKER: _AREA,
    Role.BRANCH_SECRETARY: frozenset({PlaceKind.BLOCK}),
    Role.PARTY_GROUP_LEADER: frozenset(),
    Role.RESIDENT_GROUP_LEADER: frozenset(),
    Role.OWNER_REPRESENTATIVE: frozenset(),
    Role.VOLUNTEER_TEAM_LEADER: _AREA,
    Role.PARTY_MEMBER: frozenset({PlaceKind.HOUSEHOLD}),
    Role.RESIDENT: frozenset({PlaceKind.HOUSEHOLD}),
    Role.SECURITY_AUDITOR: frozenset({PlaceKind.SUBDISTRICT}),
}


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str | None = None,
    password_hash: str | None = None,
    display_name: str = "",
    resident: Resident | None = None,
) -> User:
    """A user signing in with ``password``, or with an already hashed one (bulk loads)."""
    if (password is None) == (password_hash is None):
        raise DomainError(_("Give either a password or a password hash."))
    user = User(username=username, display_name=display_name, resident=resident)
    if password is not None:
        user.set_password(password)
    else:
        user.password = password_hash or ""
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
    if place is not None and place.kind not in ROLE_PLACE_KINDS[role]:
        raise DomainError(
            _("A %(role)s is not held at a %(kind)s.")
            % {"role": role.label, "kind": PlaceKind(place.kind).label}
        )
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


@transaction.atomic
def disable_user(*, user: User) -> int:
    """Disable an account: it can no longer sign in, and every session it has ends now.

    Returns how many sessions were ended. (A request already in flight finishes; its next
    request is anonymous, since an inactive user is never loaded from a session.)
    """
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return end_sessions(user=user)


def end_sessions(*, user: User) -> int:
    """End every session of ``user`` (signs them out everywhere)."""
    deleted, _details = UserSession.objects.filter(user_id=user.pk).delete()
    return deleted


def set_language(*, user: User, language: str) -> None:
    """Remember the interface language the person chose (one of ``settings.LANGUAGES``)."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def set_care_mode(*, user: User, choice: str) -> None:
    """Remember the person's care-mode choice ("on" or "off")."""
    if choice not in ("on", "off"):
        raise ValueError(choice)
    if user.care_mode != choice:
        user.care_mode = choice
        user.save(update_fields=["care_mode"])


def languages_of(user_ids: Iterable[int]) -> dict[int, str]:
    """The language to write to each person in: their choice, else the default."""
    ids = list(user_ids)
    chosen = dict(
        User.objects.filter(pk__in=ids).exclude(language="").values_list("pk", "language")
    )
    return {pk: chosen.get(pk, settings.LANGUAGE_CODE) for pk in ids}
