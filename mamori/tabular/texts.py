"""Bilingual texts of the import/export engine, loaded from messages.yaml beside this module."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_PATH = Path(__file__).resolve().parent / "messages.yaml"

# A parameter is either one text for both languages or a (ja, en) pair.
Param = str | int | tuple[str, str]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    with TEXTS_PATH.open(encoding="utf-8") as handle:
        return dict(yaml.load(handle, Loader=_Loader))  # noqa: S506 - a safe loader


def _fill(template: str, params: dict[str, Param], index: int) -> str:
    values = {
        name: (value[index] if isinstance(value, tuple) else value)
        for name, value in params.items()
    }
    return template.format(**values)


def message(key: str, **params: Param) -> tuple[str, str]:
    """The (ja, en) texts of a message with its placeholders filled."""
    entry = _texts()["messages"][key]
    return _fill(entry["ja"], params, 0), _fill(entry["en"], params, 1)


def word(key: str, lang: str, **params: Param) -> str:
    entry = _texts()["words"][key]
    index = 0 if lang == "ja" else 1
    return _fill(entry["ja" if index == 0 else "en"], params, index)


def kind_text(kind: str, lang: str, field: str = "") -> str:
    """The name (field="") or the accepted-values text (field="values") of a column kind."""
    entry = _texts()["kinds"][kind]
    return str(entry[f"{field}_{lang}" if field else lang])


def message_keys() -> list[str]:
    return list(_texts()["messages"])


def join_list(items: list[str], lang: str) -> str:
    return "、".join(items) if lang == "ja" else ", ".join(items)


def quoted_list(items: list[str]) -> tuple[str, str]:
    """A list of names quoted the way each language quotes them."""
    return "、".join(f"「{item}」" for item in items), ", ".join(f'"{item}"' for item in items)
