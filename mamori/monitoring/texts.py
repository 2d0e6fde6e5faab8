"""Bilingual messages of the monitoring engine, loaded from mamori/content/monitoring/."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

MESSAGES_PATH = Path(__file__).resolve().parent.parent / "content" / "monitoring" / "messages.yaml"
LEVELS = ("none", "info", "caution", "danger")
MAX_EVIDENCE_ITEMS = 20
MAX_EVIDENCE_CHARS = 300


@dataclass(frozen=True)
class Reason:
    """One finding of the engine: a stable code, a level, texts in both languages, evidence."""

    code: str
    level: str
    ja: str
    en: str
    source: str
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "ja": self.ja,
            "en": self.en,
            "source": self.source,
            "evidence": list(self.evidence),
        }


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, Any]]:
    with MESSAGES_PATH.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return dict(data["messages"])


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def highest_level(levels: list[str] | tuple[str, ...]) -> str:
    return max(levels, key=level_rank, default="none")


def _clip(value: str) -> str:
    return value if len(value) <= MAX_EVIDENCE_CHARS else value[: MAX_EVIDENCE_CHARS - 1] + "…"


def reason(code: str, evidence: list[str] | tuple[str, ...] = (), **params: object) -> Reason:
    """The Reason for a message code, its placeholders filled with params."""
    entry = messages()[code]
    values = {key: str(value) for key, value in params.items()}
    return Reason(
        code=code,
        level=str(entry["level"]),
        ja=str(entry["ja"]).format_map(values),
        en=str(entry["en"]).format_map(values),
        source=str(entry["source"]),
        evidence=tuple(_clip(str(item)) for item in list(evidence)[:MAX_EVIDENCE_ITEMS]),
    )


def advice(level: str) -> Reason | None:
    """What to do first about a change of this level (§7.7, ホームページが書き換えられた)."""
    if level not in ("danger", "caution"):
        return None
    return reason(f"advice_{level}")
