"""The report mailbox's password at rest: Fernet-encrypted with a key derived from SECRET_KEY.

The database (or a backup of it) alone does not reveal the password. A value written with a key
listed in SECRET_KEY_FALLBACKS stays readable; ``mamori rotate-keys`` re-encrypts it with the
current key. Without the old key a stored password is unreadable: the owner enters it again (the
poll says so).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"mamori.mailcheck.imap-password.v1"


def _fernet(secret_key: str | None = None) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        (secret_key or settings.SECRET_KEY).encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(password: str, secret_key: str | None = None) -> str:
    return _fernet(secret_key).encrypt(password.encode()).decode("ascii") if password else ""


def decrypt_with(token: str, secret_key: str) -> str | None:
    """The password if the token was written with this key, else None."""
    try:
        return _fernet(secret_key).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


def decrypt(token: str) -> str | None:
    """The password, "" when none is stored, None when it cannot be read (key changed)."""
    if not token:
        return ""
    for secret_key in [settings.SECRET_KEY, *(settings.SECRET_KEY_FALLBACKS or [])]:
        password = decrypt_with(token, secret_key)
        if password is not None:
            return password
    return None


def masked(password: str | None) -> str:
    """What a page may show of a stored password: whether there is one, never its text."""
    return "••••••••" if password else ""
