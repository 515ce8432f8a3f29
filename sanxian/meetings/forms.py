"""Forms of the meeting page: they turn bad input into messages; services check rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxian.issues.models import IssueState
from sanxian.meetings.models import VoteChoice


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
