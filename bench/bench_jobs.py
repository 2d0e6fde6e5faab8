"""Job queue throughput (issue 20): claim + run + record per second, one worker, no-op jobs.

Measured in one run, each the best of several rounds of N jobs (interleaved, so a disturbance of
the shared machine hits every contender alike):

- mamori: N no-op jobs enqueued, then one worker loop (jobs.run_worker(..., once=True)) runs them
  until none is due. Reported: jobs/s, statements per job (counted on the worker's connection
  with connection.execute_wrapper), transactions per job (PostgreSQL's own xact_commit count for
  the scratch database) and client CPU per job (process time of the worker's process).
- Procrastinate (the baseline, PostgreSQL only): when an interpreter with procrastinate and
  psycopg installed is given (--procrastinate-python, or MAMORI_BENCH_PROCRASTINATE_PYTHON), a
  script generated here runs in a subprocess against its own scratch database: N no-op tasks
  deferred, then one worker (concurrency 1, no waiting) runs them all. Both a plain function task
  (like mamori's handlers) and a coroutine task are measured; the faster is the baseline. Without
  that interpreter the bench says so and no Procrastinate figure (nor ratio to it) is claimed.
  Procrastinate is not a dependency of mamori; install it apart, e.g.
      python3 -m venv /tmp/procvenv && /tmp/procvenv/bin/pip install procrastinate 'psycopg[binary]'
- bare floor: the same jobs claimed with one UPDATE … (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)
  RETURNING and deleted, each statement its own transaction, through psycopg (or sqlite3) directly:
  no handler, no lease keeper, no model objects.
- mamori again with a finished history in the table (ratio with history / empty): claims must stay
  fast however much history accumulates.

Scratch databases: a temporary SQLite file, or with --postgres the databases mamori_bench_jobs and
mamori_bench_proc (created and dropped) on 127.0.0.1.

    .venv/bin/python bench/bench_jobs.py [--quick] [--postgres] [--procrastinate-python PATH]

The last line is one JSON object: name, the figures, baseline (Procrastinate's jobs/s, else the
bare floor's) and ratio (mamori / baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SCRATCH_PG = "mamori_bench_jobs"
SCRATCH_PROC = "mamori_bench_proc"
SERVER = "postgresql://postgres@127.0.0.1:5432"

# Run by the Procrastinate interpreter, never imported here. Two phases per round, each its own
# process: "defer" empties the queue and defers N tasks; "work" runs one worker until the queue
# is empty and prints its wall and CPU time (the process start and the import are not timed).
PROCRASTINATE_SCRIPT = """
import asyncio, json, sys, time
import procrastinate

url, phase, count, flavour = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

if flavour == "async":
    @app.task(name="bench_noop")
    async def bench_noop(n):
        return None
else:
    @app.task(name="bench_noop")
    def bench_noop(n):
        return None

async def main():
    async with app.open_async():
        if phase == "schema":
            await app.schema_manager.apply_schema_async()
        elif phase == "defer":
            await app.connector.execute_query_async("TRUNCATE procrastinate_jobs CASCADE")
            await bench_noop.batch_defer_async(*({"n": i} for i in range(count)))
        else:
            cpu, wall = time.process_time(), time.perf_counter()
            await app.run_worker_async(concurrency=1, wait=False, listen_notify=False)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            left = await app.connector.execute_query_one_async(
                "SELECT count(*) AS n FROM procrastinate_jobs WHERE status <> 'succeeded'"
            )
            print(json.dumps({"seconds": wall, "cpu": cpu, "not_succeeded": left["n"]}))

asyncio.run(main())
"""


class Round:
    """One contender's best round: jobs/s and, per job, CPU, statements and transactions (None
    where not counted)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.best: dict[str, float | None] | None = None

    def add(
        self, jobs: int, seconds: float, cpu: float, statements: int | None, xacts: int | None
    ) -> None:
        figures = {
            "jobs_per_second": jobs / seconds,
            "cpu_ms_per_job": 1000 * cpu / jobs,
            "statements_per_job": None if statements is None else statements / jobs,
            "transactions_per_job": None if xacts is None else xacts / jobs,
        }
        if self.best is None or figures["jobs_per_second"] > self.rate():
            self.best = figures

    def rate(self) -> float:
        return float(self.best["jobs_per_second"] or 0.0) if self.best else 0.0

    def summary(self) -> dict[str, float | None] | None:
        if self.best is None:
            return None
        return {k: None if v is None else round(v, 3) for k, v in self.best.items()}

    def line(self) -> str:
        if self.best is None:
            return f"{self.name:30s} not measured"
        parts = [f"{self.name:30s} {self.rate():8.1f} jobs/s"]
        for key, unit in (
            ("cpu_ms_per_job", "ms CPU/job"),
            ("statements_per_job", "statements/job"),
            ("transactions_per_job", "transactions/job"),
        ):
            value = self.best[key]
            parts.append(f"{value:6.2f} {unit}" if value is not None else " " * (7 + len(unit)))
        return "  ".join(parts).rstrip()


