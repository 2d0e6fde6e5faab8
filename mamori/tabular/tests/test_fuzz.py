"""Fuzzing read_table with random and mutated bytes: no exception escapes, and the preview is
always coherent (ok only without errors, every problem has both texts)."""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.tabular import Limits, Preview, read_table
from mamori.tabular.tests.helpers import csv_bytes, xlsx_bytes
from mamori.tabular.tests.schemas import ALL_KINDS, PEOPLE
from mamori.tabular.writer import write_xlsx

SMALL = Limits(max_rows=200, max_seconds=20)
CSV_SEED = csv_bytes(
    [
        "氏名,メールアドレス,部署,雇用形態,入社日,退職日,管理者,グループ",
        '山田,a@b.jp,"総務\n経理",正社員,令和6年4月1日,,はい,x;y',
        "佐藤,c@d.jp,=1,派遣,2024/4/1,R6.4.1,×,",
    ],
    "cp932",
)
XLSX_SEED = write_xlsx(
    PEOPLE,
    [{"name": "山田", "email": "a@b.jp", "department": "=x", "is_admin": True, "groups": ["a"]}]
    * 3,
)


def _coherent(preview: Preview) -> None:
    assert isinstance(preview, Preview)
    assert preview.ok == (not preview.errors)
    for problem in (*preview.errors, *preview.warnings):
        assert problem.message_ja and problem.message_en
        assert problem.row is None or problem.row >= 1
    for row in preview.rows:
        assert row.number >= 2
        assert set(row.values) <= {column.key for column in PEOPLE.columns}


def _mutate(seed: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(seed)
    for position, value in edits:
        if data:
            data[position % len(data)] = value
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a"]))
def test_random_bytes(data: bytes, name: str) -> None:
    _coherent(read_table(data, name, PEOPLE, limits=SMALL))


@settings(max_examples=150, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12))
def test_mutated_csv(edits: list[tuple[int, int]]) -> None:
    _coherent(read_table(_mutate(CSV_SEED, edits), "a.csv", PEOPLE, limits=SMALL))


@settings(max_examples=100, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_mutated_xlsx_bytes(edits: list[tuple[int, int]]) -> None:
    _coherent(read_table(_mutate(XLSX_SEED, edits), "a.xlsx", PEOPLE, limits=SMALL))


def _rezip(seed: bytes, member: str, change: bytes, at: int) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(seed))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                position = at % (len(content) + 1)
                content = content[:position] + change + content[position:]
            target.writestr(info.filename, content)
    return buffer.getvalue()


XML_SNIPPETS = st.sampled_from(
    [
        b"<",
        b"</row>",
        b'<row r="1048576"><c r="XFD1048576" t="s"><v>999</v></c></row>',
        b'<c r="A2" t="e"><v>#REF!</v></c>',
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
        b"&b;",
        b'<c r="B2" t="n"><v>1e999</v></c>',
        b'<c r="E2" s="1"><v>-5</v></c>',
        b'<mergeCell ref="A2:A9999999"/>',
        b'<dimension ref="A1:XFD1048576"/>',
        b"\xff\xfe",
    ]
)


@settings(max_examples=100, deadline=None)
@given(
    member=st.sampled_from(
        ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"]
    ),
    change=XML_SNIPPETS | st.binary(max_size=40),
    at=st.integers(0, 5000),
)
def test_mutated_xlsx_parts(member: str, change: bytes, at: int) -> None:
    _coherent(read_table(_rezip(XLSX_SEED, member, change, at), "a.xlsx", PEOPLE, limits=SMALL))


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(
        st.lists(
            st.none()
            | st.integers()
            | st.floats(allow_nan=True)
            | st.booleans()
            | st.text(max_size=20).map(lambda text: "".join(ch for ch in text if ch >= " ")),
            max_size=12,
        ),
        max_size=6,
    )
)
def test_random_typed_cells_under_a_valid_header(cells: list[list[object]]) -> None:
    header = [column.label_ja for column in ALL_KINDS.columns]
    try:
        data = xlsx_bytes([header, *cells])
    except (ValueError, TypeError):
        return  # openpyxl itself refuses some values (e.g. NaN handling differs by version)
    preview = read_table(data, "a.xlsx", ALL_KINDS, limits=SMALL)
    assert preview.ok == (not preview.errors)
    assert all(problem.message_ja and problem.message_en for problem in preview.errors)
