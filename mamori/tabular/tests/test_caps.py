"""Caps: file size, rows, columns, cell length, time, blank runs, zip bombs and zip entry counts
checked before openpyxl opens the archive. Hitting a cap is a clear error, never an exception."""

from __future__ import annotations

import io
import zipfile

from mamori.tabular import Limits, read_table
from mamori.tabular.tests.helpers import codes, csv_bytes, xlsx_bytes
from mamori.tabular.tests.schemas import PEOPLE


def _people_csv(count: int) -> bytes:
    return csv_bytes(["氏名,メールアドレス"] + [f"人{i},p{i}@example.jp" for i in range(count)])


def test_file_size_cap() -> None:
    data = _people_csv(2000)
    preview = read_table(data, "a.csv", PEOPLE, limits=Limits(max_file_bytes=10_000))
    assert codes(preview.errors) == ["file_too_large"] and preview.rows == []
    assert "MB" in preview.errors[0].message_ja


def test_huge_csv_over_the_default_size_cap() -> None:
    line = "人,p@example.jp," + "x" * 1000 + "\r\n"
    data = "氏名,メールアドレス,部署\r\n".encode() + line.encode() * 21_000
    preview = read_table(data, "a.csv", PEOPLE)
    assert codes(preview.errors) == ["file_too_large"]


def test_row_cap_reports_the_first_row_not_read() -> None:
    preview = read_table(_people_csv(120), "a.csv", PEOPLE, limits=Limits(max_rows=100))
    assert codes(preview.errors) == ["too_many_rows"]
    assert "102 行目" in preview.errors[0].message_ja and "100" in preview.errors[0].message_en
    assert preview.total_rows == 100 and not preview.ok


def test_column_cap_on_the_header() -> None:
    header = ",".join(["氏名", "メールアドレス"] + [f"列{i}" for i in range(30)])
    preview = read_table(
        csv_bytes([header, "a,b@c.jp"]), "a.csv", PEOPLE, limits=Limits(max_columns=20)
    )
    assert codes(preview.errors) == ["too_many_columns"]


def test_column_cap_on_a_data_row() -> None:
    wide = "山田,a@b.jp" + ",x" * 40
    preview = read_table(
        csv_bytes(["氏名,メールアドレス", wide]), "a.csv", PEOPLE, limits=Limits(max_columns=20)
    )
    assert codes(preview.errors) == ["too_many_columns"]


def test_extra_cells_without_a_header_are_ignored_within_the_cap() -> None:
    preview = read_table(csv_bytes(["氏名,メールアドレス", "山田,a@b.jp,メモ"]), "a.csv", PEOPLE)
    assert preview.ok and preview.rows[0].values == {"name": "山田", "email": "a@b.jp"}


def test_cell_length_cap() -> None:
    data = csv_bytes(["氏名,メールアドレス,部署", "山田,a@b.jp," + "長" * 5000])
    preview = read_table(data, "a.csv", PEOPLE, limits=Limits(max_cell_chars=1000))
    assert [(e.row, e.column_key, e.code) for e in preview.errors] == [
        (2, "department", "cell_too_long")
    ]
    assert "5000" in preview.errors[0].message_ja


def test_time_cap_stops_with_an_error() -> None:
    preview = read_table(_people_csv(10), "a.csv", PEOPLE, limits=Limits(max_seconds=0))
    assert codes(preview.errors) == ["time_limit"]


def test_a_long_run_of_empty_rows_stops_reading_with_a_warning() -> None:
    def far_away(sheet) -> None:
        sheet["A900000"] = "遠く"
        sheet["B900000"] = "far@example.jp"

    data = xlsx_bytes([["氏名", "メールアドレス"], ["山田", "a@b.jp"]], edit=far_away)
    preview = read_table(data, "a.xlsx", PEOPLE, limits=Limits(max_blank_rows=500))
    assert preview.ok and preview.total_rows == 1
    assert (
        codes(preview.warnings) == ["blank_rows_stop"]
        and "3 行目" in preview.warnings[0].message_ja
    )


def _zip_with(member: str, size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open(member, "w", force_zip64=True) as handle:
            chunk = b"\0" * (1 << 20)
            for _ in range(size // len(chunk)):
                handle.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_unpacking() -> None:
    bomb = _zip_with("xl/worksheets/sheet1.xml", 130 * (1 << 20))
    assert len(bomb) < 1_000_000
    preview = read_table(bomb, "bomb.xlsx", PEOPLE)
    assert codes(preview.errors) == ["zip_too_large"] and "128.0" in preview.errors[0].message_ja


def test_zip_compression_ratio_cap() -> None:
    bomb = _zip_with("xl/worksheets/sheet1.xml", 20 * (1 << 20))
    preview = read_table(bomb, "bomb.xlsx", PEOPLE, limits=Limits(max_zip_ratio=100))
    assert codes(preview.errors) == ["zip_ratio"]


def test_size_lies_in_the_zip_directory_are_caught() -> None:
    """A member whose header under-states its size is cut at the stated size and fails its CRC."""
    data = bytearray(xlsx_bytes([["氏名", "メールアドレス"], ["山田", "a@b.jp"]]))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Patch the uncompressed size (offset 24 in the central directory entry) to 10 bytes.
    position = data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\x01\x02"))
    entry = position - 46
    assert data[entry : entry + 4] == b"PK\x01\x02" and info.file_size > 10
    data[entry + 24 : entry + 28] = (10).to_bytes(4, "little")
    preview = read_table(bytes(data), "a.xlsx", PEOPLE)
    assert not preview.ok and preview.errors[0].code in (
        "xlsx_broken",
        "xlsx_broken_at",
        "unreadable",
    )


def test_too_many_zip_entries() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for index in range(60):
            archive.writestr(f"xl/media/image{index}.png", b"x")
    preview = read_table(buffer.getvalue(), "a.xlsx", PEOPLE, limits=Limits(max_zip_entries=50))
    assert codes(preview.errors) == ["zip_too_many_entries"]


def test_wide_xlsx_header_is_capped() -> None:
    header = ["氏名", "メールアドレス"] + [f"列{i}" for i in range(40)]
    preview = read_table(
        xlsx_bytes([header, ["山田", "a@b.jp"]]), "a.xlsx", PEOPLE, limits=Limits(max_columns=20)
    )
    assert codes(preview.errors) == ["too_many_columns"]


def test_long_pathological_cells_and_headers_are_refused_early() -> None:
    """Inputs that would make the name and date patterns backtrack: with the early length
    checks they are plain errors and unknown headers."""
    brackets = "(" * 20_000
    spaces = "2024-4-1" + " " * 9_000 + "x"
    header = f"氏名,メールアドレス,雇用形態,入社日,{brackets}"
    row = f'山田,a@b.jp,"{brackets[:9_000]}","{spaces}",x'
    preview = read_table(csv_bytes([header, row]), "a.csv", PEOPLE)
    assert {(error.column_key, error.code) for error in preview.errors} == {
        ("employment", "bad_choice"),
        ("joined", "bad_date"),
    }
    assert "unknown_header" in codes(preview.warnings)
