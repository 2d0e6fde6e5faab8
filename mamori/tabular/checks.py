"""Checks across the cells of one row (after each cell is typed), declared on a Schema:

    joined = Column("joined", "入社日", "Joined", "date")
    left = Column("left", "退職日", "Left", "date")
    Schema("people", [joined, left], row_checks=[date_order(joined, left)])

A check receives the row's typed values (only columns present in the file, and only when the
cells it reads have no error of their own) and yields RowProblem(column_key, ja, en).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mamori.tabular.schema import Column
from mamori.tabular.texts import message


@dataclass(frozen=True)
class RowProblem:
    column_key: str
    message_ja: str
    message_en: str


RowCheck = Callable[[Mapping[str, Any]], Iterable[RowProblem]]


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()  # the date as written; mixing aware and naive stays comparable
    return value if isinstance(value, date) else None


def date_order(earlier: Column, later: Column) -> RowCheck:
    """The later date (e.g. 退職日) must not be before the earlier one (e.g. 入社日)."""

    def check(values: Mapping[str, Any]) -> Iterator[RowProblem]:
        first, second = _day(values.get(earlier.key)), _day(values.get(later.key))
        if first is not None and second is not None and second < first:
            ja, en = message(
                "date_order",
                earlier=(earlier.label_ja, earlier.label_en),
                later=(later.label_ja, later.label_en),
                earlier_value=first.isoformat(),
                later_value=second.isoformat(),
            )
            yield RowProblem(later.key, ja, en)

    check.keys = (earlier.key, later.key)  # type: ignore[attr-defined]
    return check
