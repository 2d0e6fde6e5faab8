"""Inventory and findings at scale: an organisation with 5,000 people, 20,000 accounts and
50,000 shares. Measures a full rule run, a 10,000-row Excel import, and p50/p95 of the findings
list and to-do pages, each beside a bare query that reads the same rows (the baseline).

    .venv/bin/python bench/bench_inventory.py [--quick] [--db sqlite|postgres]

PostgreSQL uses the database `mamori_bench` at 127.0.0.1:5432 (dropped and created again).
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def configure(db: str) -> None:
    os.environ["MAMORI_DATA_DIR"] = tempfile.mkdtemp(prefix="mamori-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    if db == "postgres":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS mamori_bench")
            c.execute("CREATE DATABASE mamori_bench")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/mamori_bench"
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def build(people: int, accounts: int, shares: int):  # type: ignore[no-untyped-def]
    from mamori.inventory.models import Account, Person, Service, Share, ShareGrant
    from mamori.orgs.services import create_organization, create_user

    owner = create_user("bench-owner@example.jp", "bench-password-42")
    org = create_organization("Bench 株式会社", owner)
    today = date.today()
    Person.objects.bulk_create(
        [
            Person(
                organization=org,
                name=f"社員 {i:05d}",
                email=f"p{i}@example.jp",
                left_on=today - timedelta(days=30) if i % 50 == 0 else None,
            )
            for i in range(people)
        ],
        batch_size=2000,
    )
    person_ids = list(Person.objects.filter(organization=org).values_list("pk", flat=True))
    services = Service.objects.bulk_create(
        [
            Service(
                organization=org, name=f"Service {i}", mfa_available=True, mfa_enforced=i % 3 != 0
            )
            for i in range(40)
        ]
    )
    Account.objects.bulk_create(
        [
            Account(
                organization=org,
                person_id=person_ids[i % len(person_ids)],
                service=services[i % len(services)],
                username=f"user{i}",
                role="admin" if i % 97 == 0 else "user",
                mfa_enabled=i % 5 != 0,
                shared=i % 211 == 0,
                last_reviewed_on=today - timedelta(days=30 if i % 4 else 500),
            )
            for i in range(accounts)
        ],
        batch_size=2000,
    )
    scopes = ["internal", "private", "partners", "anyone_with_link", "public"]
    Share.objects.bulk_create(
        [
            Share(
                organization=org,
                name=f"file-{i}.xlsx",
                scope=scopes[i % len(scopes)],
                contains_personal_data=i % 7 == 0,
                created_on=today - timedelta(days=i % 400),
            )
            for i in range(shares)
        ],
        batch_size=2000,
    )
    share_ids = list(Share.objects.filter(organization=org).values_list("pk", flat=True)[:10000])
    ShareGrant.objects.bulk_create(
        [
            ShareGrant(share_id=sid, person_id=person_ids[n % len(person_ids)], permission="viewer")
            for n, sid in enumerate(share_ids)
        ],
        batch_size=2000,
    )
    return org, owner


def analyse() -> None:
    """Refresh the planner's statistics after the bulk load, as autovacuum would in production."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bare_rule_read(org) -> None:  # type: ignore[no-untyped-def]
    """Baseline: read every row the rules look at, once, with no logic."""
    from mamori.inventory.models import Account, Device, Person, Service, Share, ShareGrant

    list(Person.objects.filter(organization=org).values_list("pk", "name", "left_on"))
    list(
        Account.objects.filter(organization=org).values_list(
            "pk",
            "username",
            "service__name",
            "device__name",
            "person_id",
            "role",
            "mfa_enabled",
            "shared",
            "last_reviewed_on",
        )
    )
    list(Share.objects.filter(organization=org).values_list("pk", "name", "scope", "created_on"))
    list(ShareGrant.objects.filter(share__organization=org).values_list("person_id", "share_id"))
    list(Device.objects.filter(organization=org).values_list("pk"))
    list(Service.objects.filter(organization=org).values_list("pk"))


def excel(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("人")
    sheet.append(["名前", "メールアドレス", "部署", "雇用形態", "入社日", "退職日"])
    for i in range(rows):
        sheet.append(
            [f"新人 {i:05d}", f"new{i}@example.jp", "営業", "正社員", date(2020, 4, 1), None]
        )
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def bare_excel_read(data: bytes) -> int:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))


