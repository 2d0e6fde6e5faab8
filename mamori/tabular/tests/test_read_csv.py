"""read_table on CSV: encodings, delimiters, header matching, precise errors, duplicates."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.tabular import Limits, read_table
from mamori.tabular.tests.helpers import PEOPLE_HEADER, codes, csv_bytes
from mamori.tabular.tests.schemas import PEOPLE

GOOD = [
    ",".join(PEOPLE_HEADER),
    "山田 太郎,taro@example.co.jp,総務部,正社員,2020/4/1,,はい,経理;総務",
    "佐藤 花子,hanako@example.co.jp,営業部,パート・アルバイト,令和5年10月1日,R6.3.31,いいえ,",
]


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("shift_jis", "cp932"),
        ("cp932", "cp932"),
        ("euc_jp", "euc_jp"),
    ],
)
def test_every_encoding_reads_the_same_rows(encoding: str, reported: str) -> None:
    preview = read_table(csv_bytes(GOOD, encoding), "people.csv", PEOPLE)
    assert preview.ok, [error.describe("en") for error in preview.errors]
    assert preview.encoding == reported and preview.format == "csv"
    assert preview.total_rows == 2
    first, second = (row.values for row in preview.rows)
    assert first["name"] == "山田 太郎" and first["groups"] == ["経理", "総務"]
    assert first["joined"] == date(2020, 4, 1) and first["is_admin"] is True
    assert second["employment"] == "part_time" and second["left"] == date(2024, 3, 31)
    assert second["joined"] == date(2023, 10, 1) and second["groups"] == []


def test_cp932_only_characters() -> None:
    # ① and 髙 exist in cp932 (Windows) but not in plain Shift_JIS.
    lines = [",".join(PEOPLE_HEADER), "髙橋①,t@example.jp,,,,,,"]
    preview = read_table(csv_bytes(lines, "cp932"), "a.csv", PEOPLE)
    assert preview.rows[0].values["name"] == "髙橋①" and preview.encoding == "cp932"


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "tsv"), (";", "semicolon"), (",", "comma")])
def test_delimiters(delimiter: str, name: str) -> None:
    lines = [
        delimiter.join(PEOPLE_HEADER[:2]),
        delimiter.join(["山田, 太郎" if name != "comma" else "山田", "a@b.jp"]),
    ]
    preview = read_table(csv_bytes(lines), "a.txt", PEOPLE)
    assert preview.delimiter == delimiter and preview.ok
    assert preview.rows[0].values["email"] == "a@b.jp"


def test_unknown_encoding_is_a_clear_error() -> None:
    data = ",".join(PEOPLE_HEADER).encode() + b"\r\n\x81\xff\xfe\x80,\xa0\x80\r\n"
    preview = read_table(data, "a.csv", PEOPLE)
    assert codes(preview.errors) == ["encoding_unknown"] and not preview.ok
    assert "UTF-8" in preview.errors[0].message_ja and preview.errors[0].row is None


def test_headers_matched_by_label_english_alias_and_notes() -> None:
    lines = [
        "Name,メール（必須）,DEPARTMENT, 雇用 形態 ,joined,left",
        "A,a@b.jp,x,派遣,2024-01-01,",
    ]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    assert preview.ok
    assert [match.key for match in preview.columns] == [
        "name",
        "email",
        "department",
        "employment",
        "joined",
        "left",
    ]
    assert preview.columns[1].header == "メール（必須）" and preview.columns[1].letter == "B"
    assert preview.present_keys == {"name", "email", "department", "employment", "joined", "left"}
    assert "is_admin" not in preview.rows[0].values


def test_unknown_headers_warn_and_missing_required_columns_error() -> None:
    lines = ["氏名,備考,社員番号", "山田,メモ,001"]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    assert codes(preview.errors) == ["missing_column"]
    error = preview.errors[0]
    assert error.column_key == "email" and error.row == 1
    assert "「メールアドレス」" in error.message_ja and '"Email"' in error.message_en
    assert sorted(w.value for w in preview.warnings if w.code == "unknown_header") == [
        "備考",
        "社員番号",
    ]


def test_no_header_row() -> None:
    preview = read_table(csv_bytes(["1,2,3", "4,5,6"]), "a.csv", PEOPLE)
    assert codes(preview.errors) == ["no_header"]
    assert "「氏名」" in preview.errors[0].message_ja


def test_title_rows_above_the_header_keep_spreadsheet_row_numbers() -> None:
    lines = [
        "社員名簿 2024年度,,",
        ",,",
        "氏名,メールアドレス,入社日",
        "山田,yamada@example.jp,2024/02/30",
    ]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    assert preview.header_row == 3
    assert [(error.row, error.column_key, error.code) for error in preview.errors] == [
        (4, "joined", "no_such_date")
    ]


def test_every_problem_names_row_column_and_expectation() -> None:
    lines = [
        "氏名,メール（必須）,部署,雇用形態,入社日,退職日,管理者,グループ",
        "山田,yamada@example.jp,総務,正社員,2024/4/1,,はい,",
        ",not-an-email,,社長,来月,2024-13-01,たぶん,",
        "鈴木,YAMADA@example.jp,,,,,,",
    ]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    assert not preview.ok
    found = {(error.row, error.column_key): error for error in preview.errors}
    assert set(found) == {
        (3, "name"),
        (3, "email"),
        (3, "employment"),
        (3, "joined"),
        (3, "left"),
        (3, "is_admin"),
        (4, "email"),
    }
    date_error = found[(3, "joined")]
    assert date_error.message_ja.startswith(
        "日付として読めません。2024-04-01 の形式で入力してください"
    )
    assert date_error.value == "来月" and date_error.column_label_ja == "入社日"
    assert date_error.describe("ja").startswith(
        "3 行目・「入社日」列（E 列）: 日付として読めません"
    )
    assert date_error.describe("en").startswith(
        'Row 3, column "入社日" (E): This cannot be read as a date'
    )
    email_error = found[(3, "email")]
    assert email_error.column_label_ja == "メール（必須）"  # as labelled in the file
    assert "name@example.co.jp" in email_error.message_ja
    assert "「正社員」" in found[(3, "employment")].message_ja
    assert found[(3, "name")].code == "required"
    duplicate = found[(4, "email")]
    assert duplicate.code == "duplicate_row" and "2 行目" in duplicate.message_ja
    assert "row 2" in duplicate.message_en
    assert [row.number for row in preview.rows] == [2, 3, 4]
    assert preview.rows[0].ok and not preview.rows[2].ok


def test_duplicates_within_the_file_name_both_rows() -> None:
    lines = ["氏名,メールアドレス"] + [f"人{i},p{i % 3}@example.jp" for i in range(6)]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    pairs = sorted((error.row, error.message_en) for error in preview.errors)
    assert [row for row, _ in pairs] == [5, 6, 7]
    assert "as row 2" in pairs[0][1] and "as row 3" in pairs[1][1] and "as row 4" in pairs[2][1]


def test_formula_like_text_is_accepted_with_a_warning() -> None:
    lines = [
        "氏名,メールアドレス,部署",
        '=HYPERLINK("http://evil"),a@b.jp,+81',
        "'=1+1,c@d.jp,@here",
    ]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    assert preview.ok
    assert preview.rows[0].values["name"] == '=HYPERLINK("http://evil")'
    assert preview.rows[1].values["name"] == "=1+1"  # the protective quote is removed
    warned = sorted((w.row, w.column_key) for w in preview.warnings if w.code == "formula_like")
    assert warned == [(2, "department"), (2, "name"), (3, "department")]
    assert "数式のように見えます" in preview.warnings[0].message_ja


def test_quoted_multiline_cells_count_as_one_spreadsheet_row() -> None:
    lines = ["氏名,メールアドレス,グループ", '山田,a@b.jp,"経理\n総務"', "鈴木,bad,"]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    assert preview.rows[0].values["groups"] == ["経理", "総務"]
    assert [(error.row, error.column_key) for error in preview.errors] == [(3, "email")]


def test_empty_rows_are_skipped_but_keep_numbering() -> None:
    lines = ["氏名,メールアドレス", ",", "山田,bad", "", "鈴木,s@b.jp"]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    assert [row.number for row in preview.rows] == [3, 5]
    assert preview.errors[0].row == 3 and preview.total_rows == 2


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "file_empty"),
        (b"   \r\n\r\n", "file_empty"),
        ("\ufeff".encode(), "file_empty"),
        (",".join(PEOPLE_HEADER).encode(), "only_header"),
        ((",".join(PEOPLE_HEADER) + "\r\n,,,\r\n").encode(), "only_header"),
        (b"%PDF-1.7\n...", "not_table"),
        (b"\x89PNG\r\n\x1a\n....", "not_table"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "not_table"),
        (b"\x00\x01\x02\x03" * 100, "binary_text"),
    ],
)
def test_bad_files_give_one_clear_error(data: bytes, code: str) -> None:
    preview = read_table(data, "upload.csv", PEOPLE)
    assert codes(preview.errors) == [code] and not preview.ok
    assert preview.errors[0].message_ja and preview.errors[0].message_en


def test_xlsx_name_on_non_zip_bytes() -> None:
    preview = read_table(csv_bytes(GOOD), "people.xlsx", PEOPLE)
    assert codes(preview.errors) == ["xlsx_broken"]


def test_unclosed_quote_or_overlong_field_is_reported_with_its_row() -> None:
    data = csv_bytes(["氏名,メールアドレス", "山田,a@b.jp", '"' + "x" * 200_000 + ",b@c.jp"])
    preview = read_table(data, "a.csv", PEOPLE)
    assert codes(preview.errors) == ["csv_broken"]
    assert "3 行目" in preview.errors[0].message_ja


def test_many_errors_are_capped_in_the_listing_but_counted() -> None:
    lines = ["氏名,メールアドレス"] + [f"人{i},bad{i}" for i in range(30)]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE, limits=Limits(max_errors=10))
    assert preview.error_count == 30 and len(preview.errors) == 11
    assert preview.errors[-1].code == "too_many_errors" and "30" in preview.errors[-1].message_ja
    assert all(len(row.errors) == 1 for row in preview.rows)


def test_utf16_variants_iso2022_and_old_mac_line_ends() -> None:
    text = "\r\n".join(GOOD) + "\r\n"
    be = b"\xfe\xff" + text.encode("utf-16-be")
    assert read_table(be, "a.csv", PEOPLE).total_rows == 2
    le_without_bom = read_table(text.encode("utf-16-le"), "a.csv", PEOPLE)
    assert le_without_bom.encoding == "utf-16-le" and le_without_bom.ok
    jis = read_table(text.encode("iso2022_jp"), "a.csv", PEOPLE)
    assert jis.encoding == "iso2022_jp" and jis.rows[0].values["name"] == "山田 太郎"
    mac = read_table("\r".join(GOOD).encode("cp932"), "a.csv", PEOPLE)
    assert mac.ok and [row.number for row in mac.rows] == [2, 3]


_KANA = "".join(chr(code) for code in range(0x3041, 0x3094)) + "".join(
    chr(code) for code in range(0x30A1, 0x30F7)
)
_KANJI = "山田佐藤鈴木高橋中村小林加藤吉井上松清水森池本部総務営業経理課長社員東京大阪支店"


@settings(max_examples=80, deadline=None)
@given(
    names=st.lists(
        st.text(alphabet=_KANA + _KANJI + "abcXYZ 0123", min_size=1, max_size=12),
        min_size=1,
        max_size=5,
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932", "euc_jp", "utf-16"]),
)
def test_japanese_text_in_any_encoding_reads_back(names: list[str], encoding: str) -> None:
    names = [name.strip() or "x" for name in names]
    lines = ["氏名,メールアドレス"] + [
        f"{name},p{index}@example.jp" for index, name in enumerate(names)
    ]
    preview = read_table(csv_bytes(lines, encoding), "a.csv", PEOPLE)
    assert preview.ok
    assert [row.values["name"] for row in preview.rows] == names


def test_excel_unicode_text_is_utf16_with_tabs() -> None:
    """Excel's 「Unicode テキスト」 export: UTF-16 little endian with BOM, tab separated."""
    lines = [
        "\t".join(PEOPLE_HEADER),
        "\t".join(["山田", "a@b.jp", "総務", "正社員", "2024/4/1", "", "はい", "x"]),
    ]
    preview = read_table(b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le"), "a.txt", PEOPLE)
    assert preview.ok and preview.encoding == "utf-16" and preview.delimiter == "\t"
    assert preview.rows[0].values["employment"] == "regular"


def test_row_checks_compare_cells_of_one_row() -> None:
    lines = [
        "氏名,メールアドレス,入社日,退職日",
        "山田,a@b.jp,2024/4/1,2024/3/31",
        "佐藤,c@d.jp,2024/4/1,2024/4/1",
        "鈴木,e@f.jp,不明,2020/1/1",
    ]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    assert [(error.row, error.column_key, error.code) for error in preview.errors] == [
        (2, "left", "row_check"),
        (4, "joined", "bad_date"),
    ]
    error = preview.errors[0]
    assert "「退職日」（2024-03-31）が「入社日」（2024-04-01）より前" in error.message_ja
    assert '"Left" (2024-03-31) is before "Joined" (2024-04-01)' in error.message_en
    assert error.describe("ja").startswith("2 行目・「退職日」列（D 列）")


def test_excel_sep_hint_line_sets_the_delimiter_and_is_not_a_row() -> None:
    lines = ["sep=;", "氏名;メールアドレス;部署", "山田, 太郎;a@b.jp;総務, 経理", "佐藤;bad;"]
    preview = read_table(csv_bytes(lines), "a.csv", PEOPLE)
    assert preview.delimiter == ";" and preview.header_row == 1
    assert preview.rows[0].values["name"] == "山田, 太郎"
    assert [(error.row, error.column_key) for error in preview.errors] == [(3, "email")]
