import secrets

# No 0/O, 1/I/L: a reference is read aloud over the phone and typed on a keypad.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8


def new_reference() -> str:
    """A short, random, non-sequential booking reference (31^8 ≈ 8.5e11 values)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_reference(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def format_reference(reference: str) -> str:
    return f"{reference[:4]}-{reference[4:]}"
