from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.facilities.models import Facility
from apps.people.models import Relationship, Visitor

FAMILY_RELATIONSHIPS = [
    (value, label) for value, label in Relationship.choices if value != Relationship.LEGAL
]


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code from the SMS"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name, as on your identity document"), max_length=200)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    document_type = forms.ChoiceField(
        label=_("Identity document"), choices=Visitor.DocumentType.choices
    )
    document_number = forms.CharField(label=_("Document number"), max_length=30)
    preferred_language = forms.ChoiceField(
        label=_("Language for messages"), choices=settings.LANGUAGES
    )


class LanguageForm(forms.Form):
    preferred_language = forms.ChoiceField(
        label=_("Language for messages"), choices=settings.LANGUAGES
    )
    email = forms.EmailField(
        label=_("E-mail for messages (optional)"),
        required=False,
        help_text=_("Booking e-mails carry the visit as a calendar file."),
    )


class ContactRequestForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=_("Prison"), queryset=Facility.objects.order_by("name"), empty_label=None
    )
    prisoner_number = forms.CharField(label=_("Prisoner number"), max_length=30)
    prisoner_name = forms.CharField(label=_("Prisoner's full name"), max_length=200)
    relationship = forms.ChoiceField(
        label=_("You are the prisoner's"), choices=FAMILY_RELATIONSHIPS
    )


class PartyConsentForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number of the family member who books"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
