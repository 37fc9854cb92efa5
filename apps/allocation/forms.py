"""Forms for request windows and requests; the services hold the rules, the forms the shapes."""

import datetime as dt

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from apps.allocation import solver
from apps.facilities.models import Facility, Slot
from apps.policy.kinds import VisitKind

# Labels per position, whole words so that each language can write its own ordinals.
CHOICE_LABELS = [
    _("First choice"),
    _("Second choice"),
    _("Third choice"),
    _("Fourth choice"),
    _("Fifth choice"),
]


def slot_label(slot: Slot) -> str:
    start, end = slot.local_start, slot.local_end
    place = slot.room or slot.terminal
    day = formats.date_format(start, "D DATE_FORMAT")
    return f"{day} {start:%H:%M}–{end:%H:%M} · {place}"


class RequestForm(forms.Form):
    """Ranked times (the first required) and who comes."""

    visitors = forms.TypedMultipleChoiceField(
        label=_("Who is coming"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: object,
        slots: list[Slot],
        max_choices: int,
        party: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        options = [("", _("No further choice"))] + [(s.pk, slot_label(s)) for s in slots]
        for i in range(max_choices):
            self.fields[f"choice_{i + 1}"] = forms.TypedChoiceField(
                label=CHOICE_LABELS[i],
                choices=options[1:] if i == 0 else options,
                coerce=int,
                required=i == 0,
                empty_value=None,
            )
        self.fields["visitors"].choices = party  # type: ignore[attr-defined]
        self.order_fields([f"choice_{i + 1}" for i in range(max_choices)] + ["visitors"])
        self.max_choices = max_choices

    def slot_ids(self) -> list[int]:
        picked = (self.cleaned_data.get(f"choice_{i + 1}") for i in range(self.max_choices))
        return [pk for pk in picked if pk is not None]


class WindowForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of visit"),
        choices=[(k, VisitKind(k).label) for k in (VisitKind.IN_PERSON, VisitKind.VIDEO)],
    )
    first_day = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    max_choices = forms.IntegerField(
        label=_("Times a family may rank"), min_value=1, max_value=solver.MAX_CHOICES, initial=3
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if isinstance(first, dt.date) and isinstance(last, dt.date) and last < first:
            self.add_error("last_day", _("The last day must not be before the first day."))
        return data


class ModeForm(forms.Form):
    booking_mode = forms.ChoiceField(label=_("Booking mode"), choices=Facility.BookingMode.choices)


WINDOW_ERROR_FIELDS: dict[str, tuple[str, ...]] = {
    "kind": ("kind",),
    "last_day": ("days_order",),
    "max_choices": ("max_",),
}
REQUEST_ERROR_FIELDS: dict[str, tuple[str, ...]] = {
    "visitors": ("party", "contact", "unknown_visitor", "legal")
}
