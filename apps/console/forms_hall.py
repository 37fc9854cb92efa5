"""Forms of the visit hall's day and of booking on a family's behalf."""

from collections.abc import Iterable

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from apps.bookings.forms import PartyForm
from apps.bookings.models import BookingStatus
from apps.people.models import Visitor

# What the hall desk records with one button, from each state. Starting a
# visit that was never checked in is not offered: the identity check comes first.
HALL_MOVES: dict[str, tuple[str, ...]] = {
    BookingStatus.BOOKED: (BookingStatus.NO_SHOW,),
    BookingStatus.CHECKED_IN: (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED),
    BookingStatus.IN_PROGRESS: (BookingStatus.COMPLETED,),
}


class DayForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _registered_as(visitor: Visitor) -> SafeString:
    """The document hint, its masked number isolated so it reads as written right to left."""
    sentence = conditional_escape(_("%(document)s, registered as %(masked)s"))
    return mark_safe(  # the sentence and both values are escaped above
        sentence
        % {
            "document": conditional_escape(visitor.get_document_type_display()),
            "masked": format_html('<bdi dir="ltr">{}</bdi>', visitor.document_masked),
        }
    )


class CheckInForm(forms.Form):
    """One field per visitor of the party: the number on the document they hand over."""

    def __init__(self, *args: object, party: Iterable[Visitor], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for visitor in party:
            self.fields[self.field_name(visitor.pk)] = forms.CharField(
                label=_("Document number of %(name)s") % {"name": visitor.full_name},
                help_text=_registered_as(visitor),
                max_length=40,
                required=False,  # the service names whoever is missing
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )

    @staticmethod
    def field_name(visitor_id: int) -> str:
        return f"visitor_{visitor_id}"

    def documents(self) -> dict[int, str]:
        return {
            int(name.removeprefix("visitor_")): value for name, value in self.cleaned_data.items()
        }


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=BookingStatus.choices)

    def __init__(self, *args: object, current: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.current = current

    def clean_status(self) -> str:
        status: str = self.cleaned_data["status"]
        if status not in HALL_MOVES.get(self.current, ()):
            raise forms.ValidationError(
                _("A visit that is %(current)s cannot be marked %(new)s from the hall."),
                code="bad_transition",
                params={
                    "current": BookingStatus(self.current).label,
                    "new": BookingStatus(status).label,
                },
            )
        return status


class EndEarlyForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the visit was ended early"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The family sees this reason with their visit."),
    )


class PrisonerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Prisoner number or name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class OverrideForm(PartyForm):
    reason = forms.CharField(
        label=_("Why this visit may go past the allowance"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Recorded with the booking and in the audit trail."),
    )
