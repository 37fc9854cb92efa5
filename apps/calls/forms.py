"""Forms of terminal pairing and of the supervising officer's warnings and ends."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.calls.services.live import END_REASON_MAX, WARNING_MAX


class PairForm(forms.Form):
    code = forms.CharField(
        label=_("Pairing code"),
        max_length=20,
        help_text=_("The eight-character code an administrator issued for this terminal."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
    )


class WarnForm(forms.Form):
    text = forms.CharField(
        label=_("Warning shown on both screens"),
        max_length=WARNING_MAX,
        widget=forms.TextInput(),
    )


class EndForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the visit is being ended (the family is shown this)"),
        max_length=END_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
