"""When an operating system stops receiving security updates (no Django: a pure lookup over
mamori/content/lifecycle/os.yaml, a dated table of vendor facts)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

TABLE = Path(__file__).resolve().parents[1] / "content" / "lifecycle" / "os.yaml"
# Windows 10 22H2 → "10"; "Windows 11 Pro 23H2" → "11 23H2"; "Server 2012 R2" kept whole.
_EDITIONS = re.compile(
    r"\b(home|pro|professional|enterprise|education|business|standard|datacenter|essentials"
    r"|ltsc|ltsb|iot|sp\d)\b",
    re.I,
)


@dataclass(frozen=True)
class EndOfSupport:
    family: str
    version: str
    ends: dt.date
    source: str
    checked_on: dt.date


@functools.cache
def _table() -> tuple[dt.date, list[dict]]:
    data = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    return data["checked_on"], data["families"]


# Windows build numbers (as `winver` and inventory tools report them) → release.
_WINDOWS_BUILDS = (
    (26200, "11 25h2"),
    (26100, "11 24h2"),
    (22631, "11 23h2"),
    (22621, "11 22h2"),
    (22000, "11 21h2"),
    (10240, "10"),
)
_BUILD = re.compile(r"\b10\.0\.(\d{5})(?:\.\d+)?\b")


def _windows_build(match: re.Match[str]) -> str:
    build = int(match.group(1))
    for first, release in _WINDOWS_BUILDS:
        if build >= first:
            return release
    return match.group(0)


def _normalise(text: str) -> str:
    text = _EDITIONS.sub(" ", text.lower().replace("_", " "))
    text = _BUILD.sub(_windows_build, text)
    return " ".join(text.split())


def end_of_support(os_name: str, os_version: str = "") -> EndOfSupport | None:
    """The end of security updates for this OS name and version, when the table knows it."""
    checked_on, families = _table()
    text = _normalise(f"{os_name} {os_version}")
    for family in families:
        words = [m for m in family["match"] if m in text]
        if not words:
            continue
        rest = text
        for word in words:
            rest = rest.replace(word, " ")
        rest = " " + " ".join(rest.split()) + " "
        best = None
        for entry in family["versions"]:
            version = _normalise(str(entry["version"]))
            # A release line and its point releases ("12" covers "12.7.4"), never a longer
            # number ("1" is not "11"); the longest known line wins ("10.15" over "10").
            if re.search(rf"(?<![\w.]){re.escape(version)}(?![\w]|\.\D)", rest) and (
                best is None or len(version) > len(_normalise(str(best["version"])))
            ):
                best = entry
        if best is not None:
            return EndOfSupport(
                family=family["family"],
                version=str(best["version"]),
                ends=best["ends"],
                source=family["source"],
                checked_on=checked_on,
            )
    return None


def is_out_of_support(os_name: str, os_version: str = "", today: dt.date | None = None) -> bool:
    found = end_of_support(os_name, os_version)
    return found is not None and found.ends <= (today or dt.date.today())
