"""Database outages: one log line when the database becomes unreachable and one when it is back.

A web process or a worker that cannot reach its database would otherwise log a full traceback
per request or per poll. Every place that meets such an error calls report_unavailable(); the
next success calls report_available(). Each process keeps its own state (a change is logged once
per process), and the lines name the error class, never a traceback.

retry_on_outage() runs a short database write again, with backoff, until the database answers
or a deadline passes: a job's outcome or the record of a sent mail is not lost to a blip.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, InterfaceError, OperationalError, connection

logger = logging.getLogger("mamori.database")

T = TypeVar("T")

_lock = threading.Lock()
_down_since: float | None = None

RETRY_FIRST_DELAY = 0.25
RETRY_MAX_DELAY = 5.0


# PostgreSQL conditions that are about one transaction, not the database: a deadlock or a
# serialisation failure (class 40), a lock not granted (55P03), a cancelled statement (57014).
# They are reported as errors of that job or request, never as "the database is unreachable".
_TRANSACTION_STATES = ("40",)
_STATEMENT_STATES = frozenset({"55P03", "57014"})


def _sqlstate(error: BaseException) -> str:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and state:
            return state
        current = current.__cause__ or current.__context__
    return ""


def is_outage(error: BaseException) -> bool:
    """True for errors that mean "the database cannot be reached or cannot work right now"
    (connection refused or lost, server shutting down, locked, disk full), not for errors in
    the statement itself (integrity, bad data) or of one transaction (a deadlock)."""
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    state = _sqlstate(error)
    return not (state.startswith(_TRANSACTION_STATES) or state in _STATEMENT_STATES)


def is_disk_full(error: BaseException) -> bool:
    """True when the error says the disk is full (SQLite, PostgreSQL or the file system)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno == errno.ENOSPC:
            return True
        text = str(current).lower()
        if "database or disk is full" in text or "no space left on device" in text:
            return True
        if getattr(current, "sqlstate", None) == "53100":  # PostgreSQL disk_full
            return True
        current = current.__cause__ or current.__context__
    return False


def is_down() -> bool:
    return _down_since is not None


def _summary(error: BaseException) -> str:
    first_line = str(error).strip().split("\n", 1)[0]
    return f"{type(error).__name__}: {first_line}"[:300]


def report_unavailable(error: BaseException, where: str = "") -> bool:
    """Log that the database is unreachable, once until it is back. True if this call logged."""
    global _down_since
    with _lock:
        if _down_since is not None:
            return False
        _down_since = time.monotonic()
    logger.error(
        "データベースに接続できません / database unreachable%s (%s)",
        f" ({where})" if where else "",
        _summary(error),
    )
    return True


def report_available(since: float | None = None) -> bool:
    """Log that the database answers again, if it was reported down. True if this call logged.

    since: when (time.monotonic()) the work that succeeded began. Work that began before the
    outage was reported proves nothing about now (another thread may have seen the database go
    away meanwhile), so it does not end the outage.
    """
    global _down_since
    if _down_since is None:  # the common case: no lock, no log
        return False
    with _lock:
        if _down_since is None or (since is not None and since < _down_since):
            return False
        seconds = time.monotonic() - _down_since
        _down_since = None
    logger.warning(
        "データベースに再び接続できました / database reachable again after %.0f s", seconds
    )
    return True


def check_available() -> bool:
    """While an outage is reported, try the database once; log and return True if it is back."""
    if _down_since is None:
        return True
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        drop_connection()
        return False
    report_available()
    return True


def drop_connection() -> None:
    """Close this thread's connection after an outage error (the next query opens a new one)."""
    try:
        connection.close()
    except DatabaseError:
        pass


def retry_on_outage(
    write: Callable[[], T],
    *,
    deadline: float,
    what: str,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Run write() (a short, self-contained database change) until it succeeds.

    On an outage error the connection is dropped and write() runs again after a growing pause,
    until time.monotonic() passes deadline; then the last error is raised. Other errors are
    raised at once. write() must be safe to run again (conditional updates, keyed inserts).
    """
    delay = RETRY_FIRST_DELAY
    while True:
        try:
            result = write()
        except DatabaseError as error:
            if not is_outage(error) or connection.in_atomic_block:
                raise
            report_unavailable(error, what)
            drop_connection()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise
            sleep(min(delay, remaining))
            delay = min(delay * 2, RETRY_MAX_DELAY)
            continue
        report_available()
        return result
