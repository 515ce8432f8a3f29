"""Forms of the issue pages: they turn bad input into messages; services check the rules.

Choice lists (party members, meetings, options, residents) are loaded once by the
selector and handed to the forms, so a page renders them without further queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from sanxian.issues.models import (
    MAX_ACTION_PHOTOS,
    IssueSource,
    IssueState,
    PlanOption,
    StakeholderKind,
    SurveyRating,
    VoteChoice,
)
from sanxian.meetings.models import Meeting
from sanxian.party.models import PartyMember
from sanxian.places.models import Place, Resident
from sanxian.uploads import validate_photo

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
# <input type=date> takes ISO dates whatever the language.
DATE_INPUT = "%Y-%m-%d"
TEXTAREA = {"rows": 3}


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT)


def _label(obj: Any) -> str:
    return str(obj)


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects already loaded; cleans to the object (or None)."""

    def __init__(self, *, label_of: Callable[[Any], str] = _label, **kwargs: Any) -> None:
        self.label_of = label_of
        self.objects: dict[str, Any] = {}
        super().__init__(choices=[], **kwargs)

    def set_objects(self, objects: Iterable[Any]) -> None:
        self.objects = {str(o.pk): o for o in objects}
        self.choices = [("", "—"), *((k, self.label_of(o)) for k, o in self.objects.items())]

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.objects.get(value) if value else None


