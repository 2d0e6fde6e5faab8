"""Uploaded import files waiting for the user's confirmation, kept in the file storage (not in the
session) under imports/, bound to the organisation and user, and removed after a day.

They go through Django's default storage so that the confirming request may land on another node
than the preview (a shared folder or an S3-compatible bucket, settings.STORAGES). On the local
storage the files are written 0600 from the first byte (mamori.core.storage, FILE_UPLOAD_PERMISSIONS):
an import holds the organisation's staff and accounts."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

MAX_AGE_SECONDS = 24 * 60 * 60
FOLDER = "imports"


def _name(token: str, suffix: str) -> str:
    return f"{FOLDER}/{token}{suffix}"


def _sweep() -> None:
    """Remove kept files older than a day (imports never confirmed)."""
    cutoff = timezone.now() - timedelta(seconds=MAX_AGE_SECONDS)
    try:
        _, files = default_storage.listdir(FOLDER)
    except (OSError, ValueError):
        return  # no folder yet
    for file_name in files:
        name = f"{FOLDER}/{file_name}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
        except (OSError, ValueError):
            continue


def keep(data: bytes, meta: dict[str, Any]) -> str:
    _sweep()
    token = secrets.token_urlsafe(16)
    # The data first: a .json that exists always has its file.
    default_storage.save(_name(token, ".bin"), ContentFile(data))
    default_storage.save(_name(token, ".json"), ContentFile(json.dumps(meta).encode()))
    return token


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def take(token: str, expected: dict[str, Any]) -> tuple[bytes, dict[str, Any]] | None:
    """The kept file, if the token is valid and belongs to the same organisation and user."""
    if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    try:
        meta = json.loads(_read(_name(token, ".json")))
        data = _read(_name(token, ".bin"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or any(meta.get(k) != v for k, v in expected.items()):
        return None
    return data, meta


def discard(token: str) -> None:
    if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return
    for suffix in (".bin", ".json"):
        default_storage.delete(_name(token, suffix))
