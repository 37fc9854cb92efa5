"""Phone numbers as families type them, for the SMS that must reach them.

Every number kept here receives SMS (sign-in codes, bookings, reminders), so a
landline is refused rather than "sent" a code nobody reads, and letters are
refused rather than mapped to keypad digits (phonenumbers would turn
``138 ABCD EFGH`` into someone else's number).
"""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What may stand in a typed number besides digits: + ( ) - . / and spaces.
_ALLOWED = re.compile(r"^[\d\s+()\-./]*$")
_MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_phone(raw: str, *, region: str = "CN") -> str:
    """Return the mobile number in E.164 form, or raise a clear error saying what is wrong."""
    typed = unicodedata.normalize("NFKC", raw or "").strip()  # full-width digits from an IME
    if not _ALLOWED.match(typed):
        raise ValidationError(
            _("A phone number has only digits. Remove the letters or other signs."),
            code="phone_letters",
        )
    try:
        parsed = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a phone number."), code="phone_invalid") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("This is not a phone number."), code="phone_invalid")
    if phonenumbers.number_type(parsed) not in _MOBILE:
        raise ValidationError(
            _(
                "This is not a mobile number. Codes and reminders come by SMS: give a mobile number."
            ),
            code="phone_not_mobile",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """A number shown back to someone who typed it: enough to recognise, not to read off."""
    return phone[:-8] + "****" + phone[-4:] if len(phone) > 8 else phone
