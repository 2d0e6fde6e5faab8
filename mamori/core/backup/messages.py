"""Why a backup or restore did not happen: bilingual texts from mamori/content/backup/."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

import yaml

MESSAGES_PATH = Path(__file__).resolve().parents[2] / "content" / "backup" / "messages.yaml"


def load_messages(path: Path = MESSAGES_PATH) -> dict[str, tuple[str, str]]:
    """Each code's (ja, en) texts; a missing or malformed file is a packaging error and raises."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    entries = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise ValueError(f"{path}: no 'messages' mapping")
    loaded: dict[str, tuple[str, str]] = {}
    for code, entry in entries.items():
        ja = entry.get("ja") if isinstance(entry, dict) else None
        en = entry.get("en") if isinstance(entry, dict) else None
        if not (isinstance(ja, str) and ja and isinstance(en, str) and en):
            raise ValueError(f"{path}: {code!r} needs non-empty 'ja' and 'en' texts")
        loaded[str(code)] = (ja, en)
    return loaded


# Read once at import, as the table it replaces was: every code must resolve before any use.
MESSAGES: dict[str, tuple[str, str]] = load_messages()


@dataclass(frozen=True)
class Problem:
    """Why a backup or restore did not happen; `ja` and `en` are for people, `code` for tests."""

    code: str
    ja: str
    en: str
    detail: str = ""

    def describe(self) -> str:
        lines = [self.ja, self.en]
        if self.detail:
            lines.append(f"  ({self.detail})")
        return "\n".join(lines)


def os_problem(error: OSError, where: Path) -> Problem:
    """A failed read or write: a full disk says so and names the place; others name the file."""
    place = str(error.filename or where)
    if error.errno == errno.ENOSPC:
        return problem("disk_full", place)
    return problem("io_error", f"{place}: {error.strerror or error}")


def problem(code: str, detail: str = "") -> Problem:
    ja, en = MESSAGES[code]
    return Problem(code=code, ja=ja, en=en, detail=detail[:2000])


class Refusal(Exception):
    """Raised inside the engine; the public functions turn it into its `problem`."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.problem = problem(code, detail)
