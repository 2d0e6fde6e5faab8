"""Named job queues (issue 19): what an idle urgent poll and a claim across queues cost.

The table is filled like a busy install: finished history in every queue, many future rows of
recurring schedules in default and bulk (one per watched page or feed), a backlog of due bulk
jobs, and no urgent work. Measured, each the median of many calls:

- anchor: `SELECT 1` on the same connection (one round trip, nothing read);
- idle urgent poll: jobs.claim(queues=["urgent"]) finding nothing (what a worker serving the
  urgent queue does every JOB_URGENT_POLL_SECONDS; one plain read of index probes);
- claim across all queues: jobs.claim() taking the next bulk job while urgent and default have
  nothing due (the one-statement claim with one sub-select per queue; a write, so its figure
  includes the commit).

On PostgreSQL the plans are printed (EXPLAIN ANALYZE, inside a rolled-back transaction) for the
claim statement and the idle read, and for comparison the forms they avoid (ORDER BY a queue
rank; an unordered EXISTS, which PostgreSQL may answer by scanning the whole table).

    .venv/bin/python bench/bench_job_queues.py [--quick] [--postgres]

The last line is one JSON object: name, the figures, baseline (the anchor) and ratio (idle
urgent poll / anchor).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

SCRATCH_PG = "mamori_bench_queues"


def recreate(name: str) -> None:
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql],
            check=True,
            capture_output=True,
        )


def median_ms(call: Callable[[], object], times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    options = parser.parse_args()
    history, future, backlog, calls = (
        (20_000, 5_000, 2_000, 300) if options.quick else (200_000, 20_000, 5_000, 1_000)
    )

    scratch = tempfile.mkdtemp(prefix="mamori-bench-queues-")
    os.environ["MAMORI_DATA_DIR"] = scratch
    if options.postgres:
        recreate(SCRATCH_PG)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{SCRATCH_PG}"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["MAMORI_SQLITE_PATH"] = str(Path(scratch) / "bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "mamori.settings"
    os.environ.setdefault("MAMORI_LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from mamori.core import jobclaim, jobs
    from mamori.core.models import QUEUE_ORDER, Job, JobStatus

    call_command("migrate", verbosity=0)
    now = timezone.now()
    rows = []
    for index in range(history):
        rows.append(
            Job(
                kind="bench.noop",
                queue=QUEUE_ORDER[index % 3],
                status=JobStatus.DONE,
                run_at=now - timedelta(hours=1),
                finished_at=now - timedelta(minutes=30),
            )
        )
    for index in range(future):
        for queue in ("default", "bulk"):
            rows.append(
                Job(kind="bench.noop", queue=queue, run_at=now + timedelta(seconds=60 + index))
            )
    for index in range(backlog):
        rows.append(Job(kind="bench.noop", queue="bulk", run_at=now - timedelta(seconds=index)))
    Job.objects.bulk_create(rows, batch_size=5_000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_job")

    def anchor() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def idle_urgent_poll() -> None:
        assert jobs.claim("bench", queues=["urgent"]) is None

    statements: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        idle_urgent_poll()
    idle_statements = len(statements)

    anchor_ms = median_ms(anchor, calls)
    idle_ms = median_ms(idle_urgent_poll, calls)
    jobs._BUSY.set()  # as while a worker finds work: straight to the one statement
    claim_calls = min(calls, backlog)
    claim_ms = median_ms(lambda: jobs.claim("bench"), claim_calls)
    jobs._BUSY.clear()

    print(f"{connection.vendor}: history {history}, future {2 * future}, due bulk {backlog}")
    print(f"anchor SELECT 1:             {anchor_ms:.3f} ms")
    print(f"idle urgent poll:            {idle_ms:.3f} ms ({idle_statements} statements)")
    print(f"claim across all queues:     {claim_ms:.3f} ms (took a bulk job)")

    if connection.vendor == "postgresql":
        stamp = connection.ops.adapt_datetimefield_value
        moment = stamp(timezone.now())
        claim_params = ["running", "bench", stamp(timezone.now() + timedelta(minutes=5))]
        for queue in QUEUE_ORDER:
            claim_params += ["queued", queue, moment]
        claim_params += ["running", *QUEUE_ORDER, moment]
        ranked = (
            "SELECT id FROM core_job WHERE status = %s AND queue IN (%s, %s, %s) AND run_at <= %s"
            " ORDER BY CASE queue WHEN 'urgent' THEN 0 WHEN 'default' THEN 1 ELSE 2 END,"
            " run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
        )
        naive = (
            "SELECT 1 FROM core_job WHERE status = %s AND queue IN (%s) AND run_at <= %s LIMIT 1"
        )
        # The idle poll's own read (jobclaim.anything_to_claim) for the urgent queue.
        idle_sql = f"SELECT {jobclaim._first_due(1, '')}, {jobclaim._expired(1)}"
        idle_params = ["queued", "urgent", moment, "running", "urgent", moment]
        for title, sql, params in (
            ("claim statement, all queues", jobclaim._sql(connection.vendor, 3), claim_params),
            ("rejected form: ORDER BY queue rank", ranked, ["queued", *QUEUE_ORDER, moment]),
            ("idle urgent poll", idle_sql, idle_params),
            ("rejected form: unordered EXISTS", naive, ["queued", "urgent", moment]),
        ):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
                transaction.set_rollback(True)
            print(f"--- EXPLAIN ANALYZE: {title}")
            for line in plan:
                print("   ", line)

    print(
        json.dumps(
            {
                "name": "job_queues",
                "database": connection.vendor,
                "history_rows": history,
                "future_rows": 2 * future,
                "due_bulk_rows": backlog,
                "anchor_ms": round(anchor_ms, 4),
                "idle_urgent_poll_ms": round(idle_ms, 4),
                "idle_urgent_poll_statements": idle_statements,
                "claim_all_queues_ms": round(claim_ms, 4),
                "baseline": "anchor_ms (SELECT 1)",
                "ratio": round(idle_ms / anchor_ms, 2),
            }
        )
    )
    connection.close()
    if options.postgres:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-q",
                "-c",
                f"DROP DATABASE {SCRATCH_PG}",
            ],
            check=False,
            capture_output=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
