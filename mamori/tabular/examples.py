"""The example row of a template, as typed values (the reader recognises and skips it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from mamori.tabular.schema import Column, Schema
from mamori.tabular.texts import word

EXAMPLE_DATE = date(2024, 4, 1)
EXAMPLE_DATETIME = datetime(2024, 4, 1, 9, 30)


def example_value(column: Column, lang: str) -> Any:
    if column.example is not None:
        return column.example
    kind = column.kind
    if kind == "text":
        return word("example_text", lang, label=column.label(lang))
    if kind == "email":
        return "taro@example.co.jp"
    if kind == "url":
        return "https://www.example.co.jp/"
    if kind == "date":
        return EXAMPLE_DATE
    if kind == "datetime":
        return EXAMPLE_DATETIME
    if kind == "bool":
        return True
    if kind == "int":
        return 1
    if kind == "choice":
        return (column.choices or ())[0].value
    if column.choices:
        return [choice.value for choice in (column.choices or ())[:2]]
    return [word("example_text", lang, label=column.label(lang))]


def example_values(schema: Schema, lang: str) -> dict[str, Any]:
    return {column.key: example_value(column, lang) for column in schema.columns}
