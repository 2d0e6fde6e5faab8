"""read_table on .xlsx written with openpyxl: typed cells, formulas, merged and empty rows,
sheet choice, old/encrypted formats."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import olefile
import pytest

from mamori.tabular import read_table
from mamori.tabular.tests.helpers import PEOPLE_HEADER, codes, xlsx_bytes
from mamori.tabular.tests.schemas import ALL_KINDS, PEOPLE


def test_real_date_cells_numbers_and_booleans() -> None:
    rows: list[list[Any]] = [
        PEOPLE_HEADER,
        [
            "山田",
            "yamada@example.jp",
            "総務",
            "正社員",
            datetime(2020, 4, 1),
            date(2024, 3, 31),
            True,
            "a; b",
        ],
        ["佐藤", "sato@example.jp", 101, "派遣", 45383, "令和6年4月1日", 0, None],
    ]
    preview = read_table(xlsx_bytes(rows), "people.xlsx", PEOPLE)
    assert preview.ok, [error.describe("en") for error in preview.errors]
    assert preview.format == "xlsx" and preview.encoding is None and preview.sheet == "Sheet1"
    first, second = (row.values for row in preview.rows)
    assert first["joined"] == date(2020, 4, 1) and first["left"] == date(2024, 3, 31)
    assert first["is_admin"] is True and first["groups"] == ["a", "b"]
    assert second["department"] == "101"  # a number typed into a text column
    assert second["joined"] == date(2024, 4, 1)  # an Excel serial in a General cell
    assert second["left"] == date(2024, 4, 1) and second["is_admin"] is False


def test_formula_cells_are_errors_and_error_values_too() -> None:
    rows: list[list[Any]] = [
        PEOPLE_HEADER[:3],
        ["山田", "a@b.jp", '=A2&"部"'],
        ['=UPPER("x")', "c@d.jp", "#N/A"],
    ]

    def add_error_cell(sheet) -> None:
        sheet["C3"].value = "#N/A"
        sheet["C3"].data_type = "e"

    preview = read_table(xlsx_bytes(rows, edit=add_error_cell), "a.xlsx", PEOPLE)
    found = {(error.row, error.column_key): error for error in preview.errors}
    assert set(found) == {(2, "department"), (3, "name"), (3, "department")}
    assert found[(2, "department")].code == "formula_cell"
    assert "数式ではなく値を入力してください" in found[(2, "department")].message_ja
    assert found[(2, "department")].value == '=A2&"部"'
    assert (
        found[(3, "department")].code == "error_cell"
        and "#N/A" in found[(3, "department")].message_en
    )


def test_string_cell_starting_with_equals_is_text_with_a_warning() -> None:
    def as_string(sheet) -> None:
        sheet["A2"].value = "=not a formula"
        sheet["A2"].data_type = "s"

    preview = read_table(
        xlsx_bytes([PEOPLE_HEADER[:2], [None, "a@b.jp"]], edit=as_string), "a.xlsx", PEOPLE
    )
    assert preview.ok and preview.rows[0].values["name"] == "=not a formula"
    assert codes(preview.warnings) == ["formula_like"]


def test_vertically_merged_cells_fill_every_row() -> None:
    rows: list[list[Any]] = [
        ["部署", "氏名", "メールアドレス"],
        ["総務", "山田", "a@b.jp"],
        [None, "佐藤", "c@d.jp"],
        [None, "鈴木", "e@f.jp"],
        ["営業", "田中", "g@h.jp"],
    ]

    def merge(sheet) -> None:
        sheet.merge_cells("A2:A4")

    preview = read_table(xlsx_bytes(rows, edit=merge), "a.xlsx", PEOPLE)
    assert preview.ok
    assert [row.values["department"] for row in preview.rows] == ["総務", "総務", "総務", "営業"]
    assert codes(preview.warnings) == ["merged_cells"] and "A2:A4" in preview.warnings[0].message_ja


def test_empty_rows_and_gaps_keep_spreadsheet_row_numbers() -> None:
    def spread(sheet) -> None:
        sheet["A7"] = "遠藤"
        sheet["B7"] = "broken"

    rows: list[list[Any]] = [["氏名", "メールアドレス"], ["山田", "a@b.jp"], [None, None], []]
    preview = read_table(xlsx_bytes(rows, edit=spread), "a.xlsx", PEOPLE)
    assert [row.number for row in preview.rows] == [2, 7]
    assert [(error.row, error.column_key) for error in preview.errors] == [(7, "email")]


def test_header_below_a_title_row_and_data_on_a_later_sheet() -> None:
    rows = [["社員一覧"], [], ["氏名", "メールアドレス"], ["山田", "a@b.jp"], ["佐藤", "bad"]]
    data = xlsx_bytes([["説明のシート"]], title="表紙", sheets=[("名簿", rows)])
    preview = read_table(data, "a.xlsx", PEOPLE)
    assert preview.sheet == "名簿" and preview.header_row == 3
    assert codes(preview.warnings) == ["sheet_used"] and "名簿" in preview.warnings[0].message_ja
    assert [(error.row, error.column_key) for error in preview.errors] == [(5, "email")]


def test_a_lying_dimension_does_not_cut_rows() -> None:
    def shrink(sheet) -> None:
        sheet.calculate_dimension = lambda: "A1:A1"  # what some generators write

    rows = [["氏名", "メールアドレス"]] + [[f"人{i}", f"p{i}@b.jp"] for i in range(5)]
    preview = read_table(xlsx_bytes(rows, edit=shrink), "a.xlsx", PEOPLE)
    assert preview.total_rows == 5 and preview.ok


def test_all_kinds_from_typed_cells() -> None:
    rows: list[list[Any]] = [
        ["文字", "メール", "URL", "日付", "日時", "有無", "台数", "種類", "タグ", "役割"],
        [
            "x",
            "a@b.jp",
            "example.jp/x",
            datetime(2024, 4, 1),
            datetime(2024, 4, 1, 9, 30),
            "○",
            3.0,
            "委託",
            "a\nb",
            "派遣、委託",
        ],
    ]
    preview = read_table(xlsx_bytes(rows), "a.xlsx", ALL_KINDS)
    assert preview.ok, [error.describe("en") for error in preview.errors]
    values = preview.rows[0].values
    assert values["url"] == "https://example.jp/x" and values["day"] == date(2024, 4, 1)
    assert values["moment"] == datetime(2024, 4, 1, 9, 30) and values["flag"] is True
    assert values["count"] == 3 and values["kind"] == "contractor"
    assert values["tags"] == ["a", "b"] and values["roles"] == ["dispatched", "contractor"]


def _ole_file(stream_name: str) -> bytes:
    """A minimal OLE2 compound file holding one stream (what .xls and encrypted .xlsx are)."""
    import io

    olefile_bytes = io.BytesIO()
    # olefile cannot write new files; build one by hand: header + one FAT sector + directory.
    sector = 512
    header = bytearray(sector)
    header[0:8] = olefile.MAGIC
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")  # minor version
    header[0x1A:0x1C] = (3).to_bytes(2, "little")  # major version 3: 512-byte sectors
    header[0x1C:0x1E] = b"\xfe\xff"  # little endian
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # sector shift
    header[0x20:0x22] = (6).to_bytes(2, "little")  # mini sector shift
    header[0x2C:0x30] = (1).to_bytes(4, "little")  # one FAT sector
    header[0x30:0x34] = (1).to_bytes(4, "little")  # directory starts at sector 1
    header[0x38:0x3C] = (4096).to_bytes(4, "little")  # mini stream cutoff
    header[0x3C:0x40] = (0xFFFFFFFE).to_bytes(4, "little")  # no mini FAT
    header[0x44:0x48] = (0xFFFFFFFE).to_bytes(4, "little")  # no DIFAT sectors
    header[0x4C:0x50] = (0).to_bytes(4, "little")  # FAT in sector 0
    for offset in range(0x50, sector, 4):
        header[offset : offset + 4] = (0xFFFFFFFF).to_bytes(4, "little")
    fat = bytearray(b"\xff\xff\xff\xff" * 128)
    fat[0:4] = (0xFFFFFFFD).to_bytes(4, "little")  # sector 0: FAT
    fat[4:8] = (0xFFFFFFFE).to_bytes(4, "little")  # sector 1: directory, end of chain
    fat[8:12] = (0xFFFFFFFE).to_bytes(4, "little")  # sector 2: the stream, end of chain

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[0 : len(encoded)] = encoded
        raw[0x40:0x42] = len(encoded).to_bytes(2, "little")
        raw[0x42] = kind
        raw[0x43] = 1  # black
        raw[0x44:0x48] = (0xFFFFFFFF).to_bytes(4, "little")
        raw[0x48:0x4C] = (0xFFFFFFFF).to_bytes(4, "little")
        raw[0x4C:0x50] = child.to_bytes(4, "little", signed=False)
        raw[0x74:0x78] = start.to_bytes(4, "little")
        raw[0x78:0x7C] = size.to_bytes(4, "little")
        return bytes(raw)

    directory = (
        entry("Root Entry", 5, 1, 0xFFFFFFFE, 0)
        + entry(stream_name, 2, 0xFFFFFFFF, 2, 4096)
        + bytes(128) * 2
    )
    olefile_bytes.write(bytes(header) + bytes(fat) + directory + bytes(4096))
    return olefile_bytes.getvalue()


@pytest.mark.parametrize(
    ("stream", "code"), [("Workbook", "xls_binary"), ("EncryptedPackage", "xlsx_encrypted")]
)
def test_old_xls_and_password_protected_files(stream: str, code: str) -> None:
    data = _ole_file(stream)
    assert olefile.OleFileIO(data).exists(stream)  # the hand-made file is a valid OLE file
    preview = read_table(data, "old.xls", PEOPLE)
    assert codes(preview.errors) == [code]
    if code == "xls_binary":
        assert ".xlsx" in preview.errors[0].message_ja and "CSV" in preview.errors[0].message_en


def test_other_zip_files_are_named() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    preview = read_table(buffer.getvalue(), "a.xlsx", PEOPLE)
    assert codes(preview.errors) == ["not_table"] and "Word" in preview.errors[0].message_ja

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert codes(read_table(buffer.getvalue(), "a.ods", PEOPLE).errors) == ["ods_file"]


def test_truncated_xlsx_is_a_clear_error() -> None:
    data = xlsx_bytes([["氏名", "メールアドレス"], ["山田", "a@b.jp"]])
    for cut in (len(data) // 2, len(data) - 30, 30):
        preview = read_table(data[:cut], "a.xlsx", PEOPLE)
        assert not preview.ok and preview.errors[0].code in ("xlsx_broken", "unreadable")
