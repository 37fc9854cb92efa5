"""Identity documents: validation, normalisation and masking.

Written here rather than taken from a library because no maintained package
validates both the GB 11643 resident ID and passport shapes together; the
check-digit rule itself is short and public.
"""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RESIDENT_ID = "resident_id"
PASSPORT = "passport"

_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"
_RESIDENT_ID_SHAPE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
# Nobody born before this visits: an earlier date is a typing error.
EARLIEST_BIRTH = dt.date(1900, 1, 1)
# ICAO 9303 allows up to 9 characters; real passports carry at least one digit.
_PASSPORT_SHAPE = re.compile(r"^(?=.*\d)[A-Z0-9]{6,9}$")


def resident_id_check_digit(first17: str) -> str:
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, _GB11643_WEIGHTS, strict=True)
    )
    return _GB11643_CHECK[total % 11]


def resident_id_birth_date(number: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(number[6:14], "%Y%m%d").date()
    except ValueError:
        return None


def normalize_document(document_type: str, raw: str) -> str:
    """Return the canonical form of a document number or raise a clear error."""
    # NFKC: full-width digits and letters from a Chinese input method become ASCII.
    number = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", raw or "")).upper()
    if document_type == RESIDENT_ID:
        return _validate_resident_id(number)
    if document_type == PASSPORT:
        if not _PASSPORT_SHAPE.match(number):
            raise ValidationError(
                _("A passport number has 6 to 9 letters and digits."), code="passport_shape"
            )
        return number
    raise ValidationError(_("Unknown identity document type."), code="document_type")


def _validate_resident_id(number: str) -> str:
    if re.fullmatch(r"\d{15}", number, flags=re.ASCII):
        raise ValidationError(
            _(
                "This is an old 15-digit resident ID number, which is no longer accepted. Enter the 18-digit number on the current card."
            ),
            code="resident_id_old",
        )
    if not _RESIDENT_ID_SHAPE.match(number):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a final digit or X."),
            code="resident_id_shape",
        )
    born = resident_id_birth_date(number)
    if born is None:
        raise ValidationError(
            _("The date of birth inside this resident ID number is not a real date."),
            code="resident_id_birth_date",
        )
    if born < EARLIEST_BIRTH:
        raise ValidationError(
            _("The date of birth inside this resident ID number is before 1900."),
            code="resident_id_birth_date",
        )
    if resident_id_check_digit(number[:17]) != number[17]:
        raise ValidationError(
            _("This resident ID number is mistyped: its last character does not match the rest."),
            code="resident_id_check_digit",
        )
    return number


def mask_document(number: str) -> str:
    """Show the first two and last four characters only, as on a printed receipt."""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 6) + number[-4:]
