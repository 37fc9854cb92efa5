import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_phone(raw: str, *, region: str = "CN") -> str:
    """Return the number in E.164 form, or raise a clear error if it is not one."""
    try:
        parsed = phonenumbers.parse(raw or "", region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a phone number."), code="phone_invalid") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("This is not a phone number."), code="phone_invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
