"""Reads of the party tree shared by pages and the API, scoped to the user."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from sanxian.accounts.models import Role
from sanxian.accounts.scope import get_scope
from sanxian.places.models import Place


def get_structure_node_for_user(user: AbstractBaseUser | AnonymousUser, pk: int) -> Place:
    """The territory node whose structure check the user may open, else 404.

    Only staff roles (those that run the place) see the structure check, and only inside
    their scope; residents, party members without a staff role and outsiders get a 404
    so that nothing can be probed by guessing ids.
    """
    scope = get_scope(user)
    if not scope.is_staff:
        raise Http404
    place = Place.objects.filter(pk=pk).first()
    if place is None or not scope.covers(place.path):
        raise Http404
    return place


# Who applies the structure check's fixes: the sub-district administrator, and a
# neighborhood's secretary inside that neighborhood (the general branch runs its tree).
FIX_ROLES = frozenset({Role.SUBDISTRICT_ADMIN, Role.NEIGHBORHOOD_SECRETARY})


def can_fix_structure(user: AbstractBaseUser | AnonymousUser, place: Place) -> bool:
    scope = get_scope(user)
    return any(
        a.role in FIX_ROLES and a.place is not None and place.path.startswith(a.place.path)
        for a in scope.assignments
    )
