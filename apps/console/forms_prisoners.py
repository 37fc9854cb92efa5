"""Forms of the console's prisoner pages: the roster filter, changes, leaving, and the import."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.facilities.models import Facility
from apps.people.models import Prisoner
from apps.policy.models import Level

MAX_ROSTER_BYTES = 2 * 1024 * 1024
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _levels(facility: Facility) -> Any:
    return Level.objects.filter(facility=facility).order_by("rank", "name")


class RosterFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or name"), max_length=100, required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=Level.objects.none(), required=False, empty_label=_("Any")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *Prisoner.Status.choices], required=False
    )

    def __init__(self, *args: Any, facility: Facility, units: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("Any")), *((unit, unit) for unit in units)]  # type: ignore[attr-defined]
        self.fields["level"].queryset = _levels(facility)  # type: ignore[attr-defined]


class PrisonerChangeForm(forms.Form):
    level = forms.ModelChoiceField(label=_("Level"), queryset=Level.objects.none())
    unit = forms.CharField(label=_("Unit"), max_length=60, required=False)
    legal_status = forms.ChoiceField(label=_("Legal status"), choices=Prisoner.LegalStatus.choices)
    sentence_start = forms.DateField(label=_("Sentence start"), required=False, widget=DATE)
    sentence_end = forms.DateField(
        label=_("Sentence end"),
        required=False,
        widget=DATE,
        help_text=_("Empty for an indeterminate sentence."),
    )

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = _levels(facility)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        # An emptied start date would otherwise be read as "leave it as it is".
        data = super().clean() or {}
        sentenced = data.get("legal_status") == Prisoner.LegalStatus.SENTENCED
        if sentenced and not data.get("sentence_start") and "sentence_start" not in self.errors:
            self.add_error(
                "sentence_start", _("A sentenced prisoner needs the date the sentence started.")
            )
        return data


class PrisonerTransferForm(forms.Form):
    destination = forms.CharField(label=_("Transferred to"), max_length=200)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Families whose visits are cancelled see this reason."),
    )


class PrisonerReleaseForm(forms.Form):
    released_on = forms.DateField(label=_("Released on"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Families whose visits are cancelled see this reason."),
    )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV, UTF-8, at most 2 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> str:
        """The file's text; a file too big or not in UTF-8 is refused here."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 2 MB. Split the roster into smaller files."),
                code="too_big",
            )
        try:
            # utf-8-sig: a spreadsheet's byte-order mark is not part of the first column's name.
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _(
                    "The file is not UTF-8 text (unreadable byte at position %(position)d). "
                    "Save it as “CSV UTF-8” and upload it again."
                ),
                code="not_utf8",
                params={"position": exc.start},
            ) from exc


class RosterApplyForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
