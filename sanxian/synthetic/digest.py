"""A digest of the synthetic district's content: the same seed and ``today`` give the same
digest, whatever the primary keys, the database or the tier that built a neighborhood.

Rows are described by their natural keys (paths relative to their sub-district, names,
states, times in UTC), never by primary keys; sealed numbers are described by their
keyed digests and last four characters (the encryption itself is randomised).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q, QuerySet

from sanxian.accounts.models import RoleAssignment
from sanxian.activities.models import Activity, ActivityHelper, ActivitySignup
from sanxian.appeals.models import Appeal, AppealEvent
from sanxian.grids.models import Grid, GridTeamTerm
from sanxian.issues.models import (
    ActionRecord,
    AdoptedPlan,
    ConsensusVote,
    Consultation,
    Issue,
    IssueEvent,
    Outcome,
    PlanStep,
    SurveyResponse,
    ThinkAnswer,
)
from sanxian.meetings.models import AgendaItem, Invitation, Meeting, MeetingDecision
from sanxian.party.models import PartyMember, PartyOrg
from sanxian.places.models import OwnersCommittee, Place, Resident
from sanxian.places.paths import STEP_LENGTH, any_subtree_q
from sanxian.synthetic.models import GeneratedNode
from sanxian.volunteers.models import (
    DutyShift,
    HoursEntry,
    ShiftSignup,
    TeamMembership,
    Volunteer,
    VolunteerTeam,
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def content_digest() -> str:
    """SHA-256 over every synthetic table, each described row by row (sorted)."""
    roots = dict(
        GeneratedNode.objects.filter(neighborhood_no=0).values_list("place__path", "subdistrict_no")
    )
    under = any_subtree_q(list(roots))

    def rel(path: str | None) -> str | None:
        if not path:
            return path
        return f"{roots.get(path[:STEP_LENGTH], '?')}:{path[STEP_LENGTH:]}"

    def rows(qs: QuerySet[Any], fields: Iterable[str], paths: Iterable[str] = ()) -> list[str]:
        fields = list(fields)
        relative = {fields.index(p) for p in paths}
        out = []
        for values in qs.order_by().values_list(*fields):
            out.append(
                repr(tuple(rel(v) if i in relative else _plain(v) for i, v in enumerate(values)))
            )
        return sorted(out)

    def at(prefix: str) -> Q:
        return any_subtree_q(list(roots), prefix)

    tables: list[tuple[str, Callable[[], list[str]]]] = [
        (
            "place",
            lambda: rows(
                Place.objects.filter(under),
                [
                    "path",
                    "depth",
                    "numchild",
                    "kind",
                    "name",
                    "address",
                    "year_built",
                    "floors",
                    "floor_from",
                    "floor_to",
                    "floor",
                    "room",
                    "grid__name",
                ],
                ["path"],
            ),
        ),
        (
            "resident",
            lambda: rows(
                Resident.objects.filter(under),
                [
                    "path",
                    "name",
                    "name_pinyin",
                    "gender",
                    "birth_year",
                    "relation",
                    "moved_in",
                    "id_number_digest",
                    "id_number_last4",
                    "phone_digest",
                    "phone_last4",
                ],
                ["path"],
            ),
        ),
        ("grid", lambda: rows(Grid.objects.filter(under), ["path", "number", "name"], ["path"])),
        (
            "party_org",
            lambda: rows(
                PartyOrg.objects.filter(at("scope_path")),
                ["scope_path", "kind", "name", "depth", "numchild", "grid__name"],
                ["scope_path"],
            ),
        ),
        (
            "party_member",
            lambda: rows(
                PartyMember.objects.filter(under),
                ["path", "name", "category", "joined_on", "group__name", "serving_grid__name"],
                ["path"],
            ),
        ),
        (
            "grid_term",
            lambda: rows(
                GridTeamTerm.objects.filter(at("grid__path")),
                ["grid__name", "role", "resident__path", "resident__name", "starts_on", "ends_on"],
                ["resident__path"],
            ),
        ),
        (
            "owners_committee",
            lambda: rows(
                OwnersCommittee.objects.filter(under),
                ["path", "name", "chair__name", "term_start"],
                ["path"],
            ),
        ),
        (
            "role",
            lambda: rows(
                RoleAssignment.objects.filter(at("place__path") | at("grid__path")),
                [
                    "user__username",
                    "user__display_name",
                    "user__resident__name",
                    "role",
                    "place__path",
                    "grid__name",
                    "starts_on",
                ],
                ["place__path"],
            ),
        ),
        (
            "meeting",
            lambda: rows(
                Meeting.objects.filter(under),
                [
                    "path",
                    "kind",
                    "title",
                    "starts_at",
                    "ends_at",
                    "scheduled_for",
                    "held",
                    "minutes",
                    "chair",
                    "recorder",
                ],
                ["path"],
            ),
        ),
        (
            "invitation",
            lambda: rows(
                Invitation.objects.filter(at("meeting__path")),
                ["meeting__title", "name", "role", "attended", "checked_in_at", "method"],
            ),
        ),
        (
            "agenda",
            lambda: rows(
                AgendaItem.objects.filter(at("meeting__path")),
                ["meeting__title", "position", "title", "source"],
            ),
        ),
        (
            "decision",
            lambda: rows(
                MeetingDecision.objects.filter(at("meeting__path")),
                ["meeting__title", "text", "recorded_at"],
            ),
        ),
        (
            "issue",
            lambda: rows(
                Issue.objects.filter(under),
                [
                    "path",
                    "title",
                    "source",
                    "state",
                    "resume_state",
                    "created_at",
                    "state_changed_at",
                    "goals",
                    "version",
                ],
                ["path"],
            ),
        ),
        (
            "issue_event",
            lambda: rows(
                IssueEvent.objects.filter(at("issue__path")),
                [
                    "issue__path",
                    "issue__created_at",
                    "at",
                    "from_state",
                    "to_state",
                    "meeting__title",
                    "note",
                ],
                ["issue__path"],
            ),
        ),
        (
            "think_answer",
            lambda: rows(
                ThinkAnswer.objects.filter(at("issue__path")),
                ["issue__path", "issue__created_at", "question", "note", "at"],
                ["issue__path"],
            ),
        ),
        (
            "consensus_vote",
            lambda: rows(
                ConsensusVote.objects.filter(at("issue__path")),
                ["issue__path", "issue__created_at", "member__name", "choice", "at"],
                ["issue__path"],
            ),
        ),
        (
            "plan",
            lambda: rows(
                AdoptedPlan.objects.filter(at("issue__path")),
                ["issue__path", "issue__created_at", "option__title", "meeting__title"],
                ["issue__path"],
            ),
        ),
        (
            "plan_step",
            lambda: rows(
                PlanStep.objects.filter(at("plan__issue__path")),
                ["plan__issue__created_at", "position", "what", "owner_member__name", "done"],
            ),
        ),
        (
            "consultation",
            lambda: rows(
                Consultation.objects.filter(at("issue__path")),
                ["issue__created_at", "held_on", "attendees", "support", "oppose"],
            ),
        ),
        (
            "action",
            lambda: rows(
                ActionRecord.objects.filter(at("issue__path")),
                ["issue__created_at", "name", "is_party_member", "acted_at", "what"],
            ),
        ),
        (
            "outcome",
            lambda: rows(
                Outcome.objects.filter(at("issue__path")),
                ["issue__created_at", "what_changed", "follow_up_on", "recorded_at"],
            ),
        ),
        (
            "survey",
            lambda: rows(
                SurveyResponse.objects.filter(at("issue__path")),
                ["issue__created_at", "rating", "count", "recorded_at"],
            ),
        ),
        (
            "appeal",
            lambda: rows(
                Appeal.objects.filter(under),
                [
                    "path",
                    "category__name",
                    "text",
                    "resident__name",
                    "state",
                    "created_at",
                    "state_changed_at",
                    "response_due_at",
                    "resolution_due_at",
                    "first_contacted_at",
                    "closed_at",
                    "escalation_level",
                    "escalated_path",
                    "issue__title",
                    "rating",
                    "rated_at",
                    "reopen_count",
                    "contact_phone_last4",
                ],
                ["path", "escalated_path"],
            ),
        ),
        (
            "appeal_event",
            lambda: rows(
                AppealEvent.objects.filter(at("appeal__path")),
                [
                    "appeal__path",
                    "appeal__created_at",
                    "kind",
                    "at",
                    "from_state",
                    "to_state",
                    "level",
                    "place__path",
                    "rating",
                ],
                ["appeal__path", "place__path"],
            ),
        ),
        (
            "volunteer",
            lambda: rows(
                Volunteer.objects.filter(under), ["path", "name", "registered_on"], ["path"]
            ),
        ),
        (
            "team",
            lambda: rows(
                VolunteerTeam.objects.filter(under),
                ["path", "name", "parent__name", "created_on"],
                ["path"],
            ),
        ),
        (
            "membership",
            lambda: rows(
                TeamMembership.objects.filter(at("team__path")),
                ["team__path", "team__name", "volunteer__name", "is_leader", "joined_on"],
                ["team__path"],
            ),
        ),
        (
            "hours",
            lambda: rows(
                HoursEntry.objects.filter(under),
                [
                    "path",
                    "volunteer__name",
                    "service",
                    "started_at",
                    "ended_at",
                    "hours",
                    "source",
                    "state",
                ],
                ["path"],
            ),
        ),
        (
            "shift",
            lambda: rows(
                DutyShift.objects.filter(at("roster__path")),
                ["roster__path", "starts_at", "ends_at", "capacity", "taken"],
                ["roster__path"],
            ),
        ),
        (
            "shift_signup",
            lambda: rows(
                ShiftSignup.objects.filter(at("shift__roster__path")),
                ["shift__starts_at", "volunteer__name", "state", "checked_in_at"],
            ),
        ),
        (
            "activity",
            lambda: rows(
                Activity.objects.filter(under),
                ["path", "title", "starts_at", "capacity", "taken", "state", "organiser_kind"],
                ["path"],
            ),
        ),
        (
            "activity_signup",
            lambda: rows(
                ActivitySignup.objects.filter(at("activity__path")),
                ["activity__title", "resident__name", "state", "created_at", "checked_in_at"],
            ),
        ),
        (
            "activity_helper",
            lambda: rows(
                ActivityHelper.objects.filter(at("activity__path")),
                ["activity__title", "volunteer__name", "role", "hours"],
            ),
        ),
    ]
    digest = hashlib.sha256()
    for name, described in tables:
        digest.update(f"\n[{name}]\n".encode())
        for line in described():
            digest.update(line.encode())
            digest.update(b"\n")
    return digest.hexdigest()


__all__ = ["content_digest"]
