"""Background jobs of the volunteers app (idempotent: a second run changes nothing more)."""

from __future__ import annotations

from django_tasks import task

from sanxian.volunteers.services import generate_shifts


@task()
def generate_duty_shifts() -> dict[str, int]:
    """Create the coming weeks' shifts of every current duty roster."""
    return {"created": generate_shifts()}
