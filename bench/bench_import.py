"""Register import/export speed (mamori.tabular) on a People-like register of 8 columns.

Inputs are generated in the run: N rows (10,000; 1,000 with --quick) written once as .xlsx and
as CSV. Figures are CPU seconds of this process, best of `--rounds` with ours and the
baseline interleaved (the machine may be shared):
  - read_table on the xlsx   vs openpyxl.load_workbook(read_only=True) iterating every value;
  - read_table on the CSV    vs decoding the same bytes and iterating csv.reader;
  - write_xlsx of the N rows vs a bare openpyxl write-only workbook appending the same values.
Each ratio is ours / baseline (above 1 = slower than the bare library; the difference is the
cost of typing, validation, duplicate detection, caps and formula neutralisation).

    .venv/bin/python bench/bench_import.py [--quick] [--rounds N]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl  # noqa: E402

from mamori.tabular import read_table, write_csv, write_xlsx  # noqa: E402
from mamori.tabular.tests.schemas import PEOPLE  # noqa: E402

FAMILY = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健", "由美", "翔", "さくら"]
DEPARTMENTS = ["総務部", "営業部", "経理部", "製造部", "情報システム室"]
EMPLOYMENT = ["regular", "part_time", "dispatched", "contractor"]


def people(count: int) -> list[dict[str, Any]]:
    start = date(2000, 4, 1)
    return [
        {
            "name": f"{FAMILY[i % len(FAMILY)]} {GIVEN[i % len(GIVEN)]}{i}",
            "email": f"user{i}@example.co.jp",
            "department": DEPARTMENTS[i % len(DEPARTMENTS)],
            "employment": EMPLOYMENT[i % len(EMPLOYMENT)],
            "joined": start + timedelta(days=i % 8000),
            "left": start + timedelta(days=8000 + i % 300) if i % 7 == 0 else None,
            "is_admin": i % 13 == 0,
            "groups": ["全社", DEPARTMENTS[i % len(DEPARTMENTS)]] if i % 3 else [],
        }
        for i in range(count)
    ]


def best_pair(
    rounds: int, ours: Callable[[], Any], baseline: Callable[[], Any]
) -> tuple[float, float]:
    """Best CPU time of each, rounds interleaved: on a shared machine CPU time of this process
    is far steadier than wall time, and interleaving exposes both to the same conditions."""
    ours_times: list[float] = []
    base_times: list[float] = []
    for _ in range(rounds):
        for work, times in ((ours, ours_times), (baseline, base_times)):
            started = time.process_time()
            work()
            times.append(time.process_time() - started)
    return min(ours_times), min(base_times)


def bare_openpyxl_read(data: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    count = 0
    for row in book.worksheets[0].iter_rows(values_only=True):
        count += len(row)
    book.close()
    return count


def bare_csv_read(data: bytes) -> int:
    count = 0
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
        count += len(row)
    return count


def bare_openpyxl_write(rows: list[dict[str, Any]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("People")
    keys = [column.key for column in PEOPLE.columns]
    sheet.append([column.label_ja for column in PEOPLE.columns])
    for row in rows:
        sheet.append([("; ".join(v) if isinstance(v, list) else v) for v in (row[k] for k in keys)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 rows, one round")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    options = parser.parse_args()
    count = options.rows or (1_000 if options.quick else 10_000)
    rounds = options.rounds or (1 if options.quick else 3)

    rows = people(count)
    xlsx_data = write_xlsx(PEOPLE, rows)
    csv_data = write_csv(PEOPLE, rows)

    for data, name in ((xlsx_data, "people.xlsx"), (csv_data, "people.csv")):
        preview = read_table(data, name, PEOPLE)
        if not preview.ok or preview.total_rows != count:
            raise SystemExit(f"{name}: unexpected preview {preview.errors[:3]}")

    read_xlsx, base_xlsx = best_pair(
        rounds,
        lambda: read_table(xlsx_data, "people.xlsx", PEOPLE),
        lambda: bare_openpyxl_read(xlsx_data),
    )
    read_csv, base_csv = best_pair(
        rounds,
        lambda: read_table(csv_data, "people.csv", PEOPLE),
        lambda: bare_csv_read(csv_data),
    )
    write, base_write = best_pair(
        rounds, lambda: write_xlsx(PEOPLE, rows), lambda: bare_openpyxl_write(rows)
    )

    figures = {
        "name": "bench_import",
        "rows": count,
        "columns": len(PEOPLE.columns),
        "rounds": rounds,
        "clock": "process_time",
        "xlsx_bytes": len(xlsx_data),
        "csv_bytes": len(csv_data),
        "read_xlsx_s": round(read_xlsx, 4),
        "baseline_read_xlsx_s": round(base_xlsx, 4),
        "ratio_read_xlsx": round(read_xlsx / base_xlsx, 3),
        "read_csv_s": round(read_csv, 4),
        "baseline_read_csv_s": round(base_csv, 4),
        "ratio_read_csv": round(read_csv / base_csv, 3),
        "write_xlsx_s": round(write, 4),
        "baseline_write_xlsx_s": round(base_write, 4),
        "ratio_write_xlsx": round(write / base_write, 3),
        "baseline": "openpyxl read_only iteration (xlsx), csv.reader (CSV), openpyxl write_only append (write)",
        "ratio": round(read_xlsx / base_xlsx, 3),
    }
    print(f"rows: {count} x {len(PEOPLE.columns)} columns, CPU seconds, best of {rounds}")
    print(
        f"read_table xlsx : {read_xlsx:8.3f} s   bare openpyxl read_only: {base_xlsx:8.3f} s   ratio {figures['ratio_read_xlsx']}"
    )
    print(
        f"read_table csv  : {read_csv:8.3f} s   bare csv.reader:         {base_csv:8.3f} s   ratio {figures['ratio_read_csv']}"
    )
    print(
        f"write_xlsx      : {write:8.3f} s   bare openpyxl write_only:{base_write:8.3f} s   ratio {figures['ratio_write_xlsx']}"
    )
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
