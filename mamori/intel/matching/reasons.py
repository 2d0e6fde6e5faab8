"""The bilingual "why it matched" texts, kept as data in mamori/content/intel/match_reasons.yaml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

REASONS_FILE = Path(__file__).resolve().parents[2] / "content" / "intel" / "match_reasons.yaml"


@lru_cache(maxsize=1)
def _texts() -> dict:
    with REASONS_FILE.open(encoding="utf-8") as handle:
        loaded = yaml.safe_load(handle)
    return loaded if isinstance(loaded, dict) else {}


def reason(code: str, **values: str) -> dict[str, str]:
    """{"ja": …, "en": …} for a reason code, placeholders filled."""
    entry = _texts()[code]
    return {lang: entry[lang].format(**values) for lang in ("ja", "en")}


def reason_pair(
    code: str, product: str, version: str, range_words: dict[str, str]
) -> dict[str, str]:
    """The matcher's hot path: each language formatted once, range words given per language."""
    entry = _texts()[code]
    return {
        "ja": entry["ja"].format(product=product, version=version, range=range_words["ja"]),
        "en": entry["en"].format(product=product, version=version, range=range_words["en"]),
    }


def with_platforms(
    texts: dict[str, str], platforms: list[str], *, note: str = "platform_note"
) -> dict[str, str]:
    """The reason plus a note naming the platforms the product must run on."""
    names = ", ".join(_platform_name(cpe) for cpe in platforms[:5])
    if len(platforms) > 5:
        names += ", …"
    entry = _texts()[note]
    return {lang: texts[lang] + entry[lang].format(platforms=names) for lang in ("ja", "en")}


def _platform_name(cpe23: str) -> str:
    pieces = cpe23.split(":")
    if len(pieces) < 6:
        return cpe23
    vendor, product, version = pieces[3], pieces[4], pieces[5]
    return f"{vendor}:{product}" + (f" {version}" if version not in ("*", "-") else "")


def describe_range(
    start_including: str | None,
    start_excluding: str | None,
    end_including: str | None,
    end_excluding: str | None,
) -> dict[str, str]:
    """A version range in words, in both languages ("2.0 以上、2.5.33 未満")."""
    words = _texts()["range_words"]
    out: dict[str, str] = {}
    for lang in ("ja", "en"):
        table = words[lang]
        parts = [
            table[name].format(v=value)
            for name, value in (
                ("start_including", start_including),
                ("start_excluding", start_excluding),
                ("end_including", end_including),
                ("end_excluding", end_excluding),
            )
            if value
        ]
        out[lang] = table["joiner"].join(parts)
    return out
