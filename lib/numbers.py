"""Prison numbers as staff and families type them: one form to store and to match.

NFKC turns full-width letters and digits (a Chinese input method) into ASCII; upper
case makes ``h3fw1`` match. A number is also a URL path segment of the API, so
only letters, digits and hyphens are allowed: a "/" could never be read back.
"""

import re
import unicodedata

_ALLOWED = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")


def normalize_prisoner_number(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw or "").strip().upper()


def is_prisoner_number(number: str) -> bool:
    """Whether a normalised number has only the characters a number may hold."""
    return bool(_ALLOWED.match(number))
