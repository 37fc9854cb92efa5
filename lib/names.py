"""People's names as they are typed, and as they are shown beside other text.

A name may carry invisible bidirectional controls (pasted, or typed to harm):
U+202E in a name turns the rest of a page's line or of an SMS backwards. They,
and every other invisible format or control character (a byte-order mark, a
zero-width space, NUL), have no place in a name, so they are removed at every
entry; the joiners that Arabic-script and Indic words use inside a word (U+200C,
U+200D) stay. Long stacks of combining marks (which paint over neighbouring
lines) are cut to a few. What is left must hold a letter: a name of only
punctuation or joiners is no name, and is refused like an empty one.
Where a name stands in a sentence it is isolated (FSI…PDI), so a right-to-left
name cannot reorder the words around it.
"""

import re
import unicodedata

# The joiners that shape letters inside a word (Uyghur, Persian, Indic scripts).
_JOINERS = "\u200c\u200d"
MAX_COMBINING = 3
FSI, PDI = "\u2068", "\u2069"


def clean_name(raw: str) -> str:
    """A name without invisible controls, with at most MAX_COMBINING marks on a letter, one
    space between words; "" if no letter is left."""
    text = unicodedata.normalize("NFC", raw or "")
    kept: list[str] = []
    marks = 0
    for char in text:
        if _invisible(char):
            continue
        marks = marks + 1 if unicodedata.combining(char) else 0
        if marks <= MAX_COMBINING:
            kept.append(char)
    name = re.sub(r"\s+", " ", "".join(kept)).strip()
    return name if any(unicodedata.category(c).startswith("L") for c in name) else ""


def _invisible(char: str) -> bool:
    """Format characters (bidi controls, BOM, zero-width space) and control characters other
    than white space (which becomes one space), the shaping joiners excepted."""
    category = unicodedata.category(char)
    if category == "Cf":
        return char not in _JOINERS
    return category == "Cc" and not char.isspace()


def isolate(text: str) -> str:
    """Text set inside a sentence of another direction without reordering it (FSI…PDI)."""
    return f"{FSI}{text}{PDI}"
