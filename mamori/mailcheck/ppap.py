"""PPAP pairing: a password-protected zip, then its password from the same sender shortly after.

Works on anything shaped like a Report (from_address, date, facts["encrypted_archives"],
facts["password_notice"]) so that the web history can pair stored results as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from .engine.catalog import signal_texts

DEFAULT_WINDOW = timedelta(hours=2)


class ReportLike(Protocol):
    from_address: str
    date: datetime | None
    facts: dict[str, Any]


@dataclass
class Pair:
    archive: Any  # the ReportLike with the encrypted zip
    password: Any  # the ReportLike carrying the password
    sender: str
    gap: timedelta
    archive_names: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> dict[str, str]:
        return dict(signal_texts()["ppap.pair"]["explanation"])

    @property
    def advice(self) -> dict[str, str]:
        return dict(signal_texts()["ppap.pair"]["advice"])

    @property
    def source(self) -> str:
        return str(signal_texts()["ppap.pair"]["source"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "gap_seconds": int(self.gap.total_seconds()),
            "archives": list(self.archive_names),
            "archive_message_id": getattr(self.archive, "message_id", ""),
            "password_message_id": getattr(self.password, "message_id", ""),
            "explanation": self.explanation,
            "advice": self.advice,
            "source": self.source,
        }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def pair(messages: Sequence[ReportLike], window: timedelta = DEFAULT_WINDOW) -> list[Pair]:
    """Each encrypted-archive mail paired with the first later password mail from its sender."""
    dated = [m for m in messages if m.date is not None and m.from_address]
    archives = [m for m in dated if m.facts.get("encrypted_archives")]
    passwords = [m for m in dated if m.facts.get("password_notice")]
    used: set[int] = set()
    pairs: list[Pair] = []
    for archive in sorted(archives, key=lambda m: _aware(m.date)):  # type: ignore[arg-type]
        start = _aware(archive.date)  # type: ignore[arg-type]
        candidates = sorted(
            (
                p
                for p in passwords
                if id(p) not in used
                and p is not archive
                and p.from_address.lower() == archive.from_address.lower()
                and timedelta(0) <= _aware(p.date) - start <= window  # type: ignore[arg-type]
            ),
            key=lambda m: _aware(m.date),  # type: ignore[arg-type]
        )
        if not candidates:
            continue
        match = candidates[0]
        used.add(id(match))
        pairs.append(
            Pair(
                archive=archive,
                password=match,
                sender=archive.from_address,
                gap=_aware(match.date) - start,  # type: ignore[arg-type]
                archive_names=list(archive.facts.get("encrypted_archives", [])),
            )
        )
    return pairs