class MultipleObjectChoiceField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, label_of: Callable[[Any], str] = _label, **kwargs: Any) -> None:
        self.label_of = label_of
        self.objects: dict[str, Any] = {}
        super().__init__(choices=[], **kwargs)

    def set_objects(self, objects: Iterable[Any]) -> None:
        self.objects = {str(o.pk): o for o in objects}
        self.choices = [(k, self.label_of(o)) for k, o in self.objects.items()]

    def clean(self, value: Any) -> list[Any]:
        values = super().clean(value)
        return [self.objects[v] for v in values]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``max_files`` photos, each checked by content (``validate_photo``)."""

    def __init__(self, *, max_files: int = MAX_ACTION_PHOTOS, **kwargs: Any) -> None:
        self.max_files = max_files
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > self.max_files:
            raise ValidationError(
                _("At most %(n)s photos per action.") % {"n": self.max_files}, code="too_many"
            )
        for upload in files:
            validate_photo(upload)
        return files


class PhotoField(forms.FileField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> UploadedFile | None:
        upload = super().clean(data, initial)
        if upload:
            validate_photo(upload)
            return upload
        return None


def place_label(place: Place) -> str:
    """A place indented by its depth, so a tree-ordered list reads as a tree."""
    indent = "\u3000" * max(place.depth - 2, 0)
    return f"{indent}{place.name}（{place.kind_label}）"


class NewIssueForm(forms.Form):
    place = ObjectChoiceField(label=_("Where"), label_of=place_label)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    source = forms.ChoiceField(label=_("Raised from"), choices=IssueSource.choices)

    def __init__(self, *args: Any, places: Sequence[Place] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["place"]
        assert isinstance(field, ObjectChoiceField)
        field.set_objects(places)


THRESHOLD_CHOICES = [
    ("0.5000", _("Half of those voting")),
    ("0.6667", _("Two thirds of those voting")),
    ("0.7500", _("Three quarters of those voting")),
    ("1.0000", _("All of those voting")),
]


class ThresholdForm(forms.Form):
    threshold = forms.TypedChoiceField(
        label=_("Consensus threshold"), choices=THRESHOLD_CHOICES, coerce=Decimal
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=IssueState.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(forms.Form):
    answer = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs=TEXTAREA))


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("My vote"), choices=VoteChoice.choices, widget=forms.RadioSelect
    )


class GoalsForm(forms.Form):
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs=TEXTAREA))


class OptionForm(forms.Form):
    title = forms.CharField(label=_("Option"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class PostForm(forms.Form):
    text = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs=TEXTAREA))
    option = ObjectChoiceField(label=_("About the option"), required=False)

    def __init__(self, *args: Any, options: Sequence[PlanOption] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["option"]
        assert isinstance(field, ObjectChoiceField)
        field.set_objects(options)


def meeting_label(meeting: Meeting) -> str:
    return f"{meeting.title}（{meeting.starts_at:%Y-%m-%d}）"


class StepFields(forms.Form):
    """What a plan step needs; the adoption form carries a first step with a prefix."""

    what = forms.CharField(label=_("Step"), max_length=200)
    owner_member = ObjectChoiceField(label=_("Owner (party member)"), required=False)
    owner_name = forms.CharField(label=_("or owner's name"), max_length=100, required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=date_input())
    resources = forms.CharField(
        label=_("Resources"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, members: Sequence[PartyMember] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_member"]
        assert isinstance(field, ObjectChoiceField)
        field.set_objects(members)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("owner_member") and not data.get("owner_name", "").strip():
            raise ValidationError(_("Name who owns the step: a party member or a name."))
        return data


class AdoptForm(forms.Form):
    option = ObjectChoiceField(label=_("Option to adopt"))
    meeting = ObjectChoiceField(label=_("Adopted at the meeting"), label_of=meeting_label)
    leads = MultipleObjectChoiceField(label=_("Lead party members"))
    goals = forms.CharField(label=_("Goals"), required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(
        self,
        *args: Any,
        options: Sequence[PlanOption] = (),
        meetings: Sequence[Meeting] = (),
        members: Sequence[PartyMember] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, objects in (("option", options), ("meeting", meetings), ("leads", members)):
            field = self.fields[name]
            assert isinstance(field, ObjectChoiceField | MultipleObjectChoiceField)
            field.set_objects(objects)


class StakeholderForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=StakeholderKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs=TEXTAREA))


class ConsultationForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=date_input())
    meeting = ObjectChoiceField(label=_("Meeting"), required=False, label_of=meeting_label)
    attendees = forms.IntegerField(label=_("Residents attending"), min_value=0)
    support = forms.IntegerField(label=_("In support"), min_value=0, initial=0)
    oppose = forms.IntegerField(label=_("Opposed"), min_value=0, initial=0)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args: Any, meetings: Sequence[Meeting] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        assert isinstance(field, ObjectChoiceField)
        field.set_objects(meetings)


class ActionForm(forms.Form):
    member = ObjectChoiceField(label=_("Party member"), required=False)
    resident = ObjectChoiceField(label=_("or resident"), required=False)
    name = forms.CharField(label=_("or name"), max_length=100, required=False)
    acted_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    what = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs=TEXTAREA))
    photos = PhotosField(label=_("Photos (up to 4)"))

    def __init__(
        self,
        *args: Any,
        members: Sequence[PartyMember] = (),
        residents: Sequence[Resident] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, objects in (("member", members), ("resident", residents)):
            field = self.fields[name]
            assert isinstance(field, ObjectChoiceField)
            field.set_objects(objects)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [k for k in ("member", "resident") if data.get(k)]
        if data.get("name", "").strip():
            given.append("name")
        if len(given) != 1:
            raise ValidationError(_("Say who acted: a party member, a resident or a name."))
        return data


class OutcomeForm(forms.Form):
    what_changed = forms.CharField(label=_("What changed"), widget=forms.Textarea(attrs=TEXTAREA))
    before = forms.CharField(label=_("Before"), widget=forms.Textarea(attrs=TEXTAREA))
    after = forms.CharField(label=_("After"), widget=forms.Textarea(attrs=TEXTAREA))
    before_photo = PhotoField(label=_("Photo before"))
    after_photo = PhotoField(label=_("Photo after"))


class StepDoneForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    done = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )


class SurveyForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("Rating"), choices=SurveyRating.choices, widget=forms.RadioSelect
    )
    count = forms.IntegerField(label=_("Number of residents"), min_value=1, initial=1)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs=TEXTAREA))


class FollowUpForm(forms.Form):
    follow_up_on = forms.DateField(label=_("Follow-up date"), widget=date_input())
