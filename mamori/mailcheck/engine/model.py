"""Data types of the mail analyser: what goes in (Context, Limits) and what comes out (Report)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SEVERITY_POINTS: dict[str, int] = {"info": 0, "low": 10, "medium": 25, "high": 60}
SEVERITY_ORDER: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3}

VERDICT_LABELS: dict[str, dict[str, str]] = {
    "safe": {"ja": "安全そう", "en": "Looks safe"},
    "caution": {"ja": "注意", "en": "Caution"},
    "danger": {"ja": "危険", "en": "Danger"},
}
VERDICT_RANK: dict[str, int] = {"safe": 0, "caution": 1, "danger": 2}

# Score thresholds. One high signal alone makes "danger"; two medium ones do as well only when
# they add up past the danger line (25 + 25 < 60 stays "caution", three do not).
CAUTION_SCORE = 20
DANGER_SCORE = 60


@dataclass(frozen=True)
class Limits:
    """Caps that keep one hostile mail from costing unbounded memory or time."""

    max_message_bytes: int = 40 * 1024 * 1024
    max_parts: int = 300
    max_mime_depth: int = 12
    max_header_bytes: int = 256 * 1024
    max_attachment_scan_bytes: int = 30 * 1024 * 1024
    max_office_scan_bytes: int = 20 * 1024 * 1024
    max_archive_entries: int = 500
    max_archive_total_bytes: int = 200 * 1024 * 1024
    max_archive_member_read_bytes: int = 8 * 1024 * 1024
    max_archive_depth: int = 3
    max_html_bytes: int = 1024 * 1024
    max_text_chars: int = 300_000
    max_links: int = 300
    time_budget_seconds: float = 3.0


@dataclass(frozen=True)
class Context:
    """What the organisation knows: its own and partner domains, and who it corresponds with."""

    trusted_domains: Sequence[str] = ()
    known_contacts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # brand name → its genuine domains, added to the built-in brand list.
    extra_brands: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Signal:
    id: str
    severity: str
    evidence: str
    explanation: Mapping[str, str]
    advice: Mapping[str, str]
    source: str
    title: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "title": dict(self.title),
            "evidence": self.evidence,
            "explanation": dict(self.explanation),
            "advice": dict(self.advice),
            "source": self.source,
        }


@dataclass
class Report:
    verdict: str
    score: int
    subject: str
    from_: str
    from_address: str
    date: datetime | None
    date_text: str
    message_id: str
    signals: list[Signal]
    # Facts other pieces need (PPAP pairing, replies): encrypted attachment names, password notice.
    facts: dict[str, Any] = field(default_factory=dict)
    source_name: str = ""

    @property
    def verdict_label(self) -> dict[str, str]:
        return VERDICT_LABELS[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source_name,
            "verdict": self.verdict,
            "verdict_label": dict(self.verdict_label),
            "score": self.score,
            "subject": self.subject,
            "from": self.from_,
            "from_address": self.from_address,
            "date": self.date.isoformat() if self.date else self.date_text,
            "message_id": self.message_id,
            "signals": [s.to_dict() for s in self.signals],
            "facts": {k: v for k, v in self.facts.items() if _jsonable(v)},
        }


def _jsonable(value: object) -> bool:
    return isinstance(value, str | int | float | bool | list | dict | type(None))


def score_and_verdict(signals: Sequence[Signal]) -> tuple[int, str]:
    """Score 0..100 from the signals' severities; any high signal means danger.

    Weak signals add up: two low ones make caution, and enough different medium ones danger.

    A passing SPF/DKIM/DMARC result never subtracts: most phishing passes for its own domain.
    """
    # Evidence accumulates across kinds of signal: five click-tracked links of one newsletter are
    # one reason, not five, so each signal id counts once, at its highest severity.
    # Lures of different categories (account on hold, parcel fee, ...) are different reasons.
    strongest: dict[str, int] = {}
    for signal in signals:
        points = SEVERITY_POINTS.get(signal.severity, 0)
        key = signal.id
        if key == "content.lure":
            key += signal.evidence.partition(":")[0]
        strongest[key] = max(points, strongest.get(key, 0))
    score = min(100, sum(strongest.values()))
    if score >= DANGER_SCORE or any(s.severity == "high" for s in signals):
        return max(score, DANGER_SCORE), "danger"
    if score >= CAUTION_SCORE or any(s.severity == "medium" for s in signals):
        return max(score, CAUTION_SCORE), "caution"
    return score, "safe"
