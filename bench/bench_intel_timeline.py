"""Timeline page latency with many feed items (issue 5 target: p95 < 150 ms at 1,000,000 items).

    .venv/bin/python bench/bench_intel_timeline.py [--quick] [--items N] [--requests N]

A fresh SQLite database (or PostgreSQL when DATABASE_URL is set) in a temporary data dir gets
one organisation with 20 feeds and N items (default 1,000,000; --quick 100,000), 3 % of them
duplicates of another feed's article. Then the real timeline view is requested through the
Django test client (middleware, organisation scope, template): the first page, a page deep in
the history (keyset cursor), a source filter and the unread filter. The baseline, measured in
the same run, is the bare SQL read of the same first 50 rows. The ratio is page p95 / baseline
p95. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_P95_MS = 150.0
SPACING_SECONDS = 30


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _fill(org_id: int, feed_ids: list[int], count: int) -> None:
    from django.db import connection, transaction

    # One item every 30 s up to now: a year for 1,000,000 items, ~5,800 in a 48-hour window.
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=count * SPACING_SECONDS)
    now = dt.datetime.now(dt.UTC).isoformat()
    sql = (
        "INSERT INTO intel_feeditem (organization_id, feed_id, guid, title, link, summary, "
        'published, ids, link_key, title_key, duplicate_of_id, "primary", fetched_at) '
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM intel_feeditem")
        first_id = cursor.fetchone()[0]
    with transaction.atomic(), connection.cursor() as cursor:
        for n in range(count):
            feed = feed_ids[n % len(feed_ids)]
            published = (start + dt.timedelta(seconds=n * SPACING_SECONDS)).isoformat()
            primary = n % 33 != 0  # ~3 % duplicates
            link = f"https://news{n % 20}.example/{n}"
            batch.append(
                (
                    org_id,
                    feed,
                    f"g{n}",
                    f"Security item {n} about product {n % 997}",
                    link,
                    f"Summary text of item {n}. CVE-2024-{n % 9999:04d}",
                    published,
                    f"CVE-2024-{n % 9999:04d}",
                    link[8:],
                    f"securityitem{n}",
                    None if primary or n == 0 else first_id + n - 1,  # the previous row
                    primary,
                    now,
                )
            )
            if len(batch) >= 20_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE intel_feeditem")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--items", type=int)
    parser.add_argument("--requests", type=int)
    args = parser.parse_args()
    items = args.items or (100_000 if args.quick else 1_000_000)
    requests = args.requests or (20 if args.quick else 60)
    workdir = tempfile.mkdtemp(prefix="mamori-bench-timeline-")
    os.environ["MAMORI_DATA_DIR"] = workdir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    # Not setup_test_environment(): its instrumented template rendering would be measured too.
    override_settings(ALLOWED_HOSTS=["testserver"]).enable()
    call_command("migrate", verbosity=0)
    from mamori.intel.models import Feed
    from mamori.orgs.services import create_organization, create_user

    user = create_user("bench@example.jp", "bench-password-123456", full_name="Bench")
    org = create_organization("Bench", user)
    feeds = [
        Feed.objects.create(organization=org, name=f"Feed {n}", url=f"https://f{n}.example/rss")
        for n in range(20)
    ]
    started = time.perf_counter()
    _fill(org.pk, [f.pk for f in feeds], items)
    fill_seconds = time.perf_counter() - started

    client = Client()
    client.force_login(user)
    session = client.session
    session["login_at"] = time.time()
    session.save()
    base = f"/o/{org.slug}/intel/"
    middle = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=items * SPACING_SECONDS // 2)
    deep = middle.isoformat()
    pages = {
        "first": base,
        "deep": f"{base}?before={deep.replace('+', '%2B')}_{items // 2}",
        "source": f"{base}?source={feeds[3].pk}",
        "unread": f"{base}?unread=on",
    }

    def timed(url: str) -> list[float]:
        out = []
        for _ in range(requests):
            t0 = time.perf_counter()
            response = client.get(url)
            out.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return out

    client.get(base)  # warm caches (templates, translations)
    figures: dict[str, dict[str, float]] = {}
    for name, url in pages.items():
        samples = timed(url)
        figures[name] = {
            "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(_percentile(samples, 0.95), 2),
        }
    baseline_samples = []
    for _ in range(requests):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, title, link, published FROM intel_feeditem WHERE organization_id = %s "
                'AND "primary" ORDER BY published DESC, id DESC LIMIT 51',
                [org.pk],
            )
            cursor.fetchall()
        baseline_samples.append((time.perf_counter() - t0) * 1000)
    baseline_p95 = _percentile(baseline_samples, 0.95)
    worst = max(v["p95_ms"] for v in figures.values())
    for name, values in figures.items():
        print(f"{name:>7}: p50 {values['p50_ms']:8.2f} ms   p95 {values['p95_ms']:8.2f} ms")
    print(f"baseline (bare SQL, first 50 rows): p95 {baseline_p95:.3f} ms")
    print(f"items {items:,} inserted in {fill_seconds:.1f} s; target p95 < {TARGET_P95_MS} ms")
    result = {
        "name": "intel_timeline",
        "items": items,
        "requests_per_page": requests,
        "database": connection.vendor,
        "pages": figures,
        "worst_p95_ms": worst,
        "baseline": {"bare_sql_p95_ms": round(baseline_p95, 3)},
        "ratio": round(worst / baseline_p95, 1) if baseline_p95 else None,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": worst < TARGET_P95_MS,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