def committed(database: str) -> int:
    """PostgreSQL's count of committed transactions in database, once its backends have
    reported (a backend reports at exit; the caller closed its connections first)."""
    import psycopg

    previous = -1
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as c:
        for _ in range(40):
            row = c.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [database]
            ).fetchone()
            value = int(row[0]) if row else 0
            if value == previous:
                return value
            previous = value
            time.sleep(0.15)
    return previous


def recreate(database: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {database}")
        c.execute(f"CREATE DATABASE {database}")


def drop(database: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {database}")


class Procrastinate:
    """Runs the generated script with the given interpreter against its own scratch database."""

    def __init__(self, python: str, count: int, scratch: str) -> None:
        self.python = python
        self.count = count
        self.script = Path(scratch) / "procrastinate_bench.py"
        self.script.write_text(PROCRASTINATE_SCRIPT, encoding="utf-8")
        self.url = f"{SERVER}/{SCRATCH_PROC}"

    def _run(self, phase: str, flavour: str) -> str:
        done = subprocess.run(
            [self.python, str(self.script), self.url, phase, str(self.count), flavour],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"procrastinate {phase} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def setup(self) -> None:
        recreate(SCRATCH_PROC)
        self._run("schema", "sync")

    def measure(self, flavour: str, into: Round) -> None:
        self._run("defer", flavour)
        before = committed(SCRATCH_PROC)
        out = json.loads(self._run("work", flavour).strip().splitlines()[-1])
        xacts = committed(SCRATCH_PROC) - before - 1  # the script's final count is one
        if out["not_succeeded"]:
            raise RuntimeError(f"procrastinate left {out['not_succeeded']} jobs not succeeded")
        into.add(self.count, out["seconds"], out["cpu"], None, xacts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--procrastinate-python",
        default=os.environ.get("MAMORI_BENCH_PROCRASTINATE_PYTHON", ""),
        help="an interpreter with procrastinate and psycopg installed (PostgreSQL only)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    count, history = (500, 20_000) if options.quick else (2_000, 200_000)

    scratch = tempfile.mkdtemp(prefix="mamori-bench-")
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
    from django.db import connection
    from django.utils import timezone

    from mamori.core import jobs
    from mamori.core.models import Job, JobStatus

    call_command("migrate", verbosity=0)
    jobs.HANDLERS.add("bench.noop", lambda job: None)
    postgres = connection.vendor == "postgresql"

    def fill() -> None:
        Job.objects.filter(kind="bench.noop").delete()
        Job.objects.bulk_create(Job(kind="bench.noop", payload={"n": i}) for i in range(count))
        connection.close()  # its statistics are reported now, not during the timed run

    def mamori(into: Round) -> None:
        fill()
        before = committed(SCRATCH_PG) if postgres else 0
        statements = 0

        def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal statements
            statements += 1
            return execute(sql, params, many, context)

        cpu, wall = time.process_time(), time.perf_counter()
        with connection.execute_wrapper(counter):
            jobs.run_worker(threading.Event(), name="bench", once=True)  # closes its connection
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        xacts = committed(SCRATCH_PG) - before if postgres else None
        left = Job.objects.filter(kind="bench.noop").exclude(status=JobStatus.DONE).count()
        connection.close()
        if left:
            raise RuntimeError(f"mamori left {left} jobs not done")
        into.add(count, wall, cpu, statements, xacts)

    def bare(into: Round) -> None:
        fill()
        claim = (
            "UPDATE core_job SET status = 'running', leased_by = 'bare', leased_until = {until},"
            " attempts = attempts + 1 WHERE id = (SELECT id FROM core_job WHERE status = 'queued'"
            " AND run_at <= {now} ORDER BY run_at, id LIMIT 1{lock}) RETURNING id, kind, payload"
        )
        if postgres:
            import psycopg

            before = committed(SCRATCH_PG)
            sql = claim.format(
                until="now() + interval '60 seconds'", now="now()", lock=" FOR UPDATE SKIP LOCKED"
            )
            cpu, wall = time.process_time(), time.perf_counter()
            with psycopg.connect(f"{SERVER}/{SCRATCH_PG}", autocommit=True) as c:
                while (row := c.execute(sql).fetchone()) is not None:
                    c.execute("DELETE FROM core_job WHERE id = %s", [row[0]])
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            xacts = committed(SCRATCH_PG) - before
        else:
            # Django stores SQLite datetimes as ISO text in UTC; the same comparison here.
            stamp = timezone.now().replace(tzinfo=None).isoformat(sep=" ")
            sql = claim.format(until="?", now="?", lock="")
            cpu, wall = time.process_time(), time.perf_counter()
            c = sqlite3.connect(os.environ["MAMORI_SQLITE_PATH"], isolation_level=None)
            try:
                while (row := c.execute(sql, [stamp, stamp]).fetchone()) is not None:
                    c.execute("DELETE FROM core_job WHERE id = ?", [row[0]])
            finally:
                c.close()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            xacts = None
        into.add(count, wall, cpu, 2 * count + 1, xacts)

    proc: Procrastinate | None = None
    if options.procrastinate_python and postgres:
        proc = Procrastinate(options.procrastinate_python, count, scratch)
        proc.setup()
    elif options.procrastinate_python:
        print("Procrastinate needs PostgreSQL (--postgres): not measured")
    else:
        print(
            "Procrastinate not measured: no interpreter given "
            "(--procrastinate-python or MAMORI_BENCH_PROCRASTINATE_PYTHON)"
        )

    mine, floor = Round("mamori"), Round("bare SKIP LOCKED floor")
    proc_sync, proc_async = Round("procrastinate (def task)"), Round("procrastinate (async task)")
    mamori(Round("warm-up"))
    for _ in range(options.rounds):
        mamori(mine)
        if proc is not None:
            proc.measure("sync", proc_sync)
            proc.measure("async", proc_async)
        bare(floor)

    Job.objects.all().delete()
    now = timezone.now()
    Job.objects.bulk_create(
        (
            Job(
                kind="bench.old",
                status=JobStatus.DONE if i % 50 else JobStatus.FAILED,
                finished_at=now,
                organization_id=i % 100,
            )
            for i in range(history)
        ),
        batch_size=5_000,
    )
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_job")
    with_history = Round(f"mamori, {history} old rows")
    for _ in range(options.rounds):
        mamori(with_history)
    vendor = connection.vendor
    connection.close()
    if postgres:
        drop(SCRATCH_PG)
        if proc is not None:
            drop(SCRATCH_PROC)
    shutil.rmtree(scratch, ignore_errors=True)

    procrastinate = max(proc_sync.rate(), proc_async.rate())
    baseline_name = "procrastinate" if procrastinate else "bare_floor"
    baseline = procrastinate or floor.rate()
    ratio = mine.rate() / baseline
    print(f"database: {vendor}; {count} no-op jobs per round, best of {options.rounds} rounds")
    for contender in (mine, proc_sync, proc_async, floor, with_history):
        print(contender.line())
    if procrastinate:
        print(f"mamori / Procrastinate (faster task kind): {ratio:.3f}")
    print(f"mamori / bare floor: {mine.rate() / floor.rate():.3f}")
    print(f"mamori with history / empty: {with_history.rate() / mine.rate():.3f}")
    result = {
        "name": "jobs_claim_run_record",
        "database": vendor,
        "jobs_per_round": count,
        "rounds": options.rounds,
        "mamori": mine.summary(),
        "procrastinate_def_task": proc_sync.summary(),
        "procrastinate_async_task": proc_async.summary(),
        "bare_floor": floor.summary(),
        "mamori_with_history": {"history_rows": history, **with_history.summary()},
        "baseline": {"name": baseline_name, "jobs_per_second": round(baseline, 1)},
        "ratio": round(ratio, 3),
        "ratio_vs_bare": round(mine.rate() / floor.rate(), 3),
        "ratio_history_vs_empty": round(with_history.rate() / mine.rate(), 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
