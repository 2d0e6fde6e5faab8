"""Files the tests make: CSV text in any encoding and xlsx workbooks written with openpyxl."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook

PEOPLE_HEADER = [
    "氏名",
    "メールアドレス",
    "部署",
    "雇用形態",
    "入社日",
    "退職日",
    "管理者",
    "グループ",
]


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(
    rows: list[list[Any]],
    *,
    title: str = "Sheet1",
    edit: Callable[[Any], None] | None = None,
    sheets: list[tuple[str, list[list[Any]]]] | None = None,
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if edit is not None:
        edit(sheet)
    for name, extra_rows in sheets or []:
        extra = book.create_sheet(name)
        for row in extra_rows:
            extra.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def codes(items: list[Any]) -> list[str]:
    return [item.code for item in items]
