"""Forms of the meeting page: they turn bad input into messages; services check rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxian.issues.models import IssueState
from sanxian.meetings.models import CycleRule, InviteeGroup, VoteChoice

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=200)


class MinutesForm(forms.Form):
    chair = forms.CharField(label=_("Chair"), max_length=50, required=False)
    recorder = forms.CharField(label=_("Recorder"), max_length=50, required=False)
    minutes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )


MOVE_CHOICES = [
    ("", _("Do not move the issue")),
    *[(s.value, s.label) for s in IssueState if s != IssueState.COLLECTED],
]


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    issue = forms.TypedChoiceField(label=_("Issue"), coerce=int, required=False, empty_value=None)
    to = forms.ChoiceField(label=_("Move the issue to"), choices=MOVE_CHOICES, required=False)

    def __init__(self, *args, issues=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["issue"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("No issue")),
            *[(i.pk, f"{i.title}（{i.get_state_display()}）") for i in issues],
        ]


class CountsForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=200)
    votes_for = forms.IntegerField(label=_("For"), min_value=0)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0)
    votes_abstain = forms.IntegerField(label=_("Abstain"), min_value=0)


class NamedVoteForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=200)


BALLOT_CHOICES = VoteChoice.choices


# Groups an invitation records but a rule cannot invite.
RECORD_ONLY_GROUPS = frozenset({InviteeGroup.WALK_IN, InviteeGroup.ADDED})


def _invitees_field(label: _StrPromise) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=[(g.value, g.label) for g in InviteeGroup if g not in RECORD_ONLY_GROUPS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one group to invite.")},
    )


class CycleRuleForm(forms.ModelForm):
    collection_invitees = _invitees_field(_("Invited to the collection meeting"))
    deliberation_invitees = _invitees_field(_("Invited to the party deliberation"))
    consultation_invitees = _invitees_field(_("Invited to the joint consultation"))

    class Meta:
        model = CycleRule
        fields = (
            "collection_day",
            "collection_time",
            "collection_invitees",
            "deliberation_day",
            "deliberation_time",
            "deliberation_invitees",
            "consultation_day",
            "consultation_time",
            "consultation_invitees",
            "duration_minutes",
            "venue",
            "quorum_percent",
            "holiday_policy",
        )
        widgets = {
            "collection_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "deliberation_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "consultation_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "collection_day": forms.NumberInput(attrs={"min": 1, "max": 28}),
            "deliberation_day": forms.NumberInput(attrs={"min": 1, "max": 28}),
            "consultation_day": forms.NumberInput(attrs={"min": 1, "max": 28}),
        }

    def clean_duration_minutes(self) -> int:
        minutes = self.cleaned_data["duration_minutes"]
        if not 15 <= minutes <= 480:
            raise forms.ValidationError(_("A meeting lasts between 15 minutes and 8 hours."))
        return minutes

    def clean(self) -> dict:
        data = super().clean() or {}
        days = [data.get(f"{k}_day") for k in ("collection", "deliberation", "consultation")]
        if all(days) and len(set(days)) < 3:
            raise forms.ValidationError(_("The three meetings need three different days."))
        return data
