"""Forms of the territory pages: they turn bad input into messages; services check the
rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# <input type=date> sends ISO dates whatever the language.
DATE_INPUT = "%Y-%m-%d"


class DepartureForm(forms.Form):
    moved_out = forms.DateField(
        label=_("Moved out on"),
        input_formats=[DATE_INPUT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT),
        error_messages={
            "required": _("Please give the date the resident moved out."),
            "invalid": _("Please give the moving-out date as year-month-day, e.g. 2026-03-01."),
        },
    )

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return ""
