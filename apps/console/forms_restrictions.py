"""Console forms for contact approvals, restrictions and the audit trail."""

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.facilities.models import Facility
from apps.people.models import Contact, Restriction, Visitor

REASON_REQUIRED = _("Write the reason; the family will see it.")


class RejectForm(forms.Form):
    """Turning down a contact request: the family is told why."""

    reason = forms.CharField(
        label=_("Reason the family will see"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": REASON_REQUIRED},
    )


class EndRestrictionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the restriction ends early"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write why the restriction ends early.")},
    )


# --- Choosing whom a restriction is on ---------------------------------------------------------

SEARCH_LIMIT = 20


def visitors_matching(facility: Facility, query: str) -> QuerySet[Visitor]:
    """Visitors with a contact at this facility whose name or phone contains the query."""
    query = query.strip()
    if not query:
        return Visitor.objects.none()
    digits = "".join(ch for ch in query if ch.isdigit())
    match = Q(full_name__icontains=query)
    if len(digits) >= 4:
        match |= Q(phone__contains=digits)
    return (
        Visitor.objects.filter(match, contacts__prisoner__facility=facility)
        .distinct()
        .order_by("full_name", "pk")
    )


def contacts_at(facility: Facility, visitors: list[Visitor]) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(visitor__in=visitors, prisoner__facility=facility)
        .select_related("visitor", "prisoner")
        .order_by("prisoner__number")
    )


def target_of(facility: Facility, value: str) -> Visitor | Contact | None:
    """A "visitor:<id>" or "contact:<id>" choice, looked up within this facility only."""
    kind, _sep, pk = (value or "").partition(":")
    if not pk.isdigit():
        return None
    if kind == "visitor":
        return Visitor.objects.filter(pk=pk, contacts__prisoner__facility=facility).first()
    if kind == "contact":
        return (
            Contact.objects.filter(pk=pk, prisoner__facility=facility)
            .select_related("visitor", "prisoner")
            .first()
        )
    return None


def _visitor_label(visitor: Visitor) -> str:
    return str(
        _("%(name)s (%(phone)s): every visit at this prison")
        % {"name": visitor.full_name, "phone": visitor.phone}
    )


def _contact_label(contact: Contact) -> str:
    return str(
        _("%(visitor)s → %(number)s %(prisoner)s only")
        % {
            "visitor": contact.visitor.full_name,
            "number": contact.prisoner.number,
            "prisoner": contact.prisoner.full_name,
        }
    )


def target_choices(facility: Facility, query: str, chosen: str = "") -> list[tuple[str, str]]:
    """Each matching visitor, then each of their contacts here; the chosen target always included."""
    visitors = list(visitors_matching(facility, query)[:SEARCH_LIMIT])
    by_visitor: dict[int, list[Contact]] = {}
    for contact in contacts_at(facility, visitors):
        by_visitor.setdefault(contact.visitor_id, []).append(contact)
    choices = []
    for visitor in visitors:
        choices.append((f"visitor:{visitor.pk}", _visitor_label(visitor)))
        choices += [(f"contact:{c.pk}", _contact_label(c)) for c in by_visitor.get(visitor.pk, [])]
    if chosen and chosen not in dict(choices):
        target = target_of(facility, chosen)
        if isinstance(target, Visitor):
            choices.insert(0, (chosen, _visitor_label(target)))
        elif isinstance(target, Contact):
            choices.insert(0, (chosen, _contact_label(target)))
    return choices


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class RestrictionForm(forms.Form):
    """Every field is required: whom, what, from when, until when, and why."""

    q = forms.CharField(required=False, widget=forms.HiddenInput)
    target = forms.ChoiceField(
        label=_("Who is restricted"),
        help_text=_(
            "Search above by name or phone, then choose the visitor or one of their contacts."
        ),
        error_messages={
            "required": _("Search for the visitor, then choose them or one of their contacts."),
            "invalid_choice": _("Choose the visitor or contact from the list."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Kind of restriction"),
        choices=[("", "---------"), *Restriction.Kind.choices],
        error_messages={"required": _("Choose the kind of restriction.")},
    )
    starts_at = forms.DateTimeField(
        label=_("From"),
        widget=LocalDateTimeInput(),
        error_messages={"required": _("Enter when the restriction starts.")},
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        widget=LocalDateTimeInput(),
        error_messages={
            "required": _("Enter when the restriction ends; every one is time-limited.")
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Written down and kept in the audit trail."),
        error_messages={"required": _("A restriction needs a written reason.")},
    )

    def __init__(self, *args: Any, facility: Facility, query: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facility = facility
        chosen = (
            str(self.data.get("target", "")) if self.is_bound else self.initial.get("target", "")
        )
        choice_field = self.fields["target"]
        assert isinstance(choice_field, forms.ChoiceField)
        choice_field.choices = [("", "---------"), *target_choices(facility, query, chosen)]
        zone_help = _("In the prison's time (%(zone)s).") % {"zone": facility.time_zone}
        self.fields["starts_at"].help_text = zone_help
        self.fields["ends_at"].help_text = zone_help

    def full_clean(self) -> None:
        # Times typed by the officer are wall-clock times at the prison, not the server's.
        with timezone.override(self.facility.zone):
            super().full_clean()

    def target_object(self) -> Visitor | Contact | None:
        return target_of(self.facility, self.cleaned_data["target"])


# --- Filtering the audit trail -----------------------------------------------------------------

_SENSIBLE_DATES = [
    MinValueValidator(dt.date(2000, 1, 1)),
    MaxValueValidator(dt.date(2999, 12, 31)),
]


class AuditFilterForm(forms.Form):
    target_type = forms.CharField(label=_("Record type"), required=False, max_length=64)
    target_id = forms.CharField(label=_("Record number"), required=False, max_length=64)
    actor = forms.CharField(label=_("Who (username contains)"), required=False, max_length=150)
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From (date)"),
        required=False,
        validators=_SENSIBLE_DATES,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("To (date, included)"),
        required=False,
        validators=_SENSIBLE_DATES,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
