"""Building Signal values from the catalogue of texts, and collecting them per mail."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from .catalog import signal_texts
from .model import SEVERITY_ORDER, Signal

MAX_SIGNALS = 200
MAX_PER_ID = 5


def make_signal(signal_id: str, evidence: str, severity: str | None = None) -> Signal:
    entry = signal_texts()[signal_id]
    return Signal(
        id=signal_id,
        severity=severity or str(entry["severity"]),
        evidence=evidence[:500],
        explanation=dict(entry["explanation"]),
        advice=dict(entry["advice"]),
        source=str(entry["source"]),
        title=dict(entry.get("title", {})),
    )


@dataclass
class Collector:
    """Signals of one mail; the same id and evidence is reported once."""

    deadline: float
    signals: list[Signal] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _per_id: dict[str, int] = field(default_factory=dict)
    _top: dict[str, int] = field(default_factory=dict)  # highest severity rank seen per id
    timed_out: bool = False

    def add(self, signal_id: str, evidence: str, severity: str | None = None) -> None:
        key = (signal_id, evidence)
        if key in self._seen or len(self.signals) >= MAX_SIGNALS:
            return
        # A few examples of one kind say enough; hundreds of the same would bury the rest.
        signal = make_signal(signal_id, evidence, severity)
        rank = SEVERITY_ORDER.get(signal.severity, 0)
        if self._per_id.get(signal_id, 0) >= MAX_PER_ID and rank <= self._top.get(signal_id, 0):
            return
        self._seen.add(key)
        self._per_id[signal_id] = self._per_id.get(signal_id, 0) + 1
        self._top[signal_id] = max(rank, self._top.get(signal_id, 0))
        self.signals.append(signal)

    def cap_severity(self, severity: str) -> None:
        """Lower every signal above `severity` to it (reports are never 危険 by themselves)."""
        top = SEVERITY_ORDER[severity]
        self.signals = [
            replace(s, severity=severity) if SEVERITY_ORDER.get(s.severity, 0) > top else s
            for s in self.signals
        ]

    def has(self, signal_id: str) -> bool:
        return any(s.id == signal_id for s in self.signals)

    def out_of_time(self) -> bool:
        if not self.timed_out and time.monotonic() > self.deadline:
            self.timed_out = True
        return self.timed_out

    def sorted(self) -> list[Signal]:
        return sorted(self.signals, key=lambda s: -SEVERITY_ORDER.get(s.severity, 0))
