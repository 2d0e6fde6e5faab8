"""Cell parsing by kind: booleans, dates (incl. 和暦 and Excel serials), numbers, email, URL,
choices, lists, formula-like text and the protective quote."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mamori.tabular.dates import parse_date, parse_datetime
from mamori.tabular.schema import Column, name_keys
from mamori.tabular.tests.schemas import ALL_KINDS, PEOPLE
from mamori.tabular.values import (
    parse_bool,
    parse_cell,
    parse_email,
    parse_int,
    parse_url,
    protect,
    unprotect,
)


@pytest.mark.parametrize(
    "text", ["はい", "有", "○", "〇", "✓", "yes", "YES", "true", "True", "1", "ｙｅｓ", " はい "]
)
def test_true_words(text: str) -> None:
    assert parse_bool(text).value is True


@pytest.mark.parametrize("text", ["いいえ", "無", "×", "no", "No", "false", "0", "ｎｏ"])
def test_false_words(text: str) -> None:
    assert parse_bool(text).value is False


def test_bool_cells_and_blank_word() -> None:
    assert parse_bool(True).value is True
    assert parse_bool(0).value is False
    assert parse_bool("空欄").value is None and parse_bool("空欄").problem is None


@pytest.mark.parametrize("text", ["多分", "2", "yess", "はいいいえ"])
def test_bool_rejects(text: str) -> None:
    assert parse_bool(text).problem == ("bad_bool", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-04-01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024.04.01", date(2024, 4, 1)),
        ("２０２４／４／１", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("2024年 4月 1日", date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        ("2024/4/1(月)", date(2024, 4, 1)),
        ("2024-04-01 00:00:00", date(2024, 4, 1)),
        ("令和6年4月1日", date(2024, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("㋿6年4月1日", date(2024, 4, 1)),
        ("R6.4.1", date(2024, 4, 1)),
        ("r06/04/01", date(2024, 4, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("H10.1.15", date(1998, 1, 15)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("S50.12.3", date(1975, 12, 3)),
        ("45383", date(2024, 4, 1)),
    ],
)
def test_date_forms(text: str, expected: date) -> None:
    assert parse_date(text) == (expected, None)


def test_date_cells_and_serials() -> None:
    assert parse_date(datetime(2024, 4, 1, 12, 0)) == (date(2024, 4, 1), None)
    assert parse_date(date(2024, 4, 1)) == (date(2024, 4, 1), None)
    assert parse_date(45383) == (date(2024, 4, 1), None)
    assert parse_date(45383.75) == (date(2024, 4, 1), None)
    assert parse_date(True)[1] is not None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2024-02-30", "no_such_date"),
        ("2024/13/1", "no_such_date"),
        ("平成32年1月1日", "bad_wareki"),
        ("令和1年4月1日", "bad_wareki"),  # 令和 began on 1 May 2019
        ("昭和64年1月8日", "bad_wareki"),
        ("4/1/2024", "bad_date"),
        ("来週", "bad_date"),
        ("2024-04-01 foo", "bad_date"),
        ("0", "bad_date"),
        ("99999999", "no_such_date"),
    ],
)
def test_date_problems(text: str, code: str) -> None:
    value, problem = parse_date(text)
    assert value is None and problem is not None and problem[0] == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-04-01 09:30", datetime(2024, 4, 1, 9, 30)),
        ("2024/4/1 9:30:15", datetime(2024, 4, 1, 9, 30, 15)),
        ("2024-04-01T09:30:00", datetime(2024, 4, 1, 9, 30)),
        ("2024年4月1日 9時30分", datetime(2024, 4, 1, 9, 30)),
        ("令和6年4月1日 18:05", datetime(2024, 4, 1, 18, 5)),
        ("2024-04-01", datetime(2024, 4, 1)),
        (
            "2024-04-01 09:30+09:00",
            datetime(2024, 4, 1, 9, 30, tzinfo=timezone(timedelta(hours=9))),
        ),
        ("2024-04-01T00:30:00Z", datetime(2024, 4, 1, 0, 30, tzinfo=UTC)),
        ("45383.5", datetime(2024, 4, 1, 12, 0)),
    ],
)
def test_datetime_forms(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == (expected, None)


@pytest.mark.parametrize("text", ["2024-04-01 25:00", "2024-04-01 9", "昨日の夜"])
def test_datetime_problems(text: str) -> None:
    assert parse_datetime(text)[0] is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), ("１２", 12), ("1,234", 1234), (" -3 ", -3), (7, 7), (7.0, 7), ("12.0", 12)],
)
def test_int(raw: object, expected: int) -> None:
    assert parse_int(raw).value == expected


@pytest.mark.parametrize("raw", ["1.5", 1.5, "十二", "1e5", True, "9" * 40])
def test_int_rejects(raw: object) -> None:
    assert parse_int(raw).problem == ("bad_int", {})


def test_email_normalised_and_rejected() -> None:
    assert parse_email("Taro@EXAMPLE.co.jp").value == "Taro@example.co.jp"
    assert parse_email("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ").value == "taro@example.jp"
    assert parse_email("mailto:a@b.jp").value == "a@b.jp"
    for bad in ["taro", "taro@", "@example.jp", "a b@example.jp", "a@example", "山田 <a@b.jp>"]:
        assert parse_email(bad).problem == ("bad_email", {}), bad


def test_url_forms() -> None:
    assert parse_url("https://www.example.co.jp/a?b=1").value == "https://www.example.co.jp/a?b=1"
    assert parse_url("www.example.co.jp").value == "https://www.example.co.jp"
    for bad in [
        "javascript:alert(1)",
        "ftp://example.jp/",
        "http://",
        "not a url",
        "https://a:bad/",
    ]:
        assert parse_url(bad).problem == ("bad_url", {}), bad


def test_choice_by_value_label_and_alias() -> None:
    column = PEOPLE.by_key["employment"]
    for text in ["正社員", "regular", "Regular Employee", "社員", "　正社員　", "パート", "ﾊﾟｰﾄ"]:
        assert parse_cell(column, text).problem is None, text
    assert parse_cell(column, "ﾊﾟｰﾄ").value == "part_time"
    problem = parse_cell(column, "役員").problem
    assert problem is not None and problem[0] == "bad_choice"
    choices = problem[1]["choices"]
    assert isinstance(choices, tuple)
    assert "「正社員」" in choices[0] and '"Contractor"' in choices[1]


def test_list_separators_and_choices() -> None:
    tags = ALL_KINDS.by_key["tags"]
    assert parse_cell(tags, "a; b、c\nd；e").value == ["a", "b", "c", "d", "e"]
    roles = ALL_KINDS.by_key["roles"]
    assert parse_cell(roles, "正社員;派遣").value == ["regular", "dispatched"]
    assert _code(parse_cell(roles, "正社員;社長").problem) == "bad_choice"
    groups = PEOPLE.by_key["groups"]
    assert _code(parse_cell(groups, "a;" + "x" * 51).problem) == "item_too_long"


def _code(problem: tuple[str, object] | None) -> str:
    assert problem is not None
    return problem[0]


def test_text_formula_like_is_a_warning_and_quote_is_removed() -> None:
    column = Column("note", "備考", "Note", "text")
    for text in ["=SUM(A1)", "+81-3", "-5", "@user", "\t=1", "＝１"]:
        parsed = parse_cell(column, text)
        assert parsed.problem is None and parsed.formula_prefix == text[0], text
    quoted = parse_cell(column, "'=SUM(A1)")
    assert quoted.value == "=SUM(A1)" and not quoted.formula_prefix
    assert parse_cell(column, "'abc").value == "'abc"  # only our protective quote is removed


def test_text_max_length() -> None:
    assert parse_cell(PEOPLE.by_key["name"], "あ" * 101).problem == (
        "too_long",
        {"length": 101, "limit": 100},
    )


@pytest.mark.parametrize("text", ["=1+1", "'=1", "''x", "plain", "-", "@", "'", ""])
def test_protect_is_inverted_by_unprotect(text: str) -> None:
    assert unprotect(protect(text))[0] == text


def test_header_names_fold_width_case_space_and_notes() -> None:
    for header in [
        "メールアドレス",
        "メール（必須）",
        "ﾒｰﾙ",
        "E-mail",
        "e mail",
        "EMAIL",
        "【必須】メール",
        "Email*",
    ]:
        column = PEOPLE.match_header(header)
        assert column is not None and column.key == "email", header
    assert PEOPLE.match_header("備考") is None
    assert name_keys("氏名（フリガナ）")[-1] == "氏名"


def test_a_leading_quote_marks_text_in_typed_columns() -> None:
    assert parse_cell(PEOPLE.by_key["joined"], "'2024/4/1").value == date(2024, 4, 1)
    assert parse_cell(PEOPLE.by_key["email"], "'-a@b.jp").value == "-a@b.jp"
    assert parse_cell(ALL_KINDS.by_key["count"], "'0012").value == 12


def test_schema_definition_mistakes_fail_at_definition() -> None:
    from mamori.tabular import Choice, Schema

    name = Column("name", "氏名", "Name", "text")
    with pytest.raises(ValueError, match="unknown kind"):
        Column("x", "x", "x", "money")
    with pytest.raises(ValueError, match="needs choices"):
        Column("x", "x", "x", "choice")
    with pytest.raises(ValueError, match="duplicate column keys"):
        Schema("s", [name, Column("name", "名前", "Full name", "text")])
    with pytest.raises(ValueError, match="names both"):
        Schema("s", [name, Column("full", "氏名", "Full name", "text")])
    with pytest.raises(ValueError, match="unknown column"):
        Schema("s", [name], unique_together=[("email",)])
    schema = Schema(
        "s", [name, Column("kind", "種類", "Kind", "choice", choices=[Choice("a", "甲", "A")])]
    )
    assert {name, schema.columns[1]}  # columns are hashable even with list examples
    assert isinstance(schema.columns[1].choices, tuple)
