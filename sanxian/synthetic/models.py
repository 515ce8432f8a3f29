"""The record of what the synthetic data generator has completed.

One row per sub-district and per neighborhood, written in the same transaction as the
data itself: a row means that node and everything in it is there, so a later run (the
same tier again, or a larger tier that contains it) skips it, and an interrupted run
resumes where it stopped.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class GeneratedNode(models.Model):
    place = models.OneToOneField(
        "places.Place", on_delete=models.CASCADE, related_name="synthetic_record"
    )
    # Position in the synthetic district: sub-district 1…15, neighborhood 1…20 (0 for the
    # sub-district itself).
    subdistrict_no = models.PositiveSmallIntegerField()
    neighborhood_no = models.PositiveSmallIntegerField(default=0)
    seed = models.BigIntegerField()
    today = models.DateField()
    generated_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        ordering: ClassVar = ["subdistrict_no", "neighborhood_no"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["subdistrict_no", "neighborhood_no"], name="synthetic_node_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subdistrict_no}/{self.neighborhood_no} seed {self.seed}"
