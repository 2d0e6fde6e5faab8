"""Uploaded import files waiting for the user's confirmation, kept on disk (not in the session)
under DATA_DIR/imports, bound to the organisation and user, and removed after a day."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from mamori.core.files import private_directory, write_private

MAX_AGE_SECONDS = 24 * 60 * 60


def _folder() -> Path:
    return private_directory(Path(settings.DATA_DIR) / "imports")


def _sweep(folder: Path) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for item in folder.iterdir():
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
        except OSError:
            continue


def keep(data: bytes, meta: dict[str, Any]) -> str:
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(16)
    # 0600 from the first byte: an import holds the organisation's staff and accounts.
    write_private(folder / f"{token}.bin", data)
    write_private(folder / f"{token}.json", json.dumps(meta).encode())
    return token


def take(token: str, expected: dict[str, Any]) -> tuple[bytes, dict[str, Any]] | None:
    """The kept file, if the token is valid and belongs to the same organisation and user."""
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if any(meta.get(k) != v for k, v in expected.items()):
        return None
    return data, meta


def discard(token: str) -> None:
    folder = _folder()
    for suffix in (".bin", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)
