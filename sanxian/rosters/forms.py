from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxian.places.models import Place
from sanxian.rosters.models import ImportKind


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Roster"), choices=ImportKind.choices, widget=forms.RadioSelect
    )
    place = forms.TypedChoiceField(label=_("Area"), coerce=int)
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args, places: list[Place], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.places = {p.pk: p for p in places}
        field = self.fields["place"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(p.pk, p.name) for p in places]
        if len(places) == 1:
            field.initial = places[0].pk
            field.widget = forms.HiddenInput()

    def clean_place(self) -> Place:
        return self.places[self.cleaned_data["place"]]
