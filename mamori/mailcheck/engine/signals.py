"""Building Signal values from the catalogue of texts, and collecting them per mail."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .catalog import signal_texts
from .model import SEVERITY_ORDER, Signal


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
    timed_out: bool = False

    def add(self, signal_id: str, evidence: str, severity: str | None = None) -> None:
        key = (signal_id, evidence)
        if key in self._seen or len(self.signals) >= 200:
            return
        self._seen.add(key)
        self.signals.append(make_signal(signal_id, evidence, severity))

    def has(self, signal_id: str) -> bool:
        return any(s.id == signal_id for s in self.signals)

    def out_of_time(self) -> bool:
        if not self.timed_out and time.monotonic() > self.deadline:
            self.timed_out = True
        return self.timed_out

    def sorted(self) -> list[Signal]:
        return sorted(self.signals, key=lambda s: -SEVERITY_ORDER.get(s.severity, 0))
