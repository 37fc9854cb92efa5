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

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models


def _derive(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        settings.IDENTITY_KEY.encode()
    )


@cache
def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"visitline identity encryption")))


def encrypt(plain: str) -> str:
    return _fernet(settings.IDENTITY_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.IDENTITY_KEY).decrypt(token.encode()).decode()


def digest(plain: str) -> str:
    key = _derive(b"visitline identity digest")
    return hmac.new(key, plain.encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.TextField):
    """Stores a Fernet token; Python code sees the plain value."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
