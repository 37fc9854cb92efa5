"""People's names as they are typed, and as they are shown beside other text.

A name may carry invisible bidirectional controls (pasted, or typed to harm):
U+202E in a name turns the rest of a page's line or of an SMS backwards. They
have no place in a name, so they are removed at every entry; the joiners that
Arabic-script and Indic words use inside a word (U+200C, U+200D) stay. Long
stacks of combining marks (which paint over neighbouring lines) are cut to a few.
Where a name stands in a sentence it is isolated (FSI…PDI), so a right-to-left
name cannot reorder the words around it.
"""

import re
import unicodedata

# Embeddings, overrides, isolates, and the LRM/RLM/ALM marks.
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
)
MAX_COMBINING = 3
FSI, PDI = "\u2068", "\u2069"


def clean_name(raw: str) -> str:
    """A name without bidi controls, with at most MAX_COMBINING marks on a letter, one space
    between words."""
    text = unicodedata.normalize("NFC", raw or "").translate(_BIDI_CONTROLS)
    kept: list[str] = []
    marks = 0
    for char in text:
        marks = marks + 1 if unicodedata.combining(char) else 0
        if marks <= MAX_COMBINING:
            kept.append(char)
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def isolate(text: str) -> str:
    """Text set inside a sentence of another direction without reordering it (FSI…PDI)."""
    return f"{FSI}{text}{PDI}"
