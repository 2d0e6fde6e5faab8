"""Exports and templates: CSV and xlsx layout, formula neutralisation, export → import round
trip (hypothesis), the template's example row and 入力方法 sheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.tabular import read_table, template_csv, template_xlsx, write_csv, write_xlsx
from mamori.tabular.tests.helpers import codes
from mamori.tabular.tests.schemas import ALL_KINDS, EMPLOYMENT, PEOPLE

ROWS: list[dict[str, Any]] = [
    {
        "name": "山田 太郎",
        "email": "taro@example.jp",
        "department": '=HYPERLINK("http://evil.example","click")',
        "employment": "part_time",
        "joined": date(2020, 4, 1),
        "left": None,
        "is_admin": True,
        "groups": ["経理", "総務"],
    },
    {
        "name": "-2+3",
        "email": "hanako@example.jp",
        "department": "@SUM(1)",
        "employment": None,
        "joined": None,
        "left": date(2024, 3, 31),
        "is_admin": False,
        "groups": ["+x"],
    },
]


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_layout_and_labels_in_each_language() -> None:
    ja = _csv_rows(write_csv(PEOPLE, ROWS))
    assert ja[0] == [
        "氏名",
        "メールアドレス",
        "部署",
        "雇用形態",
        "入社日",
        "退職日",
        "管理者",
        "グループ",
    ]
    assert ja[1][3:] == ["パート・アルバイト", "2020-04-01", "", "はい", "経理; 総務"]
    en = _csv_rows(write_csv(PEOPLE, ROWS, lang="en"))
    assert en[0][:4] == ["Name", "Email", "Department", "Employment type"]
    assert en[1][3] == "Part-time" and en[1][6] == "yes" and en[2][6] == "no"
    assert b"\r\n" in write_csv(PEOPLE, ROWS)


def test_csv_neutralises_formula_like_text() -> None:
    rows = _csv_rows(write_csv(PEOPLE, ROWS))
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[2][0] == "'-2+3" and rows[2][2] == "'@SUM(1)" and rows[2][7] == "'+x"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_xlsx_layout_types_and_neutralisation() -> None:
    data = write_xlsx(PEOPLE, ROWS, sheet_title="社員/名簿[2024]")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.title == "社員 名簿 2024"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert [cell.value for cell in sheet[1]][:2] == ["氏名", "メールアドレス"]
    assert sheet.column_dimensions["A"].width >= 8 and sheet.column_dimensions["C"].width > 20
    joined = sheet["E2"]
    assert joined.is_date and joined.value == datetime(2020, 4, 1)
    assert sheet["G2"].value == "はい" and sheet["D2"].value == "パート・アルバイト"
    assert sheet["C2"].data_type == "s" and sheet["C2"].value.startswith("'=HYPERLINK")
    assert sheet["A3"].value == "'-2+3" and sheet["A3"].data_type == "s"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_xlsx_drops_characters_xml_cannot_hold() -> None:
    data = write_xlsx(PEOPLE, [{"name": "a\x00b\x1fc", "email": "a@b.jp"}])
    preview = read_table(data, "x.xlsx", PEOPLE)
    assert preview.rows[0].values["name"] == "abc"


def test_round_trip_of_the_fixed_rows_without_warnings() -> None:
    for data, name in (
        (write_xlsx(PEOPLE, ROWS), "x.xlsx"),
        (write_csv(PEOPLE, ROWS, lang="en"), "x.csv"),
    ):
        preview = read_table(data, name, PEOPLE)
        assert preview.ok and preview.warnings == []
        assert [row.values for row in preview.rows] == ROWS


def test_large_export_streams_and_reads_back() -> None:
    rows = [
        {
            "name": f"人{i}",
            "email": f"p{i}@example.jp",
            "joined": date(2020, 1, 1) + timedelta(days=i),
        }
        for i in range(3000)
    ]
    preview = read_table(write_xlsx(PEOPLE, rows), "x.xlsx", PEOPLE)
    assert preview.ok and preview.total_rows == 3000
    assert preview.rows[-1].values["joined"] == date(2020, 1, 1) + timedelta(days=2999)


_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn", "Cf", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).filter(lambda text: text == text.strip() and text != "")
_FORMULAS = st.sampled_from(["=1+1", "-5", "+81 3", "@here", "'=x", "''a", "'", "=", "＝SUM"])
_ITEM = _TEXT.filter(lambda text: not any(sep in text for sep in (";", "；", "、"))).filter(
    lambda text: text == text.strip()
)
_ZONE = st.sampled_from(
    [None, timezone(timedelta(hours=9)), UTC, timezone(timedelta(hours=-5, minutes=-30))]
)


@st.composite
def _all_kinds_row(draw: st.DrawFn) -> dict[str, object]:
    moment = draw(
        st.none() | st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 30))
    )
    if moment is not None:
        moment = moment.replace(microsecond=0, tzinfo=draw(_ZONE))
    return {
        "text": draw(_FORMULAS | _TEXT),
        "email": draw(
            st.none()
            | st.from_regex(
                r"[A-Za-z0-9._%+-]{1,10}@[a-z0-9-]{1,10}\.(jp|com|co\.jp)", fullmatch=True
            )
        ),
        "url": draw(
            st.none()
            | st.from_regex(
                r"https?://[a-z]{1,10}\.(jp|com)(/[a-zA-Z0-9_=-]{0,8})?", fullmatch=True
            )
        ),
        "day": draw(st.none() | st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31))),
        "moment": moment,
        "flag": draw(st.none() | st.booleans()),
        "count": draw(st.none() | st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1)),
        "kind": draw(st.none() | st.sampled_from([choice.value for choice in EMPLOYMENT])),
        "tags": draw(st.lists(_FORMULAS | _ITEM, max_size=3)),
        "roles": draw(
            st.lists(st.sampled_from([choice.value for choice in EMPLOYMENT]), max_size=3)
        ),
    }


def _unique(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    for index, row in enumerate(rows):
        row["text"] = f"{row['text']} #{index}"
    return rows


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(_all_kinds_row(), min_size=1, max_size=8).map(_unique),
    lang=st.sampled_from(["ja", "en"]),
)
def test_round_trip_xlsx_and_csv(rows: list[dict[str, object]], lang: str) -> None:
    for data, name in (
        (write_xlsx(ALL_KINDS, rows, lang=lang), "export.xlsx"),
        (write_csv(ALL_KINDS, rows, lang=lang), "export.csv"),
    ):
        preview = read_table(data, name, ALL_KINDS)
        assert preview.ok, [error.describe("en") for error in preview.errors]
        assert [row.values for row in preview.rows] == rows, name
        assert [w for w in preview.warnings if w.code == "formula_like"] == []


def test_template_xlsx_sheets_example_and_guide() -> None:
    for lang, guide_title in (("ja", "入力方法"), ("en", "How to fill in")):
        book = openpyxl.load_workbook(io.BytesIO(template_xlsx(PEOPLE, lang=lang)))
        data_sheet, guide = book.worksheets
        assert guide.title == guide_title
        headers = [cell.value for cell in data_sheet[1]]
        note = "（必須）" if lang == "ja" else " (required)"
        assert headers == [
            column.label(lang) + (note if column.required else "") for column in PEOPLE.columns
        ]
        assert headers[0] == ("氏名（必須）" if lang == "ja" else "Name (required)")
        assert data_sheet["A1"].fill.fgColor.rgb != data_sheet["C1"].fill.fgColor.rgb
        assert data_sheet["A2"].value == "山田 太郎" and data_sheet["E2"].is_date
        assert data_sheet.freeze_panes == "A2"
        validations = {
            str(dv.sqref): dv.formula1 for dv in data_sheet.data_validations.dataValidation
        }
        assert validations["D2:D50001"].count(",") == 3 and validations["G2:G50001"]
        listed = [row for row in guide.iter_rows(min_row=4, values_only=True)]
        assert [row[1] for row in listed] == [column.label(lang) for column in PEOPLE.columns]
        required = {row[1]: row[2] for row in listed}
        assert required[PEOPLE.by_key["email"].label(lang)] == (
            "必須" if lang == "ja" else "required"
        )
        assert required[PEOPLE.by_key["left"].label(lang)] == (
            "任意" if lang == "ja" else "optional"
        )
        employment = next(
            row for row in listed if row[1] == PEOPLE.by_key["employment"].label(lang)
        )
        assert all(choice.label(lang) in employment[4] for choice in EMPLOYMENT)
        date_row = next(row for row in listed if row[1] == PEOPLE.by_key["joined"].label(lang))
        assert "令和6年4月1日" in date_row[4]


def test_template_example_row_is_skipped_and_filled_template_reads() -> None:
    data = template_xlsx(PEOPLE)
    preview = read_table(data, "t.xlsx", PEOPLE)
    assert codes(preview.errors) == ["only_header"]
    assert "example_row_skipped" in codes(preview.warnings)

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    sheet.append(
        ["佐藤", "sato@example.jp", "営業", "派遣", date(2024, 4, 1), None, "いいえ", None]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    preview = read_table(buffer.getvalue(), "t.xlsx", PEOPLE)
    assert preview.ok and [row.number for row in preview.rows] == [3]
    assert preview.rows[0].values["employment"] == "dispatched"


def test_template_csv_has_header_and_example() -> None:
    rows = _csv_rows(template_csv(PEOPLE, lang="en"))
    assert rows[0][:3] == ["Name (required)", "Email (required)", "Department"]
    assert rows[1][:2] == ["山田 太郎", "taro@example.co.jp"]
    assert codes(read_table(template_csv(PEOPLE), "t.csv", PEOPLE).errors) == ["only_header"]


def test_a_real_first_record_like_the_example_is_kept_when_columns_are_partial() -> None:
    data = write_csv(PEOPLE, [{"name": "山田 太郎", "email": "taro@example.co.jp"}])
    partial = b"\xef\xbb\xbf" + "氏名,メールアドレス\r\n山田 太郎,taro@example.co.jp\r\n".encode()
    assert read_table(partial, "a.csv", PEOPLE).total_rows == 1
    full = read_table(data, "a.csv", PEOPLE)  # all columns present but the rest differ (blank)
    assert full.total_rows == 1 and full.ok
