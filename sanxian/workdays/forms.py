from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxian.workdays.models import DayKind


class DayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices)
    name = forms.CharField(label=_("Name (e.g. 春节)"), required=False, max_length=50)

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if day.year != self.year:
            raise forms.ValidationError(
                _("The date must lie in %(year)s.") % {"year": self.year}, code="year"
            )
        return day


class DeleteDayForm(forms.Form):
    date = forms.DateField()


class CompleteForm(forms.Form):
    complete = forms.BooleanField(required=False)
