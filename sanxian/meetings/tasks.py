"""Background jobs of the meetings app (idempotent: a second run changes nothing more)."""

from __future__ import annotations

from django_tasks import task

from sanxian.meetings.services import generate_meetings


@task()
def generate_cycle_meetings() -> dict[str, object]:
    """Create the coming months' meetings, fill agendas and invitations; return counts and
    calendar warnings (reminders are the notifications' job)."""
    result = generate_meetings()
    return {"created": len(result.created), "warnings": result.warnings}
