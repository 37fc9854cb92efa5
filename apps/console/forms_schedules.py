"""Forms of the console's schedules: templates, slot capacity, closures and retirement.

They parse input only; the services in apps.facilities decide what is allowed.
"""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.facilities.models import Facility, Room, SessionTemplate, Terminal
from apps.policy.models import Level

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
REASON = forms.Textarea(attrs={"rows": 3})

# Service refusal codes (by prefix) and the field each one is about.
# Errors about the room or terminal, and overlaps, go above the form.
TEMPLATE_ERROR_FIELDS: dict[str, tuple[str, ...]] = {
    "weekday": ("weekday",),
    "end_time": ("ends_before_start",),
    "capacity": ("capacity",),
    "valid_to": ("validity",),
    "levels": ("levels",),
}
RETIRE_ERROR_FIELDS: dict[str, tuple[str, ...]] = {"reason": ("reason",)}
CAPACITY_ERROR_FIELDS: dict[str, tuple[str, ...]] = {
    "capacity": ("capacity",),
    "reason": ("reason",),
}
CLOSURE_ERROR_FIELDS: dict[str, tuple[str, ...]] = {"reason": ("reason",)}


class TemplateForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"), choices=SessionTemplate.Weekday.choices, coerce=int
    )
    start_time = forms.TimeField(label=_("Starts (local time)"), widget=TIME)
    end_time = forms.TimeField(label=_("Ends (local time)"), widget=TIME)
    room = forms.ModelChoiceField(
        label=_("Room (for in-person visits)"),
        queryset=Room.objects.none(),
        required=False,
        empty_label=_("No room"),
    )
    terminal = forms.ModelChoiceField(
        label=_("Terminal (for video visits)"),
        queryset=Terminal.objects.none(),
        required=False,
        empty_label=_("No terminal"),
    )
    capacity = forms.IntegerField(
        label=_("Capacity (visits at the same time)"),
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty for no end date."),
    )
    levels = forms.ModelMultipleChoiceField(
        label=_("Levels"),
        queryset=Level.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Levels that may use this time; none chosen means every level."),
    )

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every room and terminal of this facility: the service refuses one not
        # in use (unless the template already has it) with a clearer message.
        self.fields["room"].queryset = Room.objects.filter(facility=facility).order_by("name")  # type: ignore[attr-defined]
        self.fields["terminal"].queryset = Terminal.objects.filter(facility=facility).order_by(  # type: ignore[attr-defined]
            "name"
        )
        self.fields["levels"].queryset = Level.objects.filter(facility=facility)  # type: ignore[attr-defined]


def template_initial(template: SessionTemplate) -> dict[str, Any]:
    return {
        "weekday": template.weekday,
        "start_time": template.start_time,
        "end_time": template.end_time,
        "room": template.room_id,
        "terminal": template.terminal_id,
        "capacity": template.capacity,
        "valid_from": template.valid_from,
        "valid_to": template.valid_to,
        "levels": [level.pk for level in template.levels.all()],
    }


class LastDayForm(forms.Form):
    last_day = forms.DateField(label=_("Last day of visits"), widget=DATE)


class RetireForm(LastDayForm):
    last_day = forms.DateField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason (families whose visits are cancelled will see it)"),
        required=False,
        max_length=1000,
        widget=REASON,
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Capacity"), widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"})
    )
    reason = forms.CharField(
        label=_("Reason (families whose visits are cancelled will see it)"),
        max_length=1000,
        widget=REASON,
    )
    # Set once the officer has seen which bookings a cut cancels.
    confirmed = forms.CharField(required=False, widget=forms.HiddenInput)


class ClosureDateForm(forms.Form):
    date = forms.DateField(label=_("Date to close"), widget=DATE)

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facility = facility

    def clean_date(self) -> dt.date:
        # closure_create refuses it too; saying so before the confirmation saves a step.
        day: dt.date = self.cleaned_data["date"]
        if day < self.facility.local_today():
            raise forms.ValidationError(_("A date in the past cannot be closed."), code="past")
        return day


class ClosureForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (families whose visits are cancelled will see it)"),
        max_length=1000,
        widget=REASON,
    )
    # The booking references shown on the confirmation, to notice a change since.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)


class SlotFilterForm(forms.Form):
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
