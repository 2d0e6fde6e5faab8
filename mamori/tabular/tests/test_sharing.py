"""Cloud-storage sharing reports: header names from Google Drive / OneDrive / Box style exports,
scope and permission normalisation, grouping rows per file."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mamori.tabular import SHARING_REPORT_COLUMNS, SHARING_REPORT_SCHEMA, group_shares, read_table
from mamori.tabular.tests.helpers import codes, csv_bytes, xlsx_bytes


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("一般公開", "public"),
        ("Public on the web", "public"),
        ("ウェブ上で一般公開", "public"),
        ("リンクを知っている全員", "anyone_with_link"),
        ("リンクを知っているインターネット上の全員", "anyone_with_link"),
        ("Anyone with the link", "anyone_with_link"),
        ("anyone with the link can edit", "anyone_with_link"),
        ("People with the link", "anyone_with_link"),
        ("取引先", "partners"),
        ("External", "partners"),
        ("組織内", "internal"),
        ("Anyone at example.co.jp with the link", "internal"),
        ("People in Example Inc. with the link", "internal"),
        ("People in your company", "internal"),
        ("本人のみ", "private"),
        ("Restricted", "private"),
        ("制限付き", "private"),
        ("Specific people", "private"),
        ("Invited people only", "private"),
    ],
)
def test_scope_values(text: str, scope: str) -> None:
    column = SHARING_REPORT_SCHEMA.by_key["scope"]
    choice = column.match_choice(text)
    assert choice is not None and choice.value == scope


@pytest.mark.parametrize(
    ("text", "permission"),
    [
        ("所有", "owner"),
        ("Owner", "owner"),
        ("オーナー", "owner"),
        ("編集", "editor"),
        ("Can edit", "editor"),
        ("Editor", "editor"),
        ("Writer", "editor"),
        ("Viewer Uploader", "editor"),
        ("閲覧", "viewer"),
        ("Viewer", "viewer"),
        ("Can view", "viewer"),
        ("Commenter", "viewer"),
        ("閲覧者（コメント可）", "viewer"),
        ("reader", "viewer"),
    ],
)
def test_permission_values(text: str, permission: str) -> None:
    choice = SHARING_REPORT_SCHEMA.by_key["permission"].match_choice(text)
    assert choice is not None and choice.value == permission


def test_every_documented_header_name_is_accepted() -> None:
    for key, names in SHARING_REPORT_COLUMNS.items():
        for name in names:
            column = SHARING_REPORT_SCHEMA.match_header(name)
            assert column is not None and column.key == key, name


def test_google_drive_style_report_one_row_per_grant() -> None:
    lines = [
        "Title,Owner,Shared with,Role,Visibility,URL",
        "見積書.xlsx,taro@example.jp,hanako@example.jp,Editor,Restricted,https://drive.example.com/d/1",
        '見積書.xlsx,taro@example.jp,"client@partner.example, boss@example.jp",Viewer,Anyone with the link,https://drive.example.com/d/1',
        "名簿.xlsx,taro@example.jp,Anyone with the link,Viewer,,https://drive.example.com/d/2",
    ]
    preview = read_table(csv_bytes(lines), "report.csv", SHARING_REPORT_SCHEMA)
    assert preview.ok, [error.describe("en") for error in preview.errors]
    items = group_shares(preview.rows)
    assert len(items) == 2
    quote, roster = items
    assert quote.scope == "anyone_with_link" and quote.rows == [2, 3]
    assert quote.grants == [
        ("hanako@example.jp", "editor"),
        ("client@partner.example", "viewer"),
        ("boss@example.jp", "viewer"),
    ]
    assert roster.scope == "anyone_with_link" and roster.grants == []  # the entry was a scope


def test_japanese_report_one_row_per_file_in_xlsx() -> None:
    rows: list[list[Any]] = [
        ["ファイル名", "パス", "所有者", "共有相手", "権限", "リンクの共有"],
        ["給与.xlsx", "/総務", "総務 太郎", "経理部、社長", "編集", "組織内"],
        ["公開資料.pdf", "/広報", "広報 花子", None, "閲覧", "一般公開"],
    ]
    preview = read_table(xlsx_bytes(rows), "report.xlsx", SHARING_REPORT_SCHEMA)
    assert preview.ok
    items = group_shares(preview.rows)
    assert [(item.name, item.scope) for item in items] == [
        ("給与.xlsx", "internal"),
        ("公開資料.pdf", "public"),
    ]
    assert items[0].grants == [("経理部", "editor"), ("社長", "editor")]


def test_unknown_scope_and_missing_identification_are_errors() -> None:
    lines = ["ファイル名,URL,リンクの共有", "a.txt,,みんな", ",,一般公開"]
    preview = read_table(csv_bytes(lines), "r.csv", SHARING_REPORT_SCHEMA)
    found = {(error.row, error.code) for error in preview.errors}
    assert found == {(2, "bad_choice"), (3, "required_one_of")}
    message = next(error for error in preview.errors if error.code == "bad_choice").message_ja
    assert "「リンクを知っている全員」" in message


def test_report_without_any_identifying_column() -> None:
    preview = read_table(csv_bytes(["Owner,Role", "a,Viewer"]), "r.csv", SHARING_REPORT_SCHEMA)
    assert codes(preview.errors) == ["missing_one_of_columns"]


def _doc_table(title: str) -> dict[str, list[str]]:
    """Rows of one table in the module docstring (the README copies it): key → names."""
    from mamori.tabular import sharing

    doc = sharing.__doc__ or ""
    section = doc[doc.index(title) :]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] in ("field (key)", "value") or set(cells[0]) <= {"-"}:
            continue
        names = [name.strip() for cell in cells[1:] for name in cell.split(", ")]
        rows[cells[0]] = [re.sub(r"\s*\(.*?\)$", "", name) for name in names if "<" not in name]
    return rows


def test_documented_tables_match_what_is_accepted() -> None:
    headers = _doc_table("Accepted column names")
    assert set(headers) == set(SHARING_REPORT_COLUMNS)
    for key, names in headers.items():
        assert set(names) == set(SHARING_REPORT_COLUMNS[key]), key
    for title, column_key in (
        ("Values of `scope`", "scope"),
        ("Values of `permission`", "permission"),
    ):
        table = _doc_table(title)
        column = SHARING_REPORT_SCHEMA.by_key[column_key]
        assert set(table) == {choice.value for choice in column.choices or ()}
        for value, names in table.items():
            for name in names:
                found = column.match_choice(name)
                assert found is not None and found.value == value, (title, name)
