"""Forms: bad input becomes a message on the re-rendered page; services get clean values."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanxian.appeals.models import AppealCategory, AppealState, Rating
from sanxian.appeals.services import MAX_PHOTOS, MAX_TEXT
from sanxian.personal_data import normalise_phone
from sanxian.places.models import Place
from sanxian.uploads import validate_photo


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultiplePhotoInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            files = []
        elif isinstance(data, list | tuple):
            files = [f for f in data if f]
        else:
            files = [data]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                _("At most %(n)s photos, please.") % {"n": MAX_PHOTOS}, code="too_many"
            )
        for upload in files:
            validate_photo(upload)
        return files


def clean_phone(value: str) -> str:
    """A mainland phone number, normalised (``sanxian.personal_data.normalise_phone``)."""
    return normalise_phone(value)


class AppealForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("What is it about?"),
        queryset=AppealCategory.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Please choose what it is about.")},
    )
    text = forms.CharField(
        label=_("What happened?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Please say what happened.")},
    )
    place = forms.TypedChoiceField(
        label=_("Where?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose where it happens.")},
    )
    photos = MultiplePhotoField(
        label=_("Photos (up to 4, optional)"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    contact_phone = forms.CharField(
        label=_("Phone number to call you back (optional)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(
        self,
        *args: Any,
        places: list[Place],
        categories: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.places = {p.pk: p for p in places}
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ModelChoiceField)
        category_field.queryset = categories
        place_field = self.fields["place"]
        assert isinstance(place_field, forms.TypedChoiceField)
        colon = gettext(": ")
        place_field.choices = [(p.pk, f"{p.kind_label}{colon}{p.name}") for p in places]
        if len(places) == 1:
            self.initial.setdefault("place", places[0].pk)

    def clean_contact_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("contact_phone", ""))

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError(_("Please say what happened."), code="required")
        return text

    def chosen_place(self) -> Place:
        return self.places[self.cleaned_data["place"]]


class OnBehalfAppealForm(AppealForm):
    on_behalf_note = forms.CharField(
        label=_("How was the resident reached? (e.g. visit at home, telephone)"),
        required=False,
        max_length=200,
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=1000)


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please say what was done.")},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the appeal rejected? (the resident will read this)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please give the reason for rejecting the appeal.")},
    )


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("Are you satisfied with how it was handled?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose one answer.")},
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reopen = forms.BooleanField(
        label=_("Not solved: please look at it again"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reopen") and data.get("rating") != Rating.UNSATISFIED:
            raise ValidationError(
                _("Only an unsatisfied rating can reopen an appeal."), code="reopen"
            )
        return data


class MergeForm(forms.Form):
    appeals = forms.TypedMultipleChoiceField(
        label=_("Appeals to merge"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one appeal to merge.")},
    )
    issue = forms.TypedChoiceField(
        label=_("Join an existing issue"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(label=_("Or the title of a new issue"), required=False, max_length=200)

    def __init__(
        self, *args: Any, appeal_choices: list[int], issue_choices: list[tuple[int, str]], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        appeals_field = self.fields["appeals"]
        assert isinstance(appeals_field, forms.TypedMultipleChoiceField)
        appeals_field.choices = [(pk, f"#{pk}") for pk in appeal_choices]
        issue_field = self.fields["issue"]
        assert isinstance(issue_field, forms.TypedChoiceField)
        issue_field.choices = [("", _("— a new issue —")), *issue_choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("issue") and not (data.get("title") or "").strip():
            raise ValidationError(
                _("Give the new issue a title, or choose an existing issue."), code="title"
            )
        return data


STATE_FILTER_CHOICES = [
    ("", _("All")),
    ("open", _("Still open")),
    *AppealState.choices,
]


class ListFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=STATE_FILTER_CHOICES, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=AppealCategory.objects.order_by("position", "id"),
        required=False,
        empty_label=_("All"),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    escalated = forms.BooleanField(label=_("Escalated only"), required=False)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


MAX_PERIOD_DAYS = 366


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


class PeriodForm(forms.Form):
    """``?period=YYYY-MM`` or ``?start=YYYY-MM-DD&end=YYYY-MM-DD`` (both days included);
    the current month by default."""

    period = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        error_messages={"invalid": _("Give the month as YYYY-MM, e.g. 2026-03.")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start or end:
            if not (start and end):
                raise ValidationError(_("Give both the first and the last day."), code="range")
            if end < start:
                raise ValidationError(_("The last day is before the first day."), code="range")
            if end - start > timedelta(days=MAX_PERIOD_DAYS):
                raise ValidationError(_("A period is at most one year."), code="range")
            data["bounds"] = (start, end)
        elif data.get("period"):
            year, month = (int(x) for x in data["period"].split("-"))
            data["bounds"] = month_bounds(year, month)
        else:
            data["bounds"] = month_bounds(self.today.year, self.today.month)
        return data

    def default_bounds(self) -> tuple[date, date]:
        return month_bounds(self.today.year, self.today.month)
