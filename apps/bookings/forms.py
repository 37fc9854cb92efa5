"""The one form both the family's and the officer's booking pages ask who is coming with."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PartyForm(forms.Form):
    """Who comes to the visit; the hidden key makes a second submission return the first
    booking."""

    visitors = forms.TypedMultipleChoiceField(
        label=_("Who is coming"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["visitors"].choices = choices  # type: ignore[attr-defined]
