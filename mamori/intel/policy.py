"""From a matched advisory to a finding's severity, due date and decision key (pure functions).

The due date is the KEV due date when the advisory is in the KEV catalogue (CISA's deadline for
known-exploited flaws), otherwise the organisation's policy by severity (default critical 7
days, high 14, medium 30, low 90). Handbook §5.2 and the case データベースに不正アクセスされた:
a delay of days in patching a known framework flaw was enough to be breached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from mamori.intel.model import Advisory, MatchCriterion

REMEDIATION_FILE = Path(__file__).resolve().parents[1] / "content" / "intel" / "remediation.yaml"

SEVERITIES = ("none", "low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class DuePolicy:
    critical_days: int = 7
    high_days: int = 14
    medium_days: int = 30
    low_days: int = 90

    def days_for(self, severity: str) -> int:
        return {
            "critical": self.critical_days,
            "high": self.high_days,
            "medium": self.medium_days,
        }.get(severity, self.low_days)


def _from_score(score: float) -> str:
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low" if score > 0 else "none"


def severity_of(advisory: Advisory) -> str:
    """ "critical" … "none" from the newest CVSS; a KEV entry is at least "high" (it is being
    exploited), and "critical" when it is known to be used by ransomware."""
    best = advisory.best_cvss()
    severity = "medium"  # unknown score: not ignorable, not alarming
    if best is not None and best.score is not None:
        severity = _from_score(best.score)
    elif best is None and advisory.cvss:
        named = advisory.cvss[0].severity.lower()
        severity = named if named in SEVERITIES else severity
    if advisory.kev is not None:
        floor = "critical" if advisory.kev.ransomware else "high"
        if SEVERITIES.index(severity) < SEVERITIES.index(floor):
            severity = floor
    return severity


def due_date(advisory: Advisory, *, found_on: dt.date, policy: DuePolicy | None = None) -> dt.date:
    """When the fix is due. A KEV due date already in the past means "today"."""
    if advisory.kev is not None and advisory.kev.due_date is not None:
        return max(advisory.kev.due_date, found_on)
    days = (policy or DuePolicy()).days_for(severity_of(advisory))
    return found_on + dt.timedelta(days=days)


def decision_key(advisory_id: str, item_id: str, version: str) -> str:
    """Stable key for a "not affected" / "patched" decision.

    The version is part of the key, so a decision about version X is remembered across
    re-imports but never hides the same advisory for version Y of the same item.
    """
    raw = "\x1f".join((advisory_id.strip().upper(), item_id.strip(), version.strip().lower()))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


@lru_cache(maxsize=1)
def _remediation_texts() -> dict:
    with REMEDIATION_FILE.open(encoding="utf-8") as handle:
        loaded = yaml.safe_load(handle)
    return loaded if isinstance(loaded, dict) else {}


def fixed_version(criterion: MatchCriterion | None) -> str | None:
    """The first version outside the affected range, when the range ends with "before X"."""
    return criterion.version_end_excluding if criterion is not None else None


def remediation(
    advisory: Advisory, criterion: MatchCriterion | None, product: str
) -> dict[str, str]:
    """What to do, in both languages: update target, urgency for KEV, stop-gaps, source.

    `criterion` is the matched criterion (None for a name-only match); `product` is how the
    product is named to the reader.
    """
    texts = _remediation_texts()
    parts: list[dict[str, str]] = []
    if criterion is None:
        parts.append(texts["check_first"])
    if criterion is not None and criterion.version_end_excluding:
        parts.append(
            _fill(texts["update_to_fixed"], product=product, fixed=criterion.version_end_excluding)
        )
    elif criterion is not None and criterion.version_end_including:
        parts.append(
            _fill(texts["update_past"], product=product, last=criterion.version_end_including)
        )
    else:
        parts.append(texts["update_generic"])
    if advisory.kev is not None:
        parts.append(texts["exploited"])
    parts.append(texts["stopgap"])
    parts.append(texts["citation"])
    return {lang: "\n".join(part[lang] for part in parts) for lang in ("ja", "en")}


def _fill(entry: dict[str, str], **values: str) -> dict[str, str]:
    return {lang: entry[lang].format(**values) for lang in ("ja", "en")}
