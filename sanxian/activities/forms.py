"""Forms of the activity pages: bad input becomes a message; services check the rules."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanxian.activities.models import DEFAULT_VENUE, OrganiserKind
from sanxian.activities.services import MAX_CAPACITY
from sanxian.appeals.forms import MultiplePhotoField, MultiplePhotoInput
from sanxian.party.models import PartyOrg
from sanxian.places.models import Place
from sanxian.volunteers.models import Volunteer, VolunteerTeam


class ActivityForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=100,
        error_messages={"required": _("Please give the activity a title.")},
    )
    place = forms.TypedChoiceField(
        label=_("Where in the neighborhood"),
        coerce=int,
        error_messages={"required": _("Please choose the place.")},
    )
    day = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Please choose the date."),
            "invalid": _("Please enter a valid date."),
        },
    )
    start = forms.TimeField(
        label=_("Starts at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Please enter the start time."),
            "invalid": _("Please enter a valid time."),
        },
    )
    end = forms.TimeField(
        label=_("Ends at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Please enter the end time."),
            "invalid": _("Please enter a valid time."),
        },
    )
    venue = forms.CharField(label=_("Venue"), max_length=100, required=False, initial=DEFAULT_VENUE)
    capacity = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=MAX_CAPACITY,
        error_messages={"required": _("Please enter the number of seats.")},
    )
    signup_closes_at = forms.DateTimeField(
        label=_("Sign-up closes (optional; default: when it starts)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    organiser_kind = forms.ChoiceField(
        label=_("Organised by"),
        choices=OrganiserKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose who organises the activity.")},
    )
    organiser_team = forms.TypedChoiceField(
        label=_("Organising team"), coerce=int, required=False, empty_value=None
    )
    organiser_branch = forms.TypedChoiceField(
        label=_("Organising party branch"), coerce=int, required=False, empty_value=None
    )
    audience = forms.CharField(
        label=_("For whom (optional, e.g. for the elderly)"), max_length=100, required=False
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(
        self,
        *args: Any,
        places: list[Place],
        teams: list[VolunteerTeam],
        branches: list[PartyOrg],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.places = {p.pk: p for p in places}
        self.teams = {t.pk: t for t in teams}
        self.branches = {b.pk: b for b in branches}
        colon = gettext(": ")
        self._choices("place", [(p.pk, f"{p.kind_label}{colon}{p.name}") for p in places])
        self._choices("organiser_team", [("", "—"), *[(t.pk, t.name) for t in teams]])
        self._choices("organiser_branch", [("", "—"), *[(b.pk, b.name) for b in branches]])
        kinds = [
            (value, label)
            for value, label in OrganiserKind.choices
            if value != OrganiserKind.BRANCH or branches
        ]
        if not branches:  # team leaders organise for their team only
            kinds = [(v, lbl) for v, lbl in kinds if v == OrganiserKind.TEAM]
        self._choices("organiser_kind", kinds)
        if editing:
            for name in ("place", "organiser_kind", "organiser_team", "organiser_branch"):
                del self.fields[name]

    def _choices(self, name: str, choices: list) -> None:
        f = self.fields[name]
        assert isinstance(f, forms.ChoiceField)
        f.choices = choices

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Please give the activity a title."), code="required")
        return title

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            tz = timezone.get_current_timezone()
            starts = timezone.make_aware(datetime.combine(day, start), tz)
            ends = timezone.make_aware(datetime.combine(day, end), tz)
            if ends <= starts:
                self.add_error("end", _("The activity must end after it starts."))
            data["starts_at"], data["ends_at"] = starts, ends
        if "place" in self.fields:
            place = self.places.get(data.get("place") or 0)
            if place is None and "place" not in self.errors:
                self.add_error("place", _("Please choose the place."))
            data["place_obj"] = place
            kind = data.get("organiser_kind")
            data["team_obj"] = self.teams.get(data.get("organiser_team") or 0)
            data["branch_obj"] = self.branches.get(data.get("organiser_branch") or 0)
            if kind == OrganiserKind.TEAM and data["team_obj"] is None:
                self.add_error("organiser_team", _("Please choose the organising volunteer team."))
            if kind == OrganiserKind.BRANCH and data["branch_obj"] is None:
                self.add_error("organiser_branch", _("Please choose the organising party branch."))
        return data


class HelperForm(forms.Form):
    volunteer = forms.TypedChoiceField(
        label=_("Volunteer"),
        coerce=int,
        error_messages={"required": _("Please choose a volunteer.")},
    )
    role = forms.CharField(label=_("Task (optional)"), max_length=50, required=False)
    hours = forms.DecimalField(
        label=_("Hours (optional; default: the activity's length)"),
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        decimal_places=2,
    )

    def __init__(self, *args: Any, volunteers: list[Volunteer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.volunteers = {v.pk: v for v in volunteers}
        f = self.fields["volunteer"]
        assert isinstance(f, forms.ChoiceField)
        f.choices = [("", "—"), *[(v.pk, v.name) for v in volunteers]]

    def chosen(self) -> Volunteer:
        return self.volunteers[self.cleaned_data["volunteer"]]

    def clean_volunteer(self) -> int:
        value = self.cleaned_data["volunteer"]
        if value not in self.volunteers:
            raise ValidationError(_("Please choose a volunteer."), code="invalid")
        return value


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Activity summary"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": _("Please write the summary.")},
    )


class PhotoForm(forms.Form):
    photos = MultiplePhotoField(
        label=_("Photos (up to 4 at a time)"),
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        error_messages={"required": _("Please choose a photo.")},
    )
    caption = forms.CharField(label=_("Caption (optional)"), max_length=100, required=False)
    form_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)


def photo_form_key() -> str:
    """A one-time key for a photo form: submitting the same form twice stores it once."""
    return uuid.uuid4().hex
