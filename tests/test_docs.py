"""The README documents every setting and every command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_variable_is_in_the_readme() -> None:
    settings = (ROOT / "mamori" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    used = set(re.findall(r"\"(MAMORI_[A-Z0-9_]+)\"", settings))
    assert used
    assert sorted(v for v in used if v not in readme) == []


def test_every_command_is_in_the_readme() -> None:
    from mamori.cli import COMMANDS

    readme = (ROOT / "README.md").read_text()
    assert sorted(name for name in COMMANDS if f"mamori {name}" not in readme) == []
