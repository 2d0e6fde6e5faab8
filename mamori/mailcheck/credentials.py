"""The report mailbox's password at rest: Fernet-encrypted with a key derived from SECRET_KEY.

The database (or a backup of it) alone does not reveal the password. Rotating SECRET_KEY makes
stored passwords unreadable: the owner enters the password again (the poll says so).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"mamori.mailcheck.imap-password.v1"


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode("ascii") if password else ""


def decrypt(token: str) -> str | None:
    """The password, "" when none is stored, None when it cannot be read (key changed)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


def masked(password: str | None) -> str:
    """What a page may show of a stored password: whether there is one, never its text."""
    return "••••••••" if password else ""
