"""The identity of one install: an id and a secret key that never enter the database.

The key file (`INSTALL_KEY_FILE`, default DATA_DIR/install_key, mode 0600) is created on first
use. Keys for single purposes are derived from it: the audit trail's chain key
(`mamori.audit`) and the key that signs backups (`mamori.core.backup`). Whoever can read only
the database, or only a backup, can therefore neither re-hash the audit trail nor make a backup
this install accepts as its own.

Several machines serving one PostgreSQL database share one key file (copy it; or point
MAMORI_INSTALL_KEY_FILE at the same content). Losing the file makes the audit trail
unverifiable and this install's backups foreign: keep a copy apart from the backups.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

INSTALL_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{3,63}")


class InstallKeyError(Exception):
    """The key file exists but cannot be used (damaged, wrong permissions, foreign content)."""


@dataclass(frozen=True)
class InstallIdentity:
    install_id: str
    secret: bytes = field(repr=False)

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose (HMAC-SHA256 of the purpose under the install key)."""
        return hmac.new(self.secret, f"mamori:{purpose}".encode(), hashlib.sha256).digest()


def _parse(text: str, path: Path) -> InstallIdentity:
    try:
        data = json.loads(text)
        install_id = str(data["install_id"])
        secret = bytes.fromhex(str(data["key"]))
    except (ValueError, KeyError, TypeError) as error:
        raise InstallKeyError(f"{path}: not a mamori install key file") from error
    if not INSTALL_ID_RE.fullmatch(install_id) or len(secret) < 32:
        raise InstallKeyError(f"{path}: not a mamori install key file")
    return InstallIdentity(install_id=install_id, secret=secret)


def _create(path: Path) -> None:
    """Write a new key file atomically; when another process won the race, keep theirs."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    content = json.dumps(
        {"install_id": f"mi-{secrets.token_hex(6)}", "key": secrets.token_hex(32)}, indent=1
    )
    partial = path.parent / f".{path.name}.{secrets.token_hex(4)}"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(content + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)  # fails when the file exists: never replaces a key
        except FileExistsError:
            pass
    finally:
        partial.unlink(missing_ok=True)


def load_identity(path: Path) -> InstallIdentity:
    """The identity kept in `path`, created on first use."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        _create(path)
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise InstallKeyError(f"{path}: {error}") from error
    return _parse(text, path)


@cache
def _cached(path: str) -> InstallIdentity:
    return load_identity(Path(path))


def install_identity() -> InstallIdentity:
    """This install's identity (Django settings decide where the file is)."""
    from django.conf import settings

    return _cached(str(settings.INSTALL_KEY_FILE))
