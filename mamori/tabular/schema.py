"""What a register's table looks like: columns, their kinds and accepted names, and the caps."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

KINDS = ("text", "email", "url", "date", "datetime", "bool", "int", "choice", "list")

# Separators of a "list" cell: ASCII and full-width semicolon, the Japanese comma, line breaks.
DEFAULT_LIST_SEPARATORS: tuple[str, ...] = (";", "；", "、", "\n")

# Characters dropped when comparing names: spaces, punctuation people add or leave out
# ("E-mail", "入社_日", "氏名*", "※メール").
_NAME_NOISE = re.compile(r"[\s_\-‐‑–—―・.:*※'\"`’”“!?#]+")
_BRACKETED = re.compile(r"[(\[【〔<《「『{][^)\]】〕>》」』}]*[)\]】〕>》」』}]")
MAX_NAME_CHARS = 200
_BRACKET_CHARS = re.compile(r"[()\[\]【】〔〕<>《》「」『』{}]")


def name_keys(text: str) -> list[str]:
    """Comparable forms of a header or choice text, best first.

    NFKC folds full/half width; case and spacing are ignored; a bracketed note such as
    「メール（必須）」 or "Email (required)" also matches without the note.
    """
    if len(text) > MAX_NAME_CHARS:
        return []  # no header or choice is this long; also keeps the patterns linear
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    keys: list[str] = []
    plain = _NAME_NOISE.sub("", _BRACKET_CHARS.sub("", folded))
    if plain:
        keys.append(plain)
    without_notes = _NAME_NOISE.sub("", _BRACKETED.sub("", folded))
    if without_notes and without_notes not in keys:
        keys.append(without_notes)
    return keys


@dataclass(frozen=True)
class Choice:
    """One allowed value of a choice column: the stored value, its labels, other accepted names,
    and regular expressions matched against the folded text (for strings with varying parts,
    such as "Anyone at example.com with the link")."""

    value: str
    label_ja: str
    label_en: str
    aliases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return self.label_ja if lang == "ja" else self.label_en


@dataclass(frozen=True, eq=False)  # compared by identity: an example may be a list
class Column:
    key: str
    label_ja: str
    label_en: str
    kind: str
    required: bool = False
    max_length: int | None = None
    choices: tuple[Choice, ...] | list[Choice] | None = None
    aliases: tuple[str, ...] = ()
    # Optional: shown in the template and its 入力方法 sheet.
    example: Any = None
    help_ja: str = ""
    help_en: str = ""
    # Only for kind "list": what separates the items.
    separators: tuple[str, ...] = DEFAULT_LIST_SEPARATORS

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key}: unknown kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"column {self.key}: a choice column needs choices")
        if self.choices is not None and not isinstance(self.choices, tuple):
            object.__setattr__(self, "choices", tuple(self.choices))

    def label(self, lang: str) -> str:
        return self.label_ja if lang == "ja" else self.label_en

    @cached_property
    def choice_index(self) -> dict[str, Choice]:
        index: dict[str, Choice] = {}
        for choice in self.choices or ():
            for name in (choice.value, choice.label_ja, choice.label_en, *choice.aliases):
                for key in name_keys(name):
                    index.setdefault(key, choice)
        return index

    @cached_property
    def choice_patterns(self) -> list[tuple[re.Pattern[str], Choice]]:
        return [
            (re.compile(pattern), choice)
            for choice in self.choices or ()
            for pattern in choice.patterns
        ]

    @cached_property
    def choice_by_value(self) -> dict[str, Choice]:
        return {choice.value: choice for choice in self.choices or ()}

    def match_choice(self, text: str) -> Choice | None:
        for key in name_keys(text):
            found = self.choice_index.get(key)
            if found is not None:
                return found
        if len(text) > MAX_NAME_CHARS:
            return None
        folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
        for pattern, choice in self.choice_patterns:
            if pattern.search(folded):
                return choice
        return None


@dataclass(frozen=True, eq=False)
class Schema:
    """A register's table. unique_together: key tuples that must not repeat within one file;
    required_one_of: groups of which at least one column must be present and filled."""

    name: str
    columns: tuple[Column, ...] | list[Column]
    unique_together: tuple[tuple[str, ...], ...] | list[tuple[str, ...]] = ()
    required_one_of: tuple[tuple[str, ...], ...] | list[tuple[str, ...]] = ()
    title_ja: str = ""
    title_en: str = ""
    # Checks across the cells of a row (see checks.py), e.g. 退職日 not before 入社日.
    row_checks: tuple[Callable[[Mapping[str, Any]], Iterable[Any]], ...] | list[Any] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "row_checks", tuple(self.row_checks))
        object.__setattr__(self, "unique_together", tuple(map(tuple, self.unique_together)))
        object.__setattr__(self, "required_one_of", tuple(map(tuple, self.required_one_of)))
        keys = [column.key for column in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"schema {self.name}: duplicate column keys")
        for group in (*self.unique_together, *self.required_one_of):
            for key in group:
                if key not in keys:
                    raise ValueError(f"schema {self.name}: unknown column {key!r}")
        self.header_index  # noqa: B018 - build now so clashing names fail at definition time

    def title(self, lang: str) -> str:
        return (self.title_ja if lang == "ja" else self.title_en) or self.name

    @cached_property
    def by_key(self) -> dict[str, Column]:
        return {column.key: column for column in self.columns}

    @cached_property
    def header_index(self) -> dict[str, Column]:
        """Folded header name → column. Two columns claiming one name is a definition error."""
        index: dict[str, Column] = {}
        for column in self.columns:
            for name in (column.key, column.label_ja, column.label_en, *column.aliases):
                for key in name_keys(name)[:1]:
                    other = index.get(key)
                    if other is not None and other.key != column.key:
                        raise ValueError(
                            f"schema {self.name}: {name!r} names both {other.key} and {column.key}"
                        )
                    index[key] = column
        return index

    def match_header(self, header: str) -> Column | None:
        for key in name_keys(header):
            found = self.header_index.get(key)
            if found is not None:
                return found
        return None


@dataclass(frozen=True)
class Limits:
    """Caps on what one upload may cost. Hitting one is a clear error, never a crash or a hang."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_rows: int = 50_000
    max_columns: int = 200
    max_cell_chars: int = 10_000
    max_xlsx_uncompressed: int = 128 * 1024 * 1024  # ~64 bytes of sheet XML per cell
    max_zip_entries: int = 2_000
    max_zip_ratio: int = 200  # uncompressed / compressed, over the whole archive
    max_seconds: float = 60.0
    max_errors: int = 1_000  # listed in Preview.errors; every row keeps its own
    max_blank_rows: int = 1_000  # consecutive empty rows after which reading stops
    header_search_rows: int = 10
    max_sheets_scanned: int = 10


DEFAULT_LIMITS = Limits()
