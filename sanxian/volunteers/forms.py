"""Forms of the volunteer pages: every one turns bad input into a message and no change."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxian.volunteers.models import WEEKDAY_LABELS

WEEKDAY_CHOICES = list(WEEKDAY_LABELS.items())


class RosterForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    service = forms.CharField(label=_("Service content"), max_length=200)
    location = forms.CharField(label=_("Where exactly"), max_length=100, required=False)
    start_date = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a duty without an end."),
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    start_time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Ends at"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("An end at or before the start means the shift ends the next day."),
    )
    capacity = forms.IntegerField(label=_("People per shift"), min_value=1, max_value=50)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["start_date"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("end_date", _("The last day comes before the first day."))
        if data.get("start_time") is not None and data.get("start_time") == data.get("end_time"):
            self.add_error("end_time", _("A shift cannot start and end at the same time."))
        if "weekdays" in data:
            data["weekdays"] = "".join(sorted(data["weekdays"]))
        return data


class SwapForm(forms.Form):
    to_volunteer = forms.TypedChoiceField(label=_("Hand over to"), coerce=int)
    note = forms.CharField(label=_("Note for the leader"), max_length=200, required=False)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_volunteer"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *choices]


class RecordPeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            raise forms.ValidationError(_("The end of the period comes before its start."))
        return data
