"""Background jobs of the meetings app (idempotent: a second run changes nothing more)."""

from __future__ import annotations

from django_tasks import task

from sanxian.meetings.services import generate_meetings, send_reminders


@task()
def generate_cycle_meetings() -> dict[str, object]:
    """Create the coming months' meetings, fill agendas and invitations, send tomorrow's
    reminders; return counts and calendar warnings."""
    result = generate_meetings()
    reminded = send_reminders()
    return {"created": len(result.created), "warnings": result.warnings, "reminded": reminded}
