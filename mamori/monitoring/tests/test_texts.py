"""The monitoring messages file: complete, bilingual, consistent with the engine."""

from __future__ import annotations

import re
import string

import pytest

from mamori.monitoring import texts

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(texts.messages()))
def test_message_is_bilingual_and_declares_its_placeholders(code: str) -> None:
    entry = texts.messages()[code]
    assert entry["level"] in texts.LEVELS
    assert JAPANESE.search(entry["ja"]), "Japanese text must be Japanese"
    assert entry["en"].strip() and not JAPANESE.search(entry["en"])
    declared = set(entry.get("params") or [])
    assert placeholders(entry["ja"]) == declared
    assert placeholders(entry["en"]) == declared
    assert "§7.7" in entry["source"]
    filled = texts.reason(code, **{name: "X1" for name in declared})
    assert "{" not in filled.ja and "{" not in filled.en


def test_evidence_is_capped() -> None:
    many = [f"https://e{n}.example/" + "a" * 1000 for n in range(100)]
    made = texts.reason("new_script_domain", many, domains="e.example")
    assert len(made.evidence) == texts.MAX_EVIDENCE_ITEMS
    assert all(len(item) <= texts.MAX_EVIDENCE_CHARS for item in made.evidence)


def test_highest_level() -> None:
    assert texts.highest_level(["info", "danger", "caution"]) == "danger"
    assert texts.highest_level([]) == "none"
