"""Users and their role assignments, each at one node of the territory (or one grid)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    resident = models.OneToOneField(
        "places.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    # The interface language the person last chose (the switch in the top bar): what they
    # are sent is written in it, and it is theirs again when they sign in on another device.
    # Empty: never chosen — the product's default.
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    # Care mode as the person last set it ("on"/"off"; empty: never set — the default for
    # their role). Brought back when they sign in on another (or a shared) device.
    care_mode = models.CharField(
        _("care mode"), max_length=3, blank=True, choices=[("on", "on"), ("off", "off")]
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    SUBDISTRICT_ADMIN = "subdistrict_admin", _("Sub-district administrator")
    NEIGHBORHOOD_SECRETARY = "neighborhood_secretary", _("Neighborhood party secretary")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    BRANCH_SECRETARY = "branch_secretary", _("Party branch secretary")
    PARTY_GROUP_LEADER = "party_group_leader", _("Party group leader")
    RESIDENT_GROUP_LEADER = "resident_group_leader", _("Resident group leader")
    OWNER_REPRESENTATIVE = "owner_representative", _("Owner representative")
    VOLUNTEER_TEAM_LEADER = "volunteer_team_leader", _("Volunteer team leader")
    PARTY_MEMBER = "party_member", _("Party member")
    RESIDENT = "resident", _("Resident")
    SECURITY_AUDITOR = "security_auditor", _("Security auditor")


# Roles that may see party-only records (the 15th meeting, consensus votes, political status).
PARTY_ROLES = frozenset(
    {
        Role.SUBDISTRICT_ADMIN,
        Role.NEIGHBORHOOD_SECRETARY,
        Role.BRANCH_SECRETARY,
        Role.PARTY_GROUP_LEADER,
        Role.PARTY_MEMBER,
    }
)
# Roles that run the place: they see residents, households and the structure check.
STAFF_ROLES = frozenset(
    {
        Role.SUBDISTRICT_ADMIN,
        Role.NEIGHBORHOOD_SECRETARY,
        Role.SOCIAL_WORKER,
        Role.BRANCH_SECRETARY,
        Role.PARTY_GROUP_LEADER,
        Role.RESIDENT_GROUP_LEADER,
        Role.OWNER_REPRESENTATIVE,
    }
)
# Roles held at a grid rather than at a territory node.
GRID_ROLES = frozenset(
    {Role.PARTY_GROUP_LEADER, Role.RESIDENT_GROUP_LEADER, Role.OWNER_REPRESENTATIVE}
)


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    place = models.ForeignKey(
        "places.Place",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering: ClassVar = ["user", "starts_on"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(
                    Q(place__isnull=False, grid__isnull=True)
                    | Q(place__isnull=True, grid__isnull=False)
                ),
                name="role_assignment_at_one_node",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="role_assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        node = self.place or self.grid
        return f"{self.user} · {self.get_role_display()} · {node}"


class UserSession(AbstractBaseSession):
    """A signed-in (or anonymous) session, with the user it belongs to (see ``sessions``)."""

    user_id = models.BigIntegerField(_("user"), null=True, db_index=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls) -> type:
        from sanxian.accounts.sessions import SessionStore

        return SessionStore
