"""The family's own pages: home, profile, and asking to become a contact."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.bookings.models import ACTIVE_STATUSES
from apps.bookings.selectors import visits_of
from apps.people.models import Visitor
from apps.people.selectors import contacts_of, party_consents_of, prisoners_of
from apps.people.services import (
    contact_request_by_number,
    party_consent_give,
    party_consent_withdraw,
    visitor_register,
    visitor_set_language,
)
from apps.people.services.visitors import visitor_set_email
from apps.portal.decorators import FamilyRequest, family_required
from apps.portal.forms import ContactRequestForm, LanguageForm, PartyConsentForm, ProfileForm
from apps.portal.views.auth import remember_language
from lib.forms import add_service_error
from lib.limits import over_limit

PROFILE_ERROR_FIELDS = {
    "full_name": ("name",),
    "date_of_birth": ("birth_date",),
    "document_number": ("resident_id", "passport", "document"),
}


@family_required
def home(request: FamilyRequest, visitor: Visitor) -> HttpResponse:
    upcoming = visits_of(visitor).filter(status__in=ACTIVE_STATUSES).order_by("starts_at")[:5]
    return render(
        request,
        "portal/home.html",
        {
            "visitor": visitor,
            "prisoners": prisoners_of(visitor.pk),
            "requests": contacts_of(visitor.pk).exclude(status="approved"),
            "upcoming": upcoming,
        },
    )


@login_required
def profile(request: FamilyRequest) -> HttpResponse:
    visitor = Visitor.objects.filter(user=request.user).first()
    if visitor is not None:
        return _language(request, visitor)
    form = ProfileForm(request.POST or None, initial={"preferred_language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            visitor = visitor_register(
                actor=request.user,
                user=request.user,
                phone=request.user.get_username(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_error(form, exc, PROFILE_ERROR_FIELDS)
        else:
            messages.success(request, _("Your profile is saved. Now ask to visit your relative."))
            response = redirect("portal:contact_request")
            remember_language(response, visitor.preferred_language)
            return response
    return render(request, "portal/profile_new.html", {"form": form})


def _language(request: FamilyRequest, visitor: Visitor) -> HttpResponse:
    form = LanguageForm(
        request.POST or None,
        initial={"preferred_language": visitor.preferred_language, "email": visitor.email},
    )
    if request.method == "POST" and form.is_valid():
        visitor_set_language(
            actor=request.user, visitor=visitor, language=form.cleaned_data["preferred_language"]
        )
        visitor_set_email(actor=request.user, visitor=visitor, email=form.cleaned_data["email"])
        messages.success(request, _("Saved."))
        response = redirect("portal:profile")
        remember_language(response, visitor.preferred_language)
        return response
    return render(request, "portal/profile.html", {"form": form, "visitor": visitor})


@family_required
def contact_request(request: FamilyRequest, visitor: Visitor) -> HttpResponse:
    form = ContactRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_limit(request, "contact-lookup", value=str(visitor.pk), rate="10/h"):
            form.add_error(None, _("Too many tries. Please wait a while and try again."))
        else:
            data = form.cleaned_data
            try:
                contact_request_by_number(
                    actor=request.user,
                    visitor=visitor,
                    facility_id=data["facility"].pk,
                    number=data["prisoner_number"],
                    full_name=data["prisoner_name"],
                    relationship=data["relationship"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your request is sent. The prison will check it; you will see the answer here."
                    ),
                )
                return redirect("portal:home")
    return render(
        request, "portal/contact_request.html", {"form": form, "requests": contacts_of(visitor.pk)}
    )


@family_required
def party_consents(request: FamilyRequest, visitor: Visitor) -> HttpResponse:
    """Whose visits this visitor agreed to come to; agreeing to one more by its number."""
    form = PartyConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_limit(request, "party-consent", value=str(visitor.pk), rate="10/h"):
            form.add_error(None, _("Too many tries. Please wait a while and try again."))
        else:
            try:
                party_consent_give(
                    actor=request.user, member=visitor, host_phone=form.cleaned_data["phone"]
                )
            except ValidationError as exc:
                form.add_error("phone", exc)
            else:
                # The same words whether or not the number is a family's: nothing is learnt.
                messages.success(
                    request,
                    _(
                        "Saved. If this number belongs to a family registered here, "
                        "they can now choose you when they book a visit."
                    ),
                )
                return redirect("portal:party_consents")
    return render(
        request,
        "portal/party_consents.html",
        {"form": form, "consents": party_consents_of(visitor)},
    )


@family_required
@require_POST
def party_consent_withdraw_view(
    request: FamilyRequest, visitor: Visitor, consent_id: int
) -> HttpResponse:
    consent = get_object_or_404(party_consents_of(visitor), pk=consent_id)
    party_consent_withdraw(actor=request.user, consent=consent)
    messages.success(request, _("Withdrawn. They can no longer choose you for a new visit."))
    return redirect("portal:party_consents")
