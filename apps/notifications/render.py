"""A message's words, in the recipient's language: whole sentences, filled in at sending time."""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from apps.notifications.models import Message
from lib.names import isolate
from lib.references import format_reference

K = Message.Kind
_TEXTS: dict[str, StrOrPromise] = {
    K.BOOKED: _(
        "Visitline: your visit with %(prisoner)s at %(facility)s is booked for %(when)s. Reference %(reference)s."
    ),
    K.CANCELLED_BY_FAMILY: _(
        "Visitline: your visit with %(prisoner)s on %(when)s is cancelled, as you asked. Reference %(reference)s."
    ),
    K.CANCELLED_BY_PRISON: _(
        "Visitline: %(facility)s has cancelled your visit with %(prisoner)s on %(when)s. Reason: %(reason)s"
    ),
    K.CONTACT_APPROVED: _("Visitline: you may now book visits with %(prisoner)s."),
    K.CONTACT_REJECTED: _(
        "Visitline: your request to visit %(prisoner)s was not approved. Reason: %(reason)s"
    ),
    K.CONTACT_UNANSWERED: _(
        "Visitline: the prison did not answer your request to visit %(prisoner)s in time, so it is closed. You may ask again."
    ),
    K.VISIT_STARTING: _(
        "Visitline: your video visit with %(prisoner)s is about to start. Join here: %(link)s"
    ),
    K.ENDED_EARLY: _(
        "Visitline: your visit with %(prisoner)s on %(when)s was ended early. Reason: %(reason)s"
    ),
    K.TIME_REFUNDED: _(
        "Visitline: %(minutes)s minutes lost from your visit with %(prisoner)s were given back."
    ),
    K.REMINDER_DAY_BEFORE: _(
        "Visitline reminder: your visit with %(prisoner)s at %(facility)s is at %(when)s. Reference %(reference)s. Bring the original identity document of every adult."
    ),
    K.REMINDER_SOON: _(
        "Visitline reminder: your visit with %(prisoner)s starts at %(when)s. Reference %(reference)s."
    ),
    K.WAITLIST_OFFER: _(
        "Visitline: a seat for a visit with %(prisoner)s on %(when)s is held for you until %(until)s. Accept it here: %(link)s"
    ),
    K.REQUEST_NOT_MET: _(
        "Visitline: your request for a visit with %(prisoner)s could not be met this time. See why, and join the waitlist: %(link)s"
    ),
}
# A video visit's reminder carries its join link.
_VIDEO_REMINDER: dict[str, StrOrPromise] = {
    K.REMINDER_DAY_BEFORE: _(
        "Visitline reminder: your video visit with %(prisoner)s is at %(when)s. Join from this page: %(link)s"
    ),
    K.REMINDER_SOON: _(
        "Visitline reminder: your video visit with %(prisoner)s starts at %(when)s. Join here: %(link)s"
    ),
}
# A prison's cancellation because it closed the time says so.
_CLOSURE = _(
    "Visitline: there are no visits at %(facility)s at %(when)s, so your visit with %(prisoner)s is cancelled. Reason: %(reason)s"
)
SUBJECT = _("A message about your visit from Visitline")
_BARE = {"link", "when", "reference"}


def message_text(message: Message) -> str:
    with translation.override(message.language):
        context = _context(message)
        text = _TEXTS[message.kind]
        booking = message.booking
        if booking is not None and booking.kind == "video" and message.kind in _VIDEO_REMINDER:
            text = _VIDEO_REMINDER[message.kind]
        if message.kind == K.CANCELLED_BY_PRISON and message.params.get("closure"):
            text = _CLOSURE
        return str(text) % _Defaulting(context)


def message_subject(message: Message) -> str:
    with translation.override(message.language):
        return str(SUBJECT)


def _context(message: Message) -> dict[str, Any]:
    context: dict[str, Any] = {}
    booking = message.booking
    if booking is not None:
        zone = booking.facility.zone
        context.update(
            prisoner=booking.prisoner.full_name,
            facility=booking.facility.name,
            when=f"{booking.starts_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})",
            reference=format_reference(booking.reference),
            link=site_link(reverse("portal:visit", args=[booking.reference])),
        )
    context.update(message.params)
    if "reference" in message.params:
        context["reference"] = format_reference(message.params["reference"])
    # Names and people's words are isolated, so a right-to-left one (or one carrying a
    # stray control) cannot reorder the sentence around it; links stay bare for the phone.
    return {
        key: isolate(value) if isinstance(value, str) and key not in _BARE else value
        for key, value in context.items()
    }


def site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class _Defaulting(dict[str, Any]):
    """A missing detail reads as a dash rather than stopping the message."""

    def __missing__(self, key: str) -> str:
        return "-"
