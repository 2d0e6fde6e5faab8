"""The first page of the findings list and of the to-do list, and the severity counts, against the
index-only floor, with 100,000 open findings in one organisation (issue 20).

    .venv/bin/python bench/bench_findings_order.py [--quick] [--db postgres|sqlite]
        [--database-url postgres://postgres@127.0.0.1:5432/mamori_findings_bench]

PostgreSQL: the named database is dropped and created again. Each query is the SQL the page runs
(compiled by the ORM from mamori.findings.queries), executed on a raw cursor and fetched, so its
time compares with the floor run the same way: `SELECT id, severity_rank, due_date FROM
findings_finding WHERE organization_id = %s AND status = 'open' ORDER BY severity_rank DESC,
due_date, id LIMIT 50` (an index-only scan of finding_list_order). The plans are printed
(EXPLAIN); the old order across the join (action.due_date) is measured beside them. The last
line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mamori_findings_bench"
SEVERITIES = ("critical", "high", "medium", "low")
RANKS = {"critical": 4, "high": 3, "medium": 2, "low": 1}


def configure(db: str, url: str) -> None:
    os.environ["MAMORI_DATA_DIR"] = tempfile.mkdtemp(prefix="mamori-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    if db == "postgres":
        import psycopg

        name = urlparse(url).path.lstrip("/")
        admin = url.replace("postgres://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(open_findings: int, closed_findings: int) -> Any:
    """One organisation with `open_findings` open findings (and closed ones beside them), and a
    second organisation of the same size so the organisation filter matters."""
    from mamori.findings.models import Action, Finding, Status
    from mamori.orgs.services import create_organization, create_user

    owner = create_user("bench-owner@example.jp", "bench-password-42")
    orgs = [
        create_organization("Bench 株式会社", owner),
        create_organization("Other 株式会社", owner),
    ]
    today = date.today()
    for org in orgs:
        total = open_findings + closed_findings
        for start in range(0, total, 10000):
            chunk = range(start, min(total, start + 10000))
            rows = []
            for i in chunk:
                severity = SEVERITIES[(i * 7) % 4]
                rows.append(
                    Finding(
                        organization=org,
                        kind=f"bench.kind{i % 12}",
                        key=f"bench:{i}",
                        severity=severity,
                        severity_rank=RANKS[severity],
                        status=Status.OPEN if i < open_findings else Status.RESOLVED,
                        subject=f"アカウント user{i} (Service {i % 40})",
                        guidance_key="inventory.leaver_access",
                        params={"person": f"社員 {i:06d}", "service": f"Service {i % 40}"},
                        evidence=[{"type": "text", "text": f"user{i}"}],
                        due_date=today + timedelta(days=(i * 13) % 120 - 20),
                        action_status="todo" if i < open_findings else "done",
                    )
                )
            created = Finding.objects.bulk_create(rows, batch_size=2000)
            Action.objects.bulk_create(
                [
                    Action(
                        organization=org,
                        finding=f,
                        due_date=f.due_date,
                        status="done" if f.status == Status.RESOLVED else "todo",
                    )
                    for f in created
                ],
                batch_size=2000,
            )
    return orgs[0], owner


def vacuum_analyse() -> None:
    """As autovacuum would after the bulk load: statistics and the visibility map (which lets
    the floor be an index-only scan)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def run_sql(sql: str, params: Any) -> list[Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def times_ms(function: Any, n: int) -> list[float]:
    function()  # warm-up
    out = []
    for _ in range(n):
        start = time.perf_counter()
        function()
        out.append((time.perf_counter() - start) * 1000)
    return out


def explain(sql: str, params: Any, analyse: bool) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyse else "EXPLAIN "
    else:
        prefix = "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())


def execution_ms(plan: str) -> float | None:
    for line in plan.splitlines():
        if line.strip().startswith("Execution Time:"):
            return float(line.split(":")[1].strip().split()[0])
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    options = parser.parse_args()
    open_findings, closed, runs = (10000, 2000, 50) if options.quick else (100000, 20000, 300)
    configure(options.db, options.database_url)

    from django.db import connection
    from django.db.models import Count

    from mamori.findings import queries
    from mamori.findings.models import Finding, Status

    start = time.perf_counter()
    org, _owner = build(open_findings, closed)
    build_s = time.perf_counter() - start
    vacuum_analyse()

    def compiled(qs: Any) -> tuple[str, Any]:
        return qs.query.sql_with_params()

    def compiled_count(qs: Any) -> tuple[str, Any]:
        """The SQL qs.count() runs, captured as Django sends it (literals inlined)."""
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            qs.count()
        return context.captured_queries[-1]["sql"], None

    page_list = compiled(queries.findings(org, {"status": Status.OPEN})[:50])
    page_todo = compiled(queries.todo(org)[:50])
    # The order before issue 20: the due date read across the join with Action.
    old_list = compiled(
        Finding.objects.filter(organization=org, status=Status.OPEN)
        .select_related("action", "action__owner")
        .order_by("-severity_rank", "action__due_date", "pk")[:50]
    )
    floor = (
        "SELECT id, severity_rank, due_date FROM findings_finding"
        " WHERE organization_id = %s AND status = %s"
        " ORDER BY severity_rank DESC, due_date, id LIMIT 50",
        (org.pk, Status.OPEN),
    )
    # The same first page read from the finding table alone, in index order, with every column
    # the page shows (the floor for a page that has to show more than the index holds).
    floor_rows = compiled(
        Finding.objects.filter(organization=org, status=Status.OPEN).order_by(
            "-severity_rank", "due_date", "pk"
        )[:50]
    )
    counts_now = compiled(
        Finding.objects.filter(organization=org, status=Status.OPEN)
        .values("severity_rank")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts_old = compiled(
        Finding.objects.filter(organization=org, status=Status.OPEN)
        .values("severity")
        .annotate(n=Count("id"))
        .order_by()
    )
    page_count = (
        "SELECT COUNT(*) FROM findings_finding WHERE organization_id = %s AND status = %s",
        (org.pk, Status.OPEN),
    )

    # The paginator's count on the to-do page, as it was (a join over every open row) and as it
    # is (the finding's copy of the action status, index finding_todo, no join).
    todo_count_old = (
        "SELECT COUNT(*) FROM findings_action a"
        " JOIN findings_finding f ON f.id = a.finding_id"
        " WHERE a.organization_id = %s AND f.organization_id = %s AND f.status = %s"
        " AND NOT (a.status = %s)",
        (org.pk, org.pk, Status.OPEN, "done"),
    )
    todo_count = compiled_count(queries.todo(org))
    today = date.today()
    overdue_old = (
        "SELECT COUNT(*) FROM findings_action a"
        " JOIN findings_finding f ON f.id = a.finding_id"
        " WHERE a.organization_id = %s AND f.status = %s AND a.due_date < %s"
        " AND NOT (a.status = %s)",
        (org.pk, Status.OPEN, today, "done"),
    )
    overdue = compiled_count(
        Finding.objects.filter(
            organization=org,
            status=Status.OPEN,
            action_status__in=["todo", "in_progress"],
            due_date__lt=today,
        )
    )

    # The pages' rows are the floor's rows, in the same order.
    floor_ids = [row[0] for row in run_sql(*floor)]
    assert [f.pk for f in queries.findings(org, {"status": Status.OPEN})[:50]] == floor_ids
    assert [f.pk for f in queries.todo(org)[:50]] == floor_ids
    assert queries.overdue_count(org) == run_sql(*overdue_old)[0][0]
    assert queries.todo(org).count() == run_sql(*todo_count_old)[0][0]
    assert sum(queries.open_counts(org).values()) == open_findings

    measured = {
        "floor": floor,
        "floor_finding_rows": floor_rows,
        "findings_list": page_list,
        "todo": page_todo,
        "old_list_join_order": old_list,
        "counts_by_severity_rank": counts_now,
        "counts_by_severity_old": counts_old,
        "count_all_open": page_count,
        "count_todo": todo_count,
        "count_todo_old_join": todo_count_old,
        "count_overdue": overdue,
        "count_overdue_old_join": overdue_old,
    }
    p50: dict[str, float] = {}
    p95: dict[str, float] = {}
    server: dict[str, float | None] = {}
    plans: dict[str, str] = {}
    for name, (sql, params) in measured.items():
        values = times_ms(lambda sql=sql, params=params: run_sql(sql, params), runs)
        p50[name] = round(statistics.median(values), 3)
        p95[name] = round(sorted(values)[int(0.95 * (len(values) - 1))], 3)
        plans[name] = explain(sql, params, analyse=connection.vendor == "postgresql")
        server[name] = execution_ms(plans[name])
    orm = {
        "findings_list_orm_ms": round(
            statistics.median(
                times_ms(lambda: list(queries.findings(org, {"status": "open"})[:50]), runs)
            ),
            3,
        ),
        "todo_orm_ms": round(
            statistics.median(times_ms(lambda: list(queries.todo(org)[:50]), runs)), 3
        ),
        "open_counts_orm_ms": round(
            statistics.median(times_ms(lambda: queries.open_counts(org), runs)), 3
        ),
    }
    for name in ("findings_list", "todo", "counts_by_severity_rank", "count_todo", "count_overdue"):
        print(f"--- EXPLAIN {name}\n{plans[name]}\n")
    uses_index = {
        name: "finding_list_order" in plans[name]
        for name in ("floor", "findings_list", "todo", "counts_by_severity_rank")
    }
    # A Sort node over the rows would mean the first page is not read in index order.
    sorts = {name: "Sort" in plans[name] for name in ("floor", "findings_list", "todo")}
    figures = {
        "db": connection.vendor,
        "open_findings": open_findings,
        "closed_findings": closed,
        "organisations": 2,
        "runs": runs,
        "build_s": round(build_s, 1),
        "p50_ms": p50,
        "p95_ms": p95,
        "server_execution_ms": server,
        **orm,
        "plan_uses_finding_list_order": uses_index,
        "plan_has_sort": sorts,
    }

    def server_ratio(name: str, base: str) -> float | None:
        if server[name] is None or not server[base]:
            return None
        return round(server[name] / server[base], 2)  # type: ignore[operator]

    ratio = {
        "findings_list_vs_floor": round(p50["findings_list"] / p50["floor"], 2),
        "todo_vs_floor": round(p50["todo"] / p50["floor"], 2),
        "findings_list_vs_floor_finding_rows": round(
            p50["findings_list"] / p50["floor_finding_rows"], 2
        ),
        "todo_vs_floor_finding_rows": round(p50["todo"] / p50["floor_finding_rows"], 2),
        "server_findings_list_vs_floor": server_ratio("findings_list", "floor"),
        "server_todo_vs_floor": server_ratio("todo", "floor"),
        "server_old_list_join_order_vs_floor": server_ratio("old_list_join_order", "floor"),
        "old_list_join_order_vs_floor": round(p50["old_list_join_order"] / p50["floor"], 2),
        "count_todo_vs_old_join": round(p50["count_todo"] / p50["count_todo_old_join"], 2),
        "count_overdue_vs_old_join": round(p50["count_overdue"] / p50["count_overdue_old_join"], 2),
        "counts_by_severity_rank_vs_by_severity": round(
            p50["counts_by_severity_rank"] / p50["counts_by_severity_old"], 2
        ),
    }
    for key, value in {**figures, **ratio}.items():
        print(f"{key:>30}: {value}")
    print(
        json.dumps(
            {
                "name": "findings_list_index_order",
                "figures": figures,
                "baseline": "index-only floor: SELECT id, severity_rank, due_date ... ORDER BY "
                "severity_rank DESC, due_date, id LIMIT 50, same run, same cursor path",
                "ratio": ratio,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
