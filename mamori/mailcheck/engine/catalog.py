"""The data files under mamori/content/mailcheck: signal texts, brands, lure phrases."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content" / "mailcheck"


@functools.cache
def _load(name: str) -> Any:
    # The C loader (libyaml) reads the brand catalogue in a tenth of the pure-Python time.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (CONTENT_DIR / name).open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader


@functools.cache
def signal_texts() -> dict[str, dict[str, Any]]:
    data = _load("signals.yaml")
    return {k: v for k, v in data.items() if not k.startswith("_")}


@dataclass(frozen=True)
class Brand:
    id: str
    kind: str
    names: tuple[str, ...]
    tokens: tuple[str, ...]
    domains: tuple[str, ...]
    # Names that are also everyday English words ("LINE" in "credit line"), and phrases that show
    # the mail speaks of the brand's service (see Environment.brands_named_in).
    word_names: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()

    @property
    def norm_names(self) -> tuple[str, ...]:
        return _norm_names(self.names)


@functools.lru_cache(maxsize=4096)
def _norm_names(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFKC", n).lower() for n in names)


@functools.cache
def brands() -> tuple[Brand, ...]:
    items = _load("brands.yaml")["brands"]
    return tuple(
        Brand(
            id=str(item["id"]),
            kind=str(item.get("kind", "")),
            names=tuple(str(n) for n in item.get("names", [])),
            tokens=tuple(str(t).lower() for t in item.get("tokens", [])),
            domains=tuple(str(d).lower() for d in item.get("domains", [])),
            word_names=tuple(str(n) for n in item.get("word_names", [])),
            cues=tuple(str(c).lower() for c in item.get("cues", [])),
        )
        for item in items
    )


@functools.cache
def shorteners() -> frozenset[str]:
    return frozenset(str(d).lower() for d in _load("brands.yaml").get("shorteners", []))


@functools.cache
def free_mail() -> frozenset[str]:
    """Free web-mail domains: a company writing from one deserves a second look."""
    return frozenset(str(d).lower() for d in _load("brands.yaml").get("free_mail", []))


@functools.cache
def free_hosting() -> frozenset[str]:
    """Free hosting, form and file services often abused for phishing pages."""
    return frozenset(str(d).lower() for d in _load("brands.yaml").get("free_hosting", []))


@functools.cache
def lure_patterns() -> dict[str, re.Pattern[str]]:
    """One compiled alternation per lure category."""
    data = _load("lures.yaml")
    return {
        category: re.compile("|".join(f"(?:{p})" for p in patterns))
        for category, patterns in data.items()
    }


def brand_name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """ASCII names match as whole words (so "au" does not fire inside "auction")."""
    parts = []
    for name in names:
        norm = re.escape(unicodedata.normalize("NFKC", name).lower())
        parts.append(rf"(?<![a-z0-9]){norm}(?![a-z0-9])" if name.isascii() else norm)
    return re.compile("|".join(parts))
