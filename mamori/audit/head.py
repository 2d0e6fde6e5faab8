"""The audit trail's head, recorded outside the database.

After each committed event, one JSON line {"seq", "hash", "at"} is appended to the head file
(settings.AUDIT_HEAD_FILE, default DATA_DIR/audit-head.log, mode 0600). `mamori audit verify`
checks that the database still holds every recorded head: deleting the newest events, all of
them, or re-hashing the chain after a change shows up as a recorded head that is missing or
different. Backups record the head in their manifest too.

A re-key or a restore legitimately replaces the chain: it appends a "reset" line naming why;
heads recorded before the newest reset are not compared any more.

Writing the line happens after the commit and never fails the request: a process killed
between the two leaves the file one event behind, which verify accepts (it only requires the
database to hold what the file recorded, not the reverse).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

logger = logging.getLogger("mamori.audit")

_warned = False


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    at: datetime
    # "" for an event; "rekeyed" or "restored" for a reset line.
    reset: str = ""
    note: str = ""
    source: str = ""


def head_path() -> Path:
    return Path(settings.AUDIT_HEAD_FILE)


def _stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(seq: int, hash_: str, *, reset: str = "", note: str = "") -> None:
    """Append one line; a failure is logged (once per process) and otherwise ignored."""
    global _warned
    line: dict[str, object] = {"seq": seq, "hash": hash_, "at": _stamp()}
    if reset:
        line["reset"] = reset
    if note:
        line["note"] = note[:500]
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
    path = head_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)  # one write of one short line: appends never interleave
        finally:
            os.close(fd)
    except OSError as error:
        if not _warned:
            _warned = True
            logger.warning("audit head file %s cannot be written: %s", path, error)


def append_on_commit(seq: int, hash_: str, *, reset: str = "", note: str = "") -> None:
    transaction.on_commit(lambda: append(seq, hash_, reset=reset, note=note))


def parse_time(text: str) -> datetime | None:
    for pattern in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def read(path: Path | None = None) -> tuple[list[Head], int]:
    """Every readable line of the head file (in file order) and the number of unreadable ones."""
    path = path or head_path()
    heads: list[Head] = []
    bad = 0
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return [], 0
    with handle:
        for raw in _lines(handle):
            try:
                data = json.loads(raw)
                seq, hash_, at = int(data["seq"]), str(data["hash"]), parse_time(data["at"])
                if at is None or seq < 0 or len(hash_) != 64:
                    raise ValueError(raw)
                heads.append(
                    Head(
                        seq=seq,
                        hash=hash_,
                        at=at,
                        reset=str(data.get("reset", "")),
                        note=str(data.get("note", "")),
                        source=path.name,
                    )
                )
            except (ValueError, KeyError, TypeError):
                bad += 1
    return heads, bad


def _lines(handle) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    for raw in handle:
        raw = raw.strip()
        if raw:
            yield raw


def since_last_reset(heads: list[Head]) -> tuple[list[Head], Head | None]:
    """The heads that still apply: the newest reset line and everything after it."""
    last_reset: Head | None = None
    start = 0
    for index, head in enumerate(heads):
        if head.reset:
            last_reset, start = head, index
    return heads[start:], last_reset
