"""Secrets at rest (a notification channel's SMTP password, a chat webhook URL): Fernet-encrypted
with a key derived from SECRET_KEY for one purpose. The database, or a backup of it, alone does
not reveal them.

Key rotation: set the new MAMORI_SECRET_KEY, list the old one in MAMORI_SECRET_KEY_FALLBACKS
(values written with it stay readable), run ``mamori rotate-keys`` (re-encrypts every encrypted
column with the new key, see ``mamori.core.rotate``), then drop the fallback."""

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


def secret_keys() -> list[str]:
    """The current SECRET_KEY first, then the fallbacks still accepted for reading."""
    return [settings.SECRET_KEY, *(getattr(settings, "SECRET_KEY_FALLBACKS", None) or [])]


def encrypt(text: str, purpose: str, secret_key: str | None = None) -> str:
    if not text:
        return ""
    fernet = _fernet(secret_key or settings.SECRET_KEY, purpose)
    return PREFIX + fernet.encrypt(text.encode()).decode("ascii")


def decrypt_with(token: str, purpose: str, secret_key: str) -> str | None:
    """The plain text of a value written with this key, else None."""
    try:
        return _fernet(secret_key, purpose).decrypt(token[len(PREFIX) :].encode()).decode()
    except (InvalidToken, ValueError):
        return None


def decrypt(token: str, purpose: str) -> str:
    """The plain text; "" when nothing is stored or it cannot be read (the key changed)."""
    if not token:
        return ""
    if not token.startswith(PREFIX):
        return token  # written before encryption was introduced; re-saved encrypted
    for secret_key in secret_keys():
        plain = decrypt_with(token, purpose, secret_key)
        if plain is not None:
            return plain
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
