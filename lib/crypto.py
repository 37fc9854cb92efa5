"""Encryption at rest for identity document numbers.

A small Fernet field rather than a third-party encrypted-field package: the
maintained ones either lack Django 5.2 support or encrypt deterministically,
which would let anyone with the database compare numbers. A keyed digest
beside the ciphertext serves uniqueness and lookups instead.
"""

import base64
import hashlib
import hmac
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


@cache
def _fernet(current: str, previous: tuple[str, ...]) -> MultiFernet:
    """Encrypts with the current key; still reads what older keys wrote."""
    keys = (current, *previous)
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(_derive(key, b"visitline identity encryption")))
            for key in keys
        ]
    )


def _cipher() -> MultiFernet:
    return _fernet(settings.IDENTITY_KEY, tuple(settings.IDENTITY_PREVIOUS_KEYS))


def encrypt(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    return _cipher().decrypt(token.encode()).decode()


@cache
def _digest_key(secret: str) -> bytes:
    return _derive(secret, b"visitline identity digest")


def digest(plain: str) -> str:
    return hmac.new(
        _digest_key(settings.IDENTITY_DIGEST_KEY), plain.encode(), hashlib.sha256
    ).hexdigest()


class EncryptedCharField(models.TextField):
    """Stores a Fernet token; Python code sees the plain value."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
