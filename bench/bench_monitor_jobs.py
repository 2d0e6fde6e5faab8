"""Website monitoring through the real worker path: jobs claimed, pages fetched, fingerprinted,
compared with their baseline and the result stored (snapshot, page state), on one machine.

    .venv/bin/python bench/bench_monitor_jobs.py [--quick] [--pages N]

A child process serves N generated pages (default 1,000) on 127.0.0.1; a scratch SQLite
database holds N watched pages with their recurring check jobs. The first pass (not measured)
stores every baseline. Then, for 1, 2 and 4 worker threads, every job is made due and the
threads run until nothing is due: pages per second (wall) and CPU seconds per page of this
process. The baseline, measured in the same run with the same thread count, is the engine alone
(``check_page`` against the stored baseline, nothing written). Target: 1,000 pages every
5 minutes = 3.33 pages/s. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_PAGES_PER_SECOND = 1000 / 300
THREADS = (1, 2, 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 pages instead of 1,000")
    parser.add_argument("--pages", type=int, default=None)
    options = parser.parse_args()
    page_count = options.pages or (200 if options.quick else 1000)

    scratch = tempfile.mkdtemp(prefix="mamori-bench-monitor-")
    os.environ["MAMORI_DATA_DIR"] = scratch
    os.environ.pop("DATABASE_URL", None)
    os.environ["MAMORI_SQLITE_PATH"] = str(Path(scratch) / "bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "mamori.settings"
    os.environ["MAMORI_OUTBOUND_ALLOW_NETWORKS"] = "127.0.0.0/8"
    os.environ.setdefault("MAMORI_LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from bench_monitoring import serve  # the same generated pages as the engine bench
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from mamori.core import jobs
    from mamori.core.models import Job
    from mamori.monitoring.engine import check_page
    from mamori.monitoring.models import Snapshot, WatchedPage
    from mamori.monitoring.services import CHECK_JOB, save_page
    from mamori.orgs.services import create_organization, create_user

    settings.OUTBOUND_ALLOW_NETWORKS = ["127.0.0.0/8"]
    call_command("migrate", verbosity=0)
    jobs.load_handlers()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(page_count, queue), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{queue.get(timeout=30)}"
        owner = create_user("bench@example.jp", "bench-password-123", full_name="bench")
        org = create_organization("bench", owner)
        for index in range(page_count):
            save_page(None, org, WatchedPage(url=f"{base}/page/{index}", interval_minutes=5))

        def run_workers(threads: int) -> tuple[float, float]:
            Job.objects.filter(kind=CHECK_JOB).update(run_at=timezone.now())
            stop = threading.Event()
            cpu, wall = time.process_time(), time.perf_counter()
            workers = jobs.start_workers(
                stop, name="bench", threads=threads, poll_seconds=0.05, once=True
            )
            for worker in workers:
                worker.join()
            return time.perf_counter() - wall, time.process_time() - cpu

        run_workers(4)  # first pass: baselines
        assert WatchedPage.objects.filter(baseline__isnull=True).count() == 0
        pages = list(WatchedPage.objects.values_list("url", "baseline"))

        def engine_only(threads: int) -> tuple[float, float]:
            from mamori.monitoring.fingerprint import Fingerprint

            prints = [(url, Fingerprint.from_dict(data)) for url, data in pages]
            cpu, wall = time.process_time(), time.perf_counter()
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(lambda item: check_page(item[0], baseline=item[1]), prints))
            return time.perf_counter() - wall, time.process_time() - cpu

        results = []
        for threads in THREADS:
            base_wall, base_cpu = engine_only(threads)
            before = Snapshot.objects.count()
            wall, cpu = run_workers(threads)
            checked = Snapshot.objects.count() - before
            row = {
                "threads": threads,
                "pages": checked,
                "pages_per_second": round(checked / wall, 1),
                "cpu_ms_per_page": round(1000 * cpu / max(checked, 1), 2),
                "baseline_pages_per_second": round(page_count / base_wall, 1),
                "baseline_cpu_ms_per_page": round(1000 * base_cpu / page_count, 2),
            }
            row["ratio"] = round(row["pages_per_second"] / row["baseline_pages_per_second"], 3)
            results.append(row)
            print(
                f"threads={threads}: {row['pages_per_second']} pages/s "
                f"({row['cpu_ms_per_page']} ms CPU/page) with jobs and database; engine alone "
                f"{row['baseline_pages_per_second']} pages/s ({row['baseline_cpu_ms_per_page']} "
                f"ms CPU/page); ratio {row['ratio']}"
            )
    finally:
        server.terminate()
        shutil.rmtree(scratch, ignore_errors=True)
    best = max(results, key=lambda row: row["pages_per_second"])
    print(
        f"target {TARGET_PAGES_PER_SECOND:.2f} pages/s (1,000 pages / 5 min); best "
        f"{best['pages_per_second']} pages/s = {best['pages_per_second'] / TARGET_PAGES_PER_SECOND:.0f}× the target"
    )
    print(
        json.dumps(
            {
                "name": "monitor_jobs",
                "pages": page_count,
                "results": results,
                "pages_per_second": best["pages_per_second"],
                "cpu_ms_per_page": best["cpu_ms_per_page"],
                "baseline": "engine alone (check_page, nothing stored), same thread count",
                "baseline_pages_per_second": best["baseline_pages_per_second"],
                "ratio": best["ratio"],
                "target_pages_per_second": round(TARGET_PAGES_PER_SECOND, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
