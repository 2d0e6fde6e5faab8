"""One term per concept: the glossary's avoided forms never appear in what people read (the
Japanese catalogue's translations, templates, guidance/playbook/questionnaire content)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PACKAGE = Path(__file__).resolve().parents[1] / "mamori"
GLOSSARY = PACKAGE / "content" / "glossary.yaml"


def _translations() -> list[tuple[str, str]]:
    """(where, text) of every msgstr line of the Japanese catalogue."""
    found = []
    in_msgstr = False
    po = PACKAGE / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    for number, line in enumerate(po.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("msgstr"):
            in_msgstr = True
        elif line.startswith(("msgid", "#")) or not line.strip():
            in_msgstr = False
        if in_msgstr:
            found.append((f"django.po:{number}", line))
    return found


def _content_and_templates() -> list[tuple[str, str]]:
    found = []
    files = [*(PACKAGE / "content").rglob("*.yaml"), *(PACKAGE / "templates").rglob("*.html")]
    for path in files:
        if path == GLOSSARY:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.lstrip().startswith("#"):
                found.append((f"{path.relative_to(PACKAGE)}:{number}", line))
    return found


def test_glossary_terms_are_used_consistently() -> None:
    terms = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["terms"]
    assert len(terms) >= 4
    lines = _translations() + _content_and_templates()
    assert len(lines) > 1000
    problems = []
    for term in terms:
        for pattern in term["avoid"]:
            avoid = re.compile(pattern)
            problems.extend(
                f"{where}: {avoid.search(text).group(0)!r} → {term['use']}"  # type: ignore[union-attr]
                for where, text in lines
                if avoid.search(text)
            )
    assert problems == [], "\n".join(problems[:40])


def test_the_glossary_catches_an_avoided_form() -> None:
    terms = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["terms"]
    patterns = [re.compile(p) for term in terms for p in term["avoid"]]
    for text in ("2段階認証を設定", "サーバの設定", "復旧用コード", "ハンドブック §2.2"):
        assert any(p.search(text) for p in patterns), text
    for text in (
        "多要素認証を設定",
        "サーバーの設定",
        "リカバリーコード",
        "ハンドブック 第7章 §7.3",
    ):
        assert not any(p.search(text) for p in patterns), text
