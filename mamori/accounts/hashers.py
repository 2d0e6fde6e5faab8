"""Argon2 with a bound on how many hashes run at once in this process.

Each Argon2 hash takes tens of megabytes of memory for a moment; without a bound, a burst of
sign-ins (or an attacker's) multiplies that by the number of server threads. A hash waits up to
MAMORI_PASSWORD_HASH_WAIT_SECONDS for a free slot among MAMORI_PASSWORD_HASH_CONCURRENCY, then
gives up with PasswordHasherBusy: the user is asked to try again in a moment (a translated
message, HTTP 503) instead of the server running out of memory.

The stored format is Django's own "argon2$…", so existing hashes verify unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils.translation import gettext


class PasswordHasherBusy(Exception):
    """Every hashing slot stayed taken for the whole wait."""


def busy_message() -> str:
    return gettext("The server is busy checking other sign-ins. Wait a few seconds and try again.")


_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def slots() -> threading.BoundedSemaphore:
    """The process-wide semaphore for the configured concurrency (one per configured size)."""
    size = max(1, int(settings.PASSWORD_HASH_CONCURRENCY))
    with _lock:
        if size not in _slots:
            _slots[size] = threading.BoundedSemaphore(size)
        return _slots[size]


_in_use = 0
_peak = 0


def peak_in_use(reset: bool = False) -> int:
    """The most hashes that ran at once in this process (since start or the last reset)."""
    global _peak
    with _lock:
        peak = _peak
        if reset:
            _peak = _in_use
    return peak


@contextmanager
def hashing_slot() -> Iterator[None]:
    global _in_use, _peak
    semaphore = slots()
    if not semaphore.acquire(timeout=max(0.0, float(settings.PASSWORD_HASH_WAIT_SECONDS))):
        raise PasswordHasherBusy
    with _lock:
        _in_use += 1
        _peak = max(_peak, _in_use)
    try:
        yield
    finally:
        with _lock:
            _in_use -= 1
        semaphore.release()


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    def encode(self, password: str, salt: str) -> str:
        with hashing_slot():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with hashing_slot():
            return super().verify(password, encoded)

    def harden_runtime(self, password: str, encoded: str) -> Any:
        with hashing_slot():
            return super().harden_runtime(password, encoded)
