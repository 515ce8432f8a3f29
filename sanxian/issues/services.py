"""Every write to an issue. One function per transition, each checking its gate."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from sanxian.accounts.models import User
from sanxian.issues.models import Issue, IssueEvent, IssueSource, IssueState
from sanxian.places.errors import DomainError
from sanxian.places.models import Place, PlaceKind

ISSUE_PLACE_KINDS = frozenset(
    {PlaceKind.NEIGHBORHOOD, PlaceKind.BLOCK, PlaceKind.BUILDING, PlaceKind.BUILDING_GROUP}
)


@transaction.atomic
def create_issue(
    *,
    place: Place,
    title: str,
    source: str,
    actor: User | None,
    description: str = "",
) -> Issue:
    """Collect a new issue (state ``collected``) at a building group … neighborhood."""
    if place.kind not in ISSUE_PLACE_KINDS:
        raise DomainError(
            _("An issue belongs to a neighborhood, block, building or building group.")
        )
    if not title.strip():
        raise DomainError(_("An issue needs a title."))
    issue = Issue.objects.create(
        place=place,
        path=place.path,
        title=title.strip(),
        description=description.strip(),
        source=IssueSource(source),
        raised_by=actor,
    )
    IssueEvent.objects.create(
        issue=issue, actor=actor, from_state="", to_state=IssueState.COLLECTED
    )
    return issue