def page_times(client, url: str, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    client.get(url)  # warm-up: templates compiled, guidance loaded
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return times


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    options = parser.parse_args()
    sizes = (500, 2000, 5000, 1000, 10) if options.quick else (5000, 20000, 50000, 10000, 30)
    people, accounts, shares, import_rows, requests = sizes
    configure(options.db)

    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from mamori.findings.models import Finding
    from mamori.findings.services import run_rules
    from mamori.inventory import services, tabular
    from mamori.inventory.registers import REGISTERS

    setup_test_environment()
    build_s, (org, owner) = timed(build, people, accounts, shares)
    analyse()
    rules_s, results = timed(run_rules, org)
    analyse()
    rerun_s, _ = timed(run_rules, org)
    bare_rules_s, _ = timed(bare_rule_read, org)
    findings = Finding.objects.filter(organization=org).count()

    data = excel(import_rows)
    bare_import_s, _ = timed(bare_excel_read, data)
    plan_s, plan = timed(tabular.plan_import, org, REGISTERS["people"], data, "bench.xlsx")
    assert plan.ok, plan.preview.errors[:3]

    class FakeRequest:
        user = owner
        META = {"REMOTE_ADDR": "127.0.0.1"}

    apply_s, _ = timed(
        services.apply_import, FakeRequest(), org, REGISTERS["people"], plan, "bench.xlsx"
    )

    client = Client()
    client.force_login(owner)
    session = client.session
    session["login_at"] = timezone.now().timestamp()
    session.save()
    list_times = page_times(client, f"/o/{org.slug}/findings/", requests)
    todo_times = page_times(client, f"/o/{org.slug}/todo/", requests)

    # The floor is the index-only top 50 (index finding_list_order), not the page's own join:
    # a bare query with the page's sort would hide a sort over every open row.
    def bare_list() -> None:
        list(
            Finding.objects.filter(organization=org, status="open")
            .order_by("-severity_rank", "due_date", "pk")[:50]
            .values_list("pk", "severity_rank", "due_date")
        )

    bare_todo = bare_list

    bare_list_times = [timed(bare_list)[0] for _ in range(requests)]
    bare_todo_times = [timed(bare_todo)[0] for _ in range(requests)]

    figures = {
        "db": options.db,
        "people": people,
        "accounts": accounts,
        "shares": shares,
        "findings": findings,
        "build_s": round(build_s, 2),
        "rule_run_s": round(rules_s, 3),
        "rule_rerun_s": round(rerun_s, 3),
        "bare_rule_read_s": round(bare_rules_s, 3),
        "import_rows": import_rows,
        "import_plan_s": round(plan_s, 3),
        "import_apply_s": round(apply_s, 3),
        "bare_excel_read_s": round(bare_import_s, 3),
        "findings_list_p50_ms": round(pct(list_times, 0.5) * 1000, 1),
        "findings_list_p95_ms": round(pct(list_times, 0.95) * 1000, 1),
        "todo_p50_ms": round(pct(todo_times, 0.5) * 1000, 1),
        "todo_p95_ms": round(pct(todo_times, 0.95) * 1000, 1),
        "bare_list_query_p50_ms": round(statistics.median(bare_list_times) * 1000, 2),
        "bare_todo_query_p50_ms": round(statistics.median(bare_todo_times) * 1000, 2),
    }
    ratios = {
        "rule_run_vs_bare_read": round(rules_s / bare_rules_s, 2),
        "import_vs_bare_excel_read": round((plan_s + apply_s) / bare_import_s, 2),
        "findings_list_p50_vs_bare_query": round(
            pct(list_times, 0.5) / statistics.median(bare_list_times), 1
        ),
        "todo_p50_vs_bare_query": round(
            pct(todo_times, 0.5) / statistics.median(bare_todo_times), 1
        ),
    }
    for key, value in {**figures, **ratios}.items():
        print(f"{key:>34}: {value}")
    print(
        json.dumps(
            {
                "name": "inventory_rules_import_pages",
                **figures,
                "baseline": "bare ORM reads of the same rows; bare openpyxl read of the same file",
                "ratio": ratios,
            }
        )
    )


if __name__ == "__main__":
    main()
