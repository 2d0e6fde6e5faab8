"""Secrets at rest (a notification channel's SMTP password, a chat webhook URL): Fernet-encrypted
with a key derived from SECRET_KEY for one purpose. The database, or a backup of it, alone does
not reveal them. Rotating SECRET_KEY makes them unreadable: the owner enters them again."""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

PREFIX = "enc1:"


@cache
def _fernet(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(text: str, purpose: str) -> str:
    if not text:
        return ""
    return PREFIX + _fernet(settings.SECRET_KEY, purpose).encrypt(text.encode()).decode("ascii")


def decrypt(token: str, purpose: str) -> str:
    """The plain text; "" when nothing is stored or it cannot be read (the key changed)."""
    if not token:
        return ""
    if not token.startswith(PREFIX):
        return token  # written before encryption was introduced; re-saved encrypted
    try:
        return _fernet(settings.SECRET_KEY, purpose).decrypt(token[len(PREFIX) :].encode()).decode()
    except (InvalidToken, ValueError):
        return ""


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; Python code and forms see the plain text."""

    def __init__(self, *args: Any, purpose: str = "mamori.secret.v1", **kwargs: Any) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value, self.purpose) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value, self.purpose) if isinstance(value, str) else value
