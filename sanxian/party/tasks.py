"""Background jobs of the party app, run by the task worker (``manage.py db_worker``).

Tasks receive ids, never model instances, and call services or selectors, so running one
twice has the same effect as running it once.
"""

from __future__ import annotations

from django_tasks import task

from sanxian.party.structure import check_structure
from sanxian.places.models import Place


@task()
def structure_gap_count(place_id: int) -> dict[str, int]:
    """Run the structure check for a place and return the gap counts by severity."""
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        return {"error": 0, "warning": 0}
    counts = {"error": 0, "warning": 0}
    for gap in check_structure(place):
        counts[gap.severity] = counts.get(gap.severity, 0) + 1
    return counts
