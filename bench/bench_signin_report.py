"""Shadow-IT report reading speed (mamori.licences.signin_reports) on an Entra ID sign-in log.

Input generated in the run: N sign-in rows (50,000; 5,000 with --quick) with the portal's
38-column header (see mamori/licences/samples/entra_signins.csv), 40 apps (a third of them
Microsoft's own) and 300 users. Figures are CPU seconds of this process, best of `--rounds`,
ours and the baseline interleaved (the machine may be shared):
  - read_signin_report (tabular read with caps and typing, platform filter, merge per app)
  - baseline: decoding the same bytes and iterating csv.DictReader, counting users per app in a
    dict of sets (the least any reader must do).
The ratio is ours / baseline. The reading runs inside the upload request (like a register
import), so the absolute figure for N rows is the one to watch.

    .venv/bin/python bench/bench_signin_report.py [--quick] [--rounds N]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mamori.licences.signin_reports import read_signin_report  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "mamori" / "licences" / "samples"


def report(rows: int) -> bytes:
    header = next(
        csv.reader(io.StringIO((SAMPLE / "entra_signins.csv").read_text(encoding="utf-8-sig")))
    )
    apps = [f"Microsoft App {i}" if i % 3 == 0 else f"Outside App {i}" for i in range(40)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for i in range(rows):
        row = dict.fromkeys(header, "")
        row["Date (UTC)"] = f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        row["Request ID"] = f"{i:08x}-0000-4000-8000-000000000000"
        row["User"] = f"利用者 {i % 300}"
        row["Username"] = f"user{i % 300}@example.co.jp"
        row["Application"] = apps[i % len(apps)]
        row["Application ID "] = f"{i % len(apps):08x}-1111-4222-8333-444455556666"
        row["Status"] = "Success"
        writer.writerow([row[h] for h in header])
    return out.getvalue().encode("utf-8-sig")


def ours(data: bytes) -> int:
    result = read_signin_report(data, "InteractiveSignIns.csv")
    assert result.ok, result.errors[:3]
    return len(result.apps)


def baseline(data: bytes) -> int:
    users: dict[str, set[str]] = defaultdict(set)
    for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))):
        users[row["Application"]].add(row["Username"])
    return len(users)


def cpu(function, data: bytes) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    function(data)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = 5_000 if args.quick else 50_000
    data = report(rows)
    best_ours = best_base = float("inf")
    for _ in range(args.rounds):
        best_ours = min(best_ours, cpu(ours, data))
        best_base = min(best_base, cpu(baseline, data))
    figures = {
        "benchmark": "signin_report",
        "rows": rows,
        "bytes": len(data),
        "ours_seconds": round(best_ours, 3),
        "baseline_csv_dictreader_seconds": round(best_base, 3),
        "ratio": round(best_ours / best_base, 1) if best_base else None,
        "rows_per_second": round(rows / best_ours) if best_ours else None,
    }
    print(f"read_signin_report, {rows} rows: {best_ours:.3f}s CPU (csv baseline {best_base:.3f}s)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
