"""Forms of the issue pages: they turn bad input into messages; services check the rules.

Choice lists (party members, meetings, options, residents) are loaded once by the
selector and handed to the forms, so a page renders them without further queries.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from sanxian.issues.markup import RENDERER
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
# From this many choices on, a list gets a search box.
PICKER_MIN_CHOICES = 12
# A party member or resident outside the list offered (another neighborhood's, say).
NOT_A_MEMBER = {"invalid_choice": _("Choose a party member of this neighborhood.")}
NOT_A_RESIDENT = {"invalid_choice": _("Choose a resident from the list.")}


class IssueForm(forms.Form):
    """A form of the issue pages: its markup is written by ``markup.StringRenderer``."""

    default_renderer = RENDERER


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT)


def _label(obj: Any) -> str:
    return str(obj)


class ObjectChoices:
    """Objects offered by a choice field, keyed by their primary key, each with its label
    escaped once. One instance is shared by every form of a page that offers the same list
    (the neighborhood's party members: leads, step owners, actors), so the page builds it
    once; the widgets below write its options as plain strings.

    The objects may be light rows (a primary key and a name); ``load`` then gives the full
    records of the chosen ones, by primary key, when a form is cleaned.
    """

    def __init__(
        self,
        objects: Iterable[Any],
        label_of: Callable[[Any], str] = _label,
        *,
        load: Callable[[list[Any]], Mapping[Any, Any]] | None = None,
    ) -> None:
        self.objects: dict[str, Any] = {str(o.pk): o for o in objects}
        self.labels: dict[str, str] = {
            key: html.escape(label_of(o)) for key, o in self.objects.items()
        }
        self.load = load
        self._options: str | None = None

    def resolve(self, keys: Sequence[str]) -> list[Any]:
        """The chosen objects (full records when ``load`` is given), in the given order."""
        chosen = [self.objects[key] for key in keys]
        if self.load is None or not chosen:
            return chosen
        loaded = self.load([o.pk for o in chosen])
        if any(o.pk not in loaded for o in chosen):
            raise ValidationError(_("That choice is no longer available."), code="invalid_choice")
        return [loaded[o.pk] for o in chosen]

    def __len__(self) -> int:
        return len(self.objects)

    def options(self, selected: Iterable[str] = ()) -> str:
        """The ``<option>`` elements, a blank one first; the list without a selection is
        built once and reused."""
        chosen = {s for s in selected if s in self.objects}
        if not chosen and self._options is not None:
            return self._options
        html = "".join(
            f'<option value="{key}"{" selected" if key in chosen else ""}>{label}</option>'
            for key, label in self.labels.items()
        )
        html = f'<option value="">—</option>{html}'
        if not chosen:
            self._options = html
        return html


def _as_choices(
    objects: ObjectChoices | Iterable[Any], label_of: Callable[[Any], str]
) -> ObjectChoices:
    return objects if isinstance(objects, ObjectChoices) else ObjectChoices(objects, label_of)


def _selected(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _picker_attrs(choices: ObjectChoices | None) -> dict[str, str]:
    """A long list gets a search box (``issues/picker.js``): typing part of a name narrows
    the list, which matters on a phone with hundreds of party members to scroll."""
    if choices is None or len(choices) < PICKER_MIN_CHOICES:
        return {}
    return {"data-picker": str(_("Type part of a name to find it"))}


class ObjectSelect(forms.Select):
    """A ``<select>`` whose options are written from an ``ObjectChoices`` as plain strings:
    no template per option, so a list of hundreds costs next to nothing to render."""

    object_choices: ObjectChoices | None = None

    def use_required_attribute(self, initial: Any) -> bool:
        return not self.is_hidden  # the first option is always the blank one

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final.update(_picker_attrs(self.object_choices))
        options = self.object_choices.options(_selected(value)) if self.object_choices else ""
        return mark_safe(  # noqa: S308  # nosec B308 B703 (every part escaped)
            f'<select name="{escape(name)}"{flatatt(final)}>{options}</select>'
        )


class ObjectCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes written from an ``ObjectChoices`` as plain strings (same markup as
    Django's ``CheckboxSelectMultiple``)."""

    object_choices: ObjectChoices | None = None

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final.update(_picker_attrs(self.object_choices))
        base_id = final.get("id", "")
        chosen = set(_selected(value))
        items = []
        labels = self.object_choices.labels if self.object_choices else {}
        for index, (key, label) in enumerate(labels.items()):
            box_id = f"{base_id}_{index}" if base_id else ""
            id_attr = f' id="{box_id}"' if box_id else ""
            for_attr = f' for="{box_id}"' if box_id else ""
            checked = " checked" if key in chosen else ""
            items.append(
                f'<div><label{for_attr}><input type="checkbox" name="{escape(name)}" '
                f'value="{key}"{id_attr}{checked}> {label}</label></div>'
            )
        return mark_safe(f"<div{flatatt(final)}>{''.join(items)}</div>")  # noqa: S308  # nosec B308 B703


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects already loaded; cleans to the object (or None)."""

    widget = ObjectSelect

    def __init__(self, *, label_of: Callable[[Any], str] = _label, **kwargs: Any) -> None:
        self.label_of = label_of
        self.object_choices = ObjectChoices(())
        super().__init__(choices=[], **kwargs)

    @property
    def objects(self) -> dict[str, Any]:
        return self.object_choices.objects

    def set_objects(self, objects: ObjectChoices | Iterable[Any]) -> None:
        self.object_choices = _as_choices(objects, self.label_of)
        assert isinstance(self.widget, ObjectSelect)
        self.widget.object_choices = self.object_choices

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.objects

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.object_choices.resolve([value])[0] if value else None


class MultipleObjectChoiceField(forms.MultipleChoiceField):
    widget = ObjectCheckboxes

    def __init__(self, *, label_of: Callable[[Any], str] = _label, **kwargs: Any) -> None:
        self.label_of = label_of
        self.object_choices = ObjectChoices(())
        super().__init__(choices=[], **kwargs)

    @property
    def objects(self) -> dict[str, Any]:
        return self.object_choices.objects

    def set_objects(self, objects: ObjectChoices | Iterable[Any]) -> None:
        self.object_choices = _as_choices(objects, self.label_of)
        assert isinstance(self.widget, ObjectCheckboxes)
        self.widget.object_choices = self.object_choices

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.objects

    def clean(self, value: Any) -> list[Any]:
        return self.object_choices.resolve(super().clean(value))


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


class NewIssueForm(IssueForm):
    place = ObjectChoiceField(label=_("Where"), label_of=place_label)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    source = forms.ChoiceField(label=_("Raised from"), choices=IssueSource.choices)

    def __init__(
        self, *args: Any, places: Sequence[Place] | ObjectChoices = (), **kwargs: Any
    ) -> None:
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


class ThresholdForm(IssueForm):
    threshold = forms.TypedChoiceField(
        label=_("Consensus threshold"), choices=THRESHOLD_CHOICES, coerce=Decimal
    )


class TransitionForm(IssueForm):
    to = forms.ChoiceField(choices=IssueState.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(IssueForm):
    answer = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs=TEXTAREA))


class VoteForm(IssueForm):
    choice = forms.ChoiceField(
        label=_("My vote"), choices=VoteChoice.choices, widget=forms.RadioSelect
    )


class GoalsForm(IssueForm):
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs=TEXTAREA))


class OptionForm(IssueForm):
    title = forms.CharField(label=_("Option"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class PostForm(IssueForm):
    text = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs=TEXTAREA))
    option = ObjectChoiceField(label=_("About the option"), required=False)

    def __init__(
        self, *args: Any, options: Sequence[PlanOption] | ObjectChoices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["option"]
        assert isinstance(field, ObjectChoiceField)
        field.set_objects(options)


def meeting_label(meeting: Meeting) -> str:
    return f"{meeting.title}（{meeting.starts_at:%Y-%m-%d}）"


class StepFields(IssueForm):
    """What a plan step needs; the adoption form carries a first step with a prefix."""

    what = forms.CharField(label=_("Step"), max_length=200)
    owner_member = ObjectChoiceField(
        label=_("Owner (party member)"), required=False, error_messages=NOT_A_MEMBER
    )
    owner_name = forms.CharField(label=_("or owner's name"), max_length=100, required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=date_input())
    resources = forms.CharField(
        label=_("Resources"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, members: Sequence[PartyMember] | ObjectChoices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_member"]
        assert isinstance(field, ObjectChoiceField)
        field.set_objects(members)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("owner_member") and not data.get("owner_name", "").strip():
            raise ValidationError(_("Name who owns the step: a party member or a name."))
        return data


class AdoptForm(IssueForm):
    option = ObjectChoiceField(label=_("Option to adopt"))
    meeting = ObjectChoiceField(label=_("Adopted at the meeting"), label_of=meeting_label)
    leads = MultipleObjectChoiceField(label=_("Lead party members"), error_messages=NOT_A_MEMBER)
    goals = forms.CharField(label=_("Goals"), required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(
        self,
        *args: Any,
        options: Sequence[PlanOption] | ObjectChoices = (),
        meetings: Sequence[Meeting] | ObjectChoices = (),
        members: Sequence[PartyMember] | ObjectChoices = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, objects in (("option", options), ("meeting", meetings), ("leads", members)):
            field = self.fields[name]
            assert isinstance(field, ObjectChoiceField | MultipleObjectChoiceField)
            field.set_objects(objects)


class StakeholderForm(IssueForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=StakeholderKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs=TEXTAREA))


class ConsultationForm(IssueForm):
    held_on = forms.DateField(label=_("Held on"), widget=date_input())
    meeting = ObjectChoiceField(label=_("Meeting"), required=False, label_of=meeting_label)
    attendees = forms.IntegerField(label=_("Residents attending"), min_value=0)
    support = forms.IntegerField(label=_("In support"), min_value=0, initial=0)
    oppose = forms.IntegerField(label=_("Opposed"), min_value=0, initial=0)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(
        self, *args: Any, meetings: Sequence[Meeting] | ObjectChoices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        assert isinstance(field, ObjectChoiceField)
        field.set_objects(meetings)


class ActionForm(IssueForm):
    member = ObjectChoiceField(label=_("Party member"), required=False, error_messages=NOT_A_MEMBER)
    resident = ObjectChoiceField(
        label=_("or resident"), required=False, error_messages=NOT_A_RESIDENT
    )
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
        members: Sequence[PartyMember] | ObjectChoices = (),
        residents: Sequence[Resident] | ObjectChoices = (),
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


class OutcomeForm(IssueForm):
    what_changed = forms.CharField(label=_("What changed"), widget=forms.Textarea(attrs=TEXTAREA))
    before = forms.CharField(label=_("Before"), widget=forms.Textarea(attrs=TEXTAREA))
    after = forms.CharField(label=_("After"), widget=forms.Textarea(attrs=TEXTAREA))
    before_photo = PhotoField(label=_("Photo before"))
    after_photo = PhotoField(label=_("Photo after"))


class StepDoneForm(IssueForm):
    step = forms.IntegerField(widget=forms.HiddenInput)
    done = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )


class SurveyForm(IssueForm):
    rating = forms.ChoiceField(
        label=_("Rating"), choices=SurveyRating.choices, widget=forms.RadioSelect
    )
    count = forms.IntegerField(label=_("Number of residents"), min_value=1, initial=1)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs=TEXTAREA))


class FollowUpForm(IssueForm):
    follow_up_on = forms.DateField(label=_("Follow-up date"), widget=date_input())
