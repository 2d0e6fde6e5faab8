"""CPU per request of the main list pages (50 rows each) against the framework floor (issue 20,
"Rendering": every list page ≤ 2× its floor).

    .venv/bin/python bench/bench_list_cpu.py [--quick] [--db sqlite|postgres] [--requests N]
        [--database-url postgres://postgres@127.0.0.1:5432/mamori_listcpu_bench] [--page NAME]

One organisation is populated with a few hundred rows of everything a list page shows
(findings with actions, feed items, advisories, people, devices, accounts, shares, websites,
watched pages, checked mails, audit events). Each page is requested through the Django test
client (the whole middleware stack, session auth, the organisation scope, the base layout) and
timed with time.process_time(): the CPU of this process (on SQLite that includes the database,
which runs in-process; on PostgreSQL the server's CPU is not counted).

The FLOOR of a page, measured in the same run and interleaved with it request by request, is the
same path under `/_floor/` served by a bench-only view behind the same `org_view` decorator (same
middleware, auth and organisation scope) that reads the same 50 rows with `.values_list()` of the
shown columns and renders them as a `<table>` of `{{ value }}` cells inside the same base layout.
The ratio of a page is its median CPU / its floor's median CPU; the run's ratio is the worst page.
PostgreSQL: the named database is dropped and created again. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_findings_order import configure  # noqa: E402 - the same scratch database set-up

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mamori_listcpu_bench"
ROWS = 50
TARGET_RATIO = 2.0


# --- the organisation ---------------------------------------------------------------------------


def build(n: int) -> tuple[Any, Any]:
    """One organisation with `n` rows in every list (and members the rows point at)."""
    import datetime as dt

    from django.utils import timezone

    from mamori.audit.services import record
    from mamori.findings.models import Action, Finding, Status
    from mamori.intel.models import Advisory, Feed, FeedItem
    from mamori.inventory import models as inv
    from mamori.mailcheck.models import CheckedMail
    from mamori.monitoring.models import WatchedPage
    from mamori.orgs.services import create_organization, create_user

    owner = create_user("bench-owner@example.jp", "bench-password-42", full_name="山田 太郎")
    org = create_organization("Bench 株式会社", owner)
    today = date.today()
    now = timezone.now()
    severities = ("critical", "high", "medium", "low")
    ranks = {"critical": 4, "high": 3, "medium": 2, "low": 1}
    guidance = ("inventory.leaver_access", "inventory.admin_without_mfa", "inventory.public_share")
    findings = Finding.objects.bulk_create(
        [
            Finding(
                organization=org,
                kind=f"bench.kind{i % 12}",
                key=f"bench:{i}",
                severity=severities[(i * 7) % 4],
                severity_rank=ranks[severities[(i * 7) % 4]],
                status=Status.OPEN,
                subject=f"アカウント user{i} (Service {i % 40})",
                guidance_key=guidance[i % 3],
                params={"person": f"社員 {i:05d}", "service": f"Service {i % 40}"},
                evidence=[{"type": "text", "text": f"user{i}"}],
                due_date=today + timedelta(days=(i * 13) % 120 - 20),
                action_status=("todo", "in_progress")[i % 2],
                action_owner=owner if i % 3 else None,
            )
            for i in range(n)
        ]
    )
    Action.objects.bulk_create(
        [
            Action(
                organization=org,
                finding=f,
                due_date=f.due_date,
                status=f.action_status,
                owner=f.action_owner,
            )
            for f in findings
        ]
    )
    feeds = Feed.objects.bulk_create(
        [
            Feed(
                organization=org, name=f"セキュリティニュース {k}", url=f"https://f{k}.example/rss"
            )
            for k in range(10)
        ]
    )
    items = FeedItem.objects.bulk_create(
        [
            FeedItem(
                organization=org,
                feed=feeds[i % 10],
                guid=f"g{i}",
                title=f"製品 {i % 97} の脆弱性について (item {i})",
                link=f"https://news{i % 10}.example/{i}",
                summary=f"Summary {i}",
                published=now - dt.timedelta(minutes=30 * i),
                ids=f"CVE-2025-{i:04d}" if i % 2 else "",
                link_key=f"news{i % 10}.example/{i}",
                title_key=f"item{i}",
                primary=True,
            )
            for i in range(n)
        ]
    )
    # Every fifth item also came from another feed (the "also in" line).
    FeedItem.objects.bulk_create(
        [
            FeedItem(
                organization=org,
                feed=feeds[(i + 1) % 10],
                guid=f"d{i}",
                title=items[i].title,
                link=items[i].link,
                published=items[i].published,
                link_key=items[i].link_key,
                title_key=items[i].title_key,
                duplicate_of=items[i],
                primary=False,
            )
            for i in range(0, n, 5)
        ]
    )
    Advisory.objects.bulk_create(
        [
            Advisory(
                advisory_id=f"JVNDB-2025-{i:06d}",
                cve_ids=f"CVE-2025-{i:05d} CVE-2025-{i + 1:05d}",
                jvndb_id=f"JVNDB-2025-{i:06d}",
                title_ja=f"製品 {i % 97} における認証回避の脆弱性",
                title_en=f"Authentication bypass in product {i % 97}",
                sources="jvn+nvd",
                published=now - dt.timedelta(hours=i),
                cvss_score=round(3 + (i % 70) / 10, 1),
                cvss_version="3.1",
                severity=("low", "medium", "high", "critical")[i % 4],
                kev=i % 9 == 0,
                kev_due_date=today + timedelta(days=i % 30) if i % 9 == 0 else None,
            )
            for i in range(n)
        ]
    )
    people = inv.Person.objects.bulk_create(
        [
            inv.Person(
                organization=org,
                name=f"社員 {i:05d}",
                email=f"p{i}@example.jp",
                department=("営業", "総務", "開発")[i % 3],
                employment_type="employee",
                joined_on=today - timedelta(days=1000 + i),
                left_on=today - timedelta(days=10) if i % 20 == 0 else None,
            )
            for i in range(n)
        ]
    )
    services = inv.Service.objects.bulk_create(
        [inv.Service(organization=org, name=f"Service {k}", mfa_available=True) for k in range(40)]
    )
    devices = inv.Device.objects.bulk_create(
        [
            inv.Device(
                organization=org,
                name=f"PC-{i:04d}",
                kind="pc",
                person=people[i],
                ownership="company",
                os_name="Windows",
                os_version="11 23H2",
                last_updated_on=today - timedelta(days=i % 60),
            )
            for i in range(n)
        ]
    )
    inv.Account.objects.bulk_create(
        [
            inv.Account(
                organization=org,
                person=people[i],
                service=services[i % 40],
                device=devices[i] if i % 7 == 0 else None,
                username=f"user{i:05d}",
                role="admin" if i % 13 == 0 else "user",
                mfa_enabled=i % 5 != 0,
                last_reviewed_on=today - timedelta(days=i),
            )
            for i in range(n)
        ]
    )
    scopes = ["internal", "private", "partners", "anyone_with_link", "public"]
    inv.Share.objects.bulk_create(
        [
            inv.Share(
                organization=org,
                name=f"資料-{i:04d}.xlsx",
                service=services[i % 40],
                owner=people[i],
                scope=scopes[i % 5],
                contains_personal_data=i % 7 == 0,
                created_on=today - timedelta(days=i % 400),
            )
            for i in range(n)
        ]
    )
    websites = inv.Website.objects.bulk_create(
        [
            inv.Website(
                organization=org,
                url=f"https://www{i:04d}.example.jp/",
                hosting="さくらのレンタルサーバ",
                cms="WordPress",
                cms_version=f"6.{i % 7}",
            )
            for i in range(n)
        ]
    )
    states = ["ok", "changed", "danger", "unreachable", "pending"]
    WatchedPage.objects.bulk_create(
        [
            WatchedPage(
                organization=org,
                website=websites[i],
                url=websites[i].url,
                enabled=i % 11 != 0,
                state=states[i % 5],
                last_checked_at=now - dt.timedelta(minutes=i),
                certificate={
                    "not_after": (today + timedelta(days=i % 90)).isoformat() + "T00:00:00Z",
                    "stage": "ok" if i % 90 > 30 else "soon",
                    "days_left": i % 90,
                },
            )
            for i in range(n)
        ]
    )
    verdicts = ["safe", "caution", "danger"]
    CheckedMail.objects.bulk_create(
        [
            CheckedMail(
                organization=org,
                checked_at=now - dt.timedelta(minutes=7 * i),
                source=("upload", "smtp")[i % 2],
                reporter=owner if i % 4 else None,
                file_name=f"mail-{i}.eml",
                sha256=f"{i:064x}",
                subject=f"【重要】お支払い情報の確認 {i}",
                from_address=f"info{i % 30}@example.com",
                verdict=verdicts[i % 3],
                score=(i * 7) % 100,
                reported_at=now if i % 6 == 0 else None,
            )
            for i in range(n)
        ]
    )
    actions = [
        ("inventory.person.created", {"name": ["", "社員"]}),
        ("finding.opened", {"kind": "inventory.leaver_access"}),
        ("inventory.account.updated", {"mfa_enabled": [False, True]}),
        ("accounts.login", {}),
    ]
    for i in range(n):
        action, changes = actions[i % len(actions)]
        record(
            action,
            actor=owner,
            organization=org,
            obj=people[i % len(people)],
            changes=changes,
            ip="192.0.2.10",
        )
    return org, owner


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# --- the floor ------------------------------------------------------------------------------------

FLOOR_TEMPLATE = """{% extends "base.html" %}{% block title %}floor{% endblock %}
{% block content %}<h1>floor</h1><table class="table"><tbody>{% for row in rows %}<tr>
{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% endblock %}"""


def _register_columns(spec: Any) -> list[str]:
    """The shown columns of a register list as values_list() lookups (a related record by its
    name, as the page shows it)."""
    from django.db import models

    out = []
    for name in spec.list_columns:
        field = spec.model._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            related = field.related_model._meta
            shown = "name" if any(f.name == "name" for f in related.fields) else "pk"
            out.append(f"{name}__{shown}")
        elif isinstance(field, models.ManyToManyField):
            continue
        else:
            out.append(name)
    return out


def floor_reads() -> dict[str, Callable[[Any], Any]]:
    """Per page: the same 50 rows, the shown columns only, as values_list()."""
    from mamori.audit.models import AuditEvent
    from mamori.findings.models import Finding
    from mamori.findings.queries import LIST_ORDER
    from mamori.intel.models import Advisory, FeedItem
    from mamori.inventory.registers import REGISTERS
    from mamori.mailcheck.models import CheckedMail
    from mamori.monitoring.models import WatchedPage
    from mamori.orgs.access import scoped

    finding_cols = ("pk", "severity", "kind", "subject", "status", "due_date")

    def findings(org: Any) -> Any:
        return (
            scoped(Finding, org)
            .filter(status="open")
            .order_by(*LIST_ORDER)
            .values_list(*finding_cols, "action_owner__email")[:ROWS]
        )

    def todo(org: Any) -> Any:
        return (
            scoped(Finding, org)
            .filter(status="open")
            .exclude(action_status="done")
            .order_by(*LIST_ORDER)
            .values_list(*finding_cols, "action_owner__email")[:ROWS]
        )

    def timeline(org: Any) -> Any:
        return (
            FeedItem.objects.filter(organization=org, feed__enabled=True, primary=True)
            .order_by("-published", "-id")
            .values_list("pk", "published", "feed__name", "title", "link", "ids")[:ROWS]
        )

    def advisories(org: Any) -> Any:
        return Advisory.objects.order_by("-published", "-id").values_list(
            "pk", "advisory_id", "cve_ids", "title_ja", "cvss_score", "kev", "published"
        )[:ROWS]

    def register(key: str) -> Callable[[Any], Any]:
        spec = REGISTERS[key]

        def read(org: Any) -> Any:
            return (
                scoped(spec.model, org)
                .filter(archived_at__isnull=True)
                .order_by(spec.default_order, "pk")
                .values_list("pk", *_register_columns(spec))[:ROWS]
            )

        return read

    def audit(org: Any) -> Any:
        return (
            AuditEvent.objects.filter(organization_id=org.pk)
            .order_by("-id")
            .values_list("created_at", "actor_label", "action", "object_repr", "ip")[:ROWS]
        )

    def mail(org: Any) -> Any:
        return (
            scoped(CheckedMail, org)
            .order_by("-checked_at", "-id")
            .values_list(
                "pk",
                "verdict",
                "score",
                "subject",
                "from_address",
                "checked_at",
                "source",
                "reporter__email",
                "reported_at",
            )[:ROWS]
        )

    def monitoring(org: Any) -> Any:
        return (
            scoped(WatchedPage, org)
            .order_by("url")
            .values_list("pk", "url", "enabled", "state", "last_checked_at", "website__url")[:ROWS]
        )

    return {
        "findings": findings,
        "todo": todo,
        "timeline": timeline,
        "advisories": advisories,
        "people": register("people"),
        "accounts": register("accounts"),
        "shares": register("shares"),
        "devices": register("devices"),
        "websites": register("websites"),
        "monitoring": monitoring,
        "audit": audit,
        "mail": mail,
    }


def page_paths(slug: str) -> dict[str, str]:
    base = f"/o/{slug}/"
    return {
        "findings": base + "findings/",
        "todo": base + "todo/",
        "timeline": base + "intel/",
        "advisories": base + "intel/advisories/",
        "people": base + "inventory/people/",
        "accounts": base + "inventory/accounts/",
        "shares": base + "inventory/shares/",
        "devices": base + "inventory/devices/",
        "websites": base + "inventory/websites/",
        "monitoring": base + "monitoring/",
        "audit": base + "audit/",
        "mail": base + "mail/",
    }


def install_floor_urls() -> None:
    """A bench-only URLconf: the real URLs plus /_floor/o/<slug>/<page>/ for every page."""
    import types

    from django.http import HttpResponse
    from django.template import engines
    from django.test.utils import override_settings
    from django.urls import path

    import mamori.urls
    from mamori.orgs.access import org_view

    template = engines["django"].from_string(FLOOR_TEMPLATE)
    reads = floor_reads()

    def make(read: Callable[[Any], Any]) -> Any:
        @org_view()
        def view(request: Any) -> HttpResponse:
            return HttpResponse(template.render({"rows": read(request.org)}, request))

        return view

    module = types.ModuleType("bench_list_cpu_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path(f"_floor/o/<slug:org_slug>/{name}/", make(read)) for name, read in reads.items()
    ] + list(mamori.urls.urlpatterns)
    for name in ("handler400", "handler403", "handler404", "handler500"):
        setattr(module, name, getattr(mamori.urls, name))
    sys.modules[module.__name__] = module
    override_settings(ROOT_URLCONF=module.__name__).enable()


# --- measuring ------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cpu_ms(client: Any, url: str) -> float:
    start = time.process_time()
    response = client.get(url)
    spent = (time.process_time() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return spent


def queries_of(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def rows_shown(client: Any, url: str) -> int:
    body = client.get(url).content.decode()
    tbody = body.split("<tbody>", 1)[-1].split("</tbody>", 1)[0]
    return tbody.count("<tr") or body.count('<li class="todo-item')


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--page", action="append", help="only these pages (repeatable)")
    args = parser.parse_args()
    requests = args.requests or (15 if args.quick else 60)
    configure(args.db, args.database_url)

    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    # Not setup_test_environment(): its instrumented template rendering would be measured too.
    override_settings(ALLOWED_HOSTS=["testserver"]).enable()
    started = time.perf_counter()
    org, owner = build(200)
    analyse()
    build_s = time.perf_counter() - started
    install_floor_urls()

    client = Client()
    client.force_login(owner)
    session = client.session
    session["login_at"] = timezone.now().timestamp()
    session["current_org"] = org.slug
    session.save()

    pages = page_paths(org.slug)
    if args.page:
        pages = {k: v for k, v in pages.items() if k in args.page}
    figures: dict[str, dict[str, Any]] = {}
    for name, url in pages.items():
        floor_url = f"/_floor/o/{org.slug}/{name}/"
        for warm in (url, floor_url, url, floor_url):  # templates compiled, caches filled
            cpu_ms(client, warm)
        page_samples: list[float] = []
        floor_samples: list[float] = []
        for _ in range(requests):  # interleaved: the machine's load hits both alike
            page_samples.append(cpu_ms(client, url))
            floor_samples.append(cpu_ms(client, floor_url))
        median = statistics.median(page_samples)
        floor = statistics.median(floor_samples)
        figures[name] = {
            "url": url.replace(org.slug, "<org>"),
            "rows": rows_shown(client, url),
            "cpu_ms_p50": round(median, 2),
            "cpu_ms_p95": round(percentile(page_samples, 0.95), 2),
            "floor_ms_p50": round(floor, 2),
            "floor_ms_p95": round(percentile(floor_samples, 0.95), 2),
            "ratio": round(median / floor, 2) if floor else None,
            "queries": queries_of(client, url),
            "floor_queries": queries_of(client, floor_url),
        }
        values = figures[name]
        print(
            f"{name:>11}: cpu p50 {values['cpu_ms_p50']:7.2f} ms  p95 {values['cpu_ms_p95']:7.2f}"
            f" ms | floor p50 {values['floor_ms_p50']:6.2f} ms | ratio {values['ratio']:5.2f}"
            f" | queries {values['queries']:2d} (floor {values['floor_queries']}) |"
            f" rows {values['rows']}",
            flush=True,
        )
    worst_name = max(figures, key=lambda k: figures[k]["ratio"] or 0)
    worst = figures[worst_name]["ratio"]
    missing = [k for k, v in figures.items() if (v["ratio"] or 0) > TARGET_RATIO]
    print(
        f"database {connection.vendor}; {requests} requests per page and floor; built in"
        f" {build_s:.1f} s; worst {worst_name} {worst}×; target ≤ {TARGET_RATIO}×;"
        f" over target: {', '.join(missing) or 'none'}; load average {os.getloadavg()[0]:.2f}"
    )
    result = {
        "name": "list_cpu",
        "database": connection.vendor,
        "requests_per_page": requests,
        "pages": figures,
        "baseline": "floor: same path prefix, middleware, auth and organisation scope; the same"
        " 50 rows as values_list() rendered as a table of cells in the base layout",
        "ratio": worst,
        "worst_page": worst_name,
        "target_ratio": TARGET_RATIO,
        "over_target": missing,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
