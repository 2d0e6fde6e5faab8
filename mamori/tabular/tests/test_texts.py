"""Every message exists in Japanese and English with the same placeholders, and every message
key the engine uses is defined."""

from __future__ import annotations

import re
import string
from pathlib import Path

from mamori.tabular import texts

ENGINE_DIR = Path(texts.__file__).resolve().parent


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_messages_are_bilingual_with_matching_placeholders() -> None:
    data = texts._texts()
    for key, entry in data["messages"].items():
        assert entry["ja"].strip() and entry["en"].strip(), key
        assert _placeholders(entry["ja"]) == _placeholders(entry["en"]), key
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", entry["ja"]), key
    for key, entry in data["words"].items():
        assert entry["ja"] and entry["en"], key
    for kind, entry in data["kinds"].items():
        assert {"ja", "en", "values_ja", "values_en"} <= set(entry), kind


def test_every_key_used_by_the_engine_is_defined() -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in ENGINE_DIR.glob("*.py"))
    used = set(re.findall(r'(?:SourceError|problem)\(\s*"(\w+)"', source))
    used |= set(re.findall(r'\(\s*"(\w+)",\s*\{', source))
    used |= set(re.findall(r'key = "(\w+)" if', source)) | {"error_cell"}
    used.discard("row_check")  # a schema's row check brings its own texts
    assert len(used) > 30
    assert used <= set(texts.message_keys()), used - set(texts.message_keys())


def test_message_fills_each_language() -> None:
    ja, en = texts.message("missing_column", column=("メール", "Email"))
    assert "「メール」" in ja and '"Email"' in en
