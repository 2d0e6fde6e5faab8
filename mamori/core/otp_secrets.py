"""Two-step verification secrets at rest: TOTP seeds encrypted, recovery codes keyed-hashed.

django-otp stores a TOTP seed as hex text (``TOTPDevice.key``, at most 80 characters) and a
recovery code as its own text (``StaticToken.token``, at most 16). Both columns keep their
django-otp definition (no change to a third-party schema); ``install()`` (called from the core
app's ``ready()``) teaches the two fields to store:

* a seed as ``~`` + base64url(nonce ‖ AES-256-GCM(seed)), the key derived from SECRET_KEY for
  this one purpose (64 characters for the usual 20-byte seed); reading decrypts with SECRET_KEY
  or a key of SECRET_KEY_FALLBACKS. A seed no key opens reads as a random seed that matches no
  code (fail closed) and is written back unchanged, so fixing the key configuration restores it.
* a recovery code as ``~`` + key id + 14 characters of HMAC-SHA256(code): one-way, since a code
  is only ever compared, never shown again. A code made under a fallback key is still accepted
  (``StaticDevice.verify_token`` looks for every key's form).

Rows written before this existed are converted by core migration 0003; ``mamori rotate-keys``
re-encrypts seeds with the current key (recovery codes cannot be re-keyed: it counts those left
under an old key, which work until that key leaves the fallbacks).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .crypto import secret_keys

SEED_PURPOSE = b"mamori.otp.totp-seed.v1"
RECOVERY_PURPOSE = b"mamori.otp.recovery-code.v1"
MARK = "~"
SEED_COLUMN_CHARS = 80
RECOVERY_COLUMN_CHARS = 16


@cache
def _derive(secret_key: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret_key.encode()
    )


def _current_key() -> str:
    return secret_keys()[0]


# --- TOTP seeds --------------------------------------------------------------------------------


def is_sealed_seed(value: str) -> bool:
    return isinstance(value, str) and value.startswith(MARK)


def seal_seed(hex_seed: str, secret_key: str | None = None) -> str:
    """The stored form of a hex seed (ValueError when it does not fit the column)."""
    raw = binascii.unhexlify(hex_seed.encode("ascii"))
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(_derive(secret_key or _current_key(), SEED_PURPOSE)).encrypt(
        nonce, raw, SEED_PURPOSE
    )
    text = MARK + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")
    if len(text) > SEED_COLUMN_CHARS:
        raise ValueError("TOTP seed too long to store encrypted")
    return text


def open_seed_with(value: str, secret_key: str) -> str | None:
    """The hex seed if `value` was sealed with this key, else None."""
    body = value[len(MARK) :]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        raw = AESGCM(_derive(secret_key, SEED_PURPOSE)).decrypt(data[:12], data[12:], SEED_PURPOSE)
    except (InvalidTag, ValueError, binascii.Error):
        return None
    return binascii.hexlify(raw).decode("ascii")


class UnreadableSeed(str):
    """A random seed standing in for one no configured key opens; `stored` is written back."""

    stored: str

    def __new__(cls, stored: str) -> UnreadableSeed:
        instance = super().__new__(cls, secrets.token_hex(20))
        instance.stored = stored
        return instance


def open_seed(value: str) -> str:
    if not is_sealed_seed(value):
        return value  # written before sealing (converted by migration core 0003)
    for secret_key in secret_keys():
        seed = open_seed_with(value, secret_key)
        if seed is not None:
            return seed
    return UnreadableSeed(value)


def _seed_to_db(value: Any) -> Any:
    if isinstance(value, UnreadableSeed):
        return value.stored
    if not isinstance(value, str) or not value or is_sealed_seed(value):
        return value
    return seal_seed(value)


# --- recovery codes ----------------------------------------------------------------------------


def key_id(secret_key: str) -> str:
    digest = hmac.new(_derive(secret_key, RECOVERY_PURPOSE), b"key id", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[0]


def is_hashed_code(value: str) -> bool:
    return isinstance(value, str) and value.startswith(MARK) and len(value) == RECOVERY_COLUMN_CHARS


def hash_code(code: str, secret_key: str | None = None) -> str:
    """The stored form of a recovery code under one key (normalised: trimmed, lower case)."""
    secret_key = secret_key or _current_key()
    normalised = code.strip().lower().encode("utf-8")
    digest = hmac.new(_derive(secret_key, RECOVERY_PURPOSE), normalised, hashlib.sha256).digest()
    body = base64.urlsafe_b64encode(digest).decode("ascii")[: RECOVERY_COLUMN_CHARS - 2]
    return MARK + key_id(secret_key) + body


def code_forms(code: str) -> list[str]:
    """The stored forms the code may have (current key and every fallback)."""
    return [hash_code(code, key) for key in secret_keys()]


def current_key_id() -> str:
    return key_id(_current_key())


def _code_to_db(value: Any) -> Any:
    if not isinstance(value, str) or not value or is_hashed_code(value):
        return value
    return hash_code(value)


# --- wiring into django-otp --------------------------------------------------------------------


def _wrap_prep(field: Any, to_db: Any) -> None:
    original = type(field).get_prep_value

    def get_prep_value(value: Any) -> Any:
        return to_db(original(field, value))

    field.get_prep_value = get_prep_value


def _verify_recovery_code(self: Any, token: str) -> bool:
    """django-otp's StaticDevice.verify_token, looking for the code under every accepted key."""
    verify_allowed, _ = self.verify_is_allowed()
    if not verify_allowed:
        return False
    if not isinstance(token, str) or not token.strip():
        self.throttle_increment()
        return False
    match = self.token_set.filter(token__in=code_forms(token)).first()
    if match is None:
        self.throttle_increment()
        return False
    match.delete()
    self.throttle_reset(commit=False)
    self.set_last_used_timestamp(commit=False)
    self.save()
    return True


_installed: list[bool] = []


def install() -> None:
    """Make TOTPDevice.key and StaticToken.token store sealed values (idempotent)."""
    if _installed:
        return
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    seed_field = TOTPDevice._meta.get_field("key")
    _wrap_prep(seed_field, _seed_to_db)
    seed_field.from_db_value = lambda value, expression, connection: (  # type: ignore[attr-defined]
        open_seed(value) if isinstance(value, str) else value
    )
    code_field = StaticToken._meta.get_field("token")
    _wrap_prep(code_field, _code_to_db)
    StaticDevice.verify_token = _verify_recovery_code  # type: ignore[method-assign]
    _installed.append(True)
