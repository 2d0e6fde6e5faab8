"""Load test (issue 19, "Performance and scale"): two web processes and two workers on
PostgreSQL, many organisations, website checks and mail checks arriving while several clients
read the main pages.

    .venv/bin/python bench/bench_load.py [--quick] [--database-url URL]

Built in a scratch PostgreSQL database (created and dropped): 100 organisations (``--quick``: 20)
× 50 people, 3 accounts each (owner + 2 members) plus one advisor who is a member of every
organisation, 40 findings with actions per organisation, and 1,000 watched pages (``--quick``:
200) whose pages a child process serves on 127.0.0.1 (the outbound guard allows loopback through
MAMORI_OUTBOUND_ALLOW_NETWORKS, as in the monitoring benches).

Two ``mamori serve --no-worker --no-migrate`` processes (different ports) and, for the load phase,
two ``mamori worker`` processes run as real subprocesses.

1. Anchor (no load, same run): one client, workers not started, each page fetched sequentially.
   Then the same N clients alone for a third of the load time (no workers, no mail): the cost of
   the clients' own concurrency on this machine, shown as "clients p95".
2. Load: both workers start, every website check is made due at once (the backlog after an
   outage: 1,000 pages with a 5-minute interval), one client uploads a suspicious mail through
   the mail-check form every second, and N concurrent clients (default 6) read the pages for the
   run's duration. A sampler reads the job lag (age of the oldest due queued job) every second.

People do not click without pause: with ``--think-ms M`` each client waits a random time (mean M
ms, exponential) between pages, as an office of N people reading would; ``--think-ms 0`` (the
default) is the closed loop that keeps N requests in flight, i.e. the machine's saturation. The
workers run with ``--worker-nice`` (default 10), as deploy/systemd/mamori-worker.service does:
background work yields the CPU to people's requests and still keeps up with its intervals.

Reported per page: p50/p95 in the anchor and under load, and the ratio p95(load)/p95(anchor).
Targets from the issue: p95 of the list pages and the overview < 150 ms; job lag never above the
checks' interval (300 s). The machine running this has 2 CPU cores shared with other work: the
absolute figures move with that, the ratios are the figures that count. The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mamori_loadbench"
PASSWORD = "bench-password-4242"
CHECK_INTERVAL_MINUTES = 5
P95_TARGET_MS = 150.0
PAGES = ("dashboard", "findings", "todo", "people", "accounts", "websites", "overview")


def page_path(page: str, slug: str) -> str:
    return {
        "dashboard": f"/o/{slug}/",
        "findings": f"/o/{slug}/findings/",
        "todo": f"/o/{slug}/todo/",
        "people": f"/o/{slug}/inventory/people/",
        "accounts": f"/o/{slug}/inventory/accounts/",
        "websites": f"/o/{slug}/monitoring/",
        "overview": "/overview/",
    }[page]


def scratch_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(org_count: int, page_count: int, page_base: str) -> tuple[Any, list[str]]:
    from django.utils import timezone

    from mamori.findings.models import Action, Finding
    from mamori.inventory.models import Person
    from mamori.monitoring.models import WatchedPage
    from mamori.monitoring.services import save_page
    from mamori.orgs.models import Membership, Role
    from mamori.orgs.services import create_organization, create_user, set_up_new_organization

    advisor = create_user("advisor@example.jp", PASSWORD, full_name="支援者")
    today = timezone.localdate()
    severities = ("critical", "high", "medium", "low")
    slugs: list[str] = []
    pages_per_org = max(1, page_count // org_count)
    for i in range(org_count):
        owner = create_user(f"owner{i}@client{i}.example.jp", PASSWORD, full_name=f"代表 {i}")
        org = create_organization(f"顧客{i:03d}株式会社", owner)
        set_up_new_organization(org)
        slugs.append(org.slug)
        Membership.objects.create(organization=org, user=advisor, role=Role.EDITOR)
        for m in range(2):
            member = create_user(f"staff{m}@client{i}.example.jp", PASSWORD)
            Membership.objects.create(organization=org, user=member, role=Role.VIEWER)
        Person.objects.bulk_create(
            [
                Person(organization=org, name=f"社員 {i}-{p}", email=f"p{p}@client{i}.example.jp")
                for p in range(50)
            ]
        )
        findings = Finding.objects.bulk_create(
            [
                Finding(
                    organization=org,
                    kind="bench.kind",
                    key=f"bench:{f}",
                    severity=severities[f % 4],
                    severity_rank=4 - f % 4,
                    status="open" if f % 3 else "resolved",
                    subject=f"問題 {f}",
                    guidance_key="assessment.weak_answer",
                    resolved_at=None if f % 3 else timezone.now(),
                )
                for f in range(40)
            ]
        )
        Action.objects.bulk_create(
            [
                Action(organization=org, finding=f, due_date=today + timedelta(days=n % 60 - 20))
                for n, f in enumerate(findings)
            ]
        )
        for p in range(pages_per_org):
            number = i * pages_per_org + p
            save_page(
                None,
                org,
                WatchedPage(
                    url=f"{page_base}/page/{number % page_count}",
                    interval_minutes=CHECK_INTERVAL_MINUTES,
                ),
            )
    return advisor, slugs


def session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, deadline: float) -> None:
    import httpx

    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"web process on port {port} did not start")


def suspicious_mail(n: int) -> bytes:
    message = EmailMessage()
    message["From"] = "「請求書」 <billing@invoice-update.example.com>"
    message["To"] = "keiri@client.example.jp"
    message["Subject"] = f"【至急】請求書の確認をお願いします No.{n}"
    message["Message-ID"] = f"<bench-{n}@invoice-update.example.com>"
    message.set_content(
        "お世話になっております。\n添付の請求書をご確認ください。\n"
        "http://203.0.113.9/login/verify?id=12345 から本日中にログインしてください。\n"
    )
    return bytes(message)


class Client:
    """One browser: an httpx client with the advisor's session cookie, timing each GET."""

    def __init__(self, ports: list[int], cookie: str, cookie_name: str) -> None:
        import httpx

        self.clients = [
            httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                cookies={cookie_name: cookie},
                timeout=60,
                headers={"Accept-Language": "ja"},
            )
            for port in ports
        ]
        self.turn = 0

    def next(self) -> Any:
        self.turn += 1
        return self.clients[self.turn % len(self.clients)]

    def get_ms(self, path: str) -> float:
        client = self.next()
        start = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        return elapsed

    def upload_mail(self, slug: str, raw: bytes, n: int) -> int:
        client = self.next()
        form = client.get(f"/o/{slug}/mail/check/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if token is None:
            raise RuntimeError("no CSRF token on the mail-check form")
        response = client.post(
            f"/o/{slug}/mail/check/",
            data={"csrfmiddlewaretoken": token.group(1)},
            files={"mail": (f"suspicious-{n}.eml", raw, "message/rfc822")},
        )
        return response.status_code

    def close(self) -> None:
        for client in self.clients:
            client.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def job_lag_seconds() -> float:
    from django.db import connection
    from django.utils import timezone

    from mamori.core.models import Job, JobStatus

    now = timezone.now()
    oldest = (
        Job.objects.filter(status=JobStatus.QUEUED, run_at__lte=now)
        .order_by("run_at")
        .values_list("run_at", flat=True)
        .first()
    )
    connection.close_if_unusable_or_obsolete()
    return 0.0 if oldest is None else (now - oldest).total_seconds()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 organisations, 200 pages, 20 s")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="mean pause between a client's pages (ms)"
    )
    parser.add_argument(
        "--worker-nice", type=int, default=10, help="niceness of the worker processes (0: none)"
    )
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    options = parser.parse_args()
    org_count = 20 if options.quick else 100
    page_count = 200 if options.quick else 1000
    seconds = options.seconds or (20.0 if options.quick else 60.0)
    anchor_rounds = 6 if options.quick else 15

    scratch = tempfile.mkdtemp(prefix="mamori-bench-load-")
    env_overrides = {
        "MAMORI_DATA_DIR": scratch,
        "DATABASE_URL": options.database_url,
        "MAMORI_OUTBOUND_ALLOW_NETWORKS": "127.0.0.0/8",
        "MAMORI_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "mamori.settings",
    }
    os.environ.update(env_overrides)
    scratch_database(options.database_url)
    processes: list[subprocess.Popen[bytes]] = []
    page_server: multiprocessing.Process | None = None
    try:
        import django

        django.setup()
        from bench_monitoring import serve as serve_pages
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from mamori.core.models import Job
        from mamori.monitoring.models import Snapshot
        from mamori.monitoring.services import CHECK_JOB

        call_command("migrate", verbosity=0)
        queue: multiprocessing.Queue = multiprocessing.Queue()
        page_server = multiprocessing.Process(
            target=serve_pages, args=(page_count, queue), daemon=True
        )
        page_server.start()
        page_base = f"http://127.0.0.1:{queue.get(timeout=60)}"

        started = time.perf_counter()
        advisor, slugs = build(org_count, page_count, page_base)
        # Nothing runs before the load phase: the website checks wait an hour for now.
        Job.objects.update(run_at=timezone.now() + timedelta(hours=1))
        build_s = time.perf_counter() - started
        cookie = session_cookie(advisor)
        connection.close()
        print(
            f"built {org_count} organisations × 50 people, {org_count * 3 + 1} accounts, "
            f"{org_count * 40} findings, {page_count} watched pages in {build_s:.1f} s",
            flush=True,
        )

        child_env = {**os.environ, **env_overrides}
        python = sys.executable
        ports = [free_port(), free_port()]
        for port in ports:
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    [python, "-m", "mamori.cli", "serve", "--no-worker", "--no-migrate"]
                    # One process each: two web processes in all, as described above.
                    + ["--port", str(port), "--threads", "8", "--processes", "1"],
                    env=child_env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                )
            )
        for port in ports:
            wait_ready(port, time.monotonic() + 60)

        rng = random.Random(19)
        browser = Client(ports, cookie, settings.SESSION_COOKIE_NAME)
        # Warm up both processes (first template loads, connection set-up): not measured.
        for page in PAGES:
            for _ in range(2):
                browser.get_ms(page_path(page, rng.choice(slugs)))

        anchor: dict[str, list[float]] = {page: [] for page in PAGES}
        for _ in range(anchor_rounds):
            for page in PAGES:
                anchor[page].append(browser.get_ms(page_path(page, rng.choice(slugs))))

        errors: list[str] = []
        lock = threading.Lock()

        def reader(seed: int, sink: dict[str, list[float]], until: threading.Event) -> None:
            own = random.Random(seed)
            client = Client(ports, cookie, settings.SESSION_COOKIE_NAME)
            try:
                while not until.is_set():
                    if options.think_ms > 0 and until.wait(
                        own.expovariate(1000.0 / options.think_ms)
                    ):
                        break
                    page = own.choice(PAGES)
                    try:
                        ms = client.get_ms(page_path(page, own.choice(slugs)))
                    except Exception as error:  # noqa: BLE001 - counted, reported
                        with lock:
                            errors.append(str(error)[:200])
                        continue
                    with lock:
                        sink[page].append(ms)
            finally:
                client.close()

        # Clients only (no workers, no mail): what the concurrency of the clients alone costs on
        # this machine, so that the load phase's ratio can be read as clients + background work.
        concurrent: dict[str, list[float]] = {page: [] for page in PAGES}
        enough = threading.Event()
        readers = [
            threading.Thread(target=reader, args=(50 + c, concurrent, enough))
            for c in range(options.clients)
        ]
        for thread in readers:
            thread.start()
        enough.wait(seconds / 3)
        enough.set()
        for thread in readers:
            thread.join()

        # Load phase: two workers, every website check due now, mail checks arriving.
        for n in range(2):
            processes.append(
                subprocess.Popen(  # noqa: S603
                    (["nice", "-n", str(options.worker_nice)] if options.worker_nice else [])
                    + [python, "-m", "mamori.cli", "worker", "--name", f"bench-worker-{n}"]
                    + ["--threads", "2"],
                    env=child_env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                )
            )
        due_from = timezone.now()
        Job.objects.filter(kind=CHECK_JOB).update(run_at=due_from)
        snapshots_before = Snapshot.objects.count()
        connection.close()

        stop = threading.Event()
        loaded: dict[str, list[float]] = {page: [] for page in PAGES}
        lags: list[float] = []
        mail_statuses: list[int] = []

        def mailer() -> None:
            client = Client(ports, cookie, settings.SESSION_COOKIE_NAME)
            n = 0
            try:
                while not stop.is_set():
                    tick = time.monotonic()
                    try:
                        status = client.upload_mail(slugs[n % len(slugs)], suspicious_mail(n), n)
                    except Exception as error:  # noqa: BLE001
                        status = 0
                        errors.append("mail: " + str(error)[:200])
                    mail_statuses.append(status)
                    n += 1
                    stop.wait(max(0.0, 1.0 - (time.monotonic() - tick)))
            finally:
                client.close()

        def sampler() -> None:
            while not stop.is_set():
                lags.append(job_lag_seconds())
                stop.wait(1.0)
            connection.close()

        threads = [
            threading.Thread(target=reader, args=(100 + c, loaded, stop))
            for c in range(options.clients)
        ]
        threads += [threading.Thread(target=mailer), threading.Thread(target=sampler)]
        load_start = time.perf_counter()
        for thread in threads:
            thread.start()
        stop.wait(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        load_s = time.perf_counter() - load_start
        # Keep the workers going until the website backlog is gone (bounded): the drain time.
        drain_deadline = time.monotonic() + CHECK_INTERVAL_MINUTES * 60
        while time.monotonic() < drain_deadline:
            lag = job_lag_seconds()
            lags.append(lag)
            if lag == 0.0:
                break
            time.sleep(1.0)
        drained_s = (timezone.now() - due_from).total_seconds()
        checked = Snapshot.objects.count() - snapshots_before
        connection.close()
        browser.close()
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if page_server is not None:
            page_server.terminate()
        from django.db import connections

        connections.close_all()
        if not options.keep:
            drop_database(options.database_url)
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"machine: {os.cpu_count()} CPU cores, shared with other work: read the ratios")
    print(
        f"load: {options.clients} clients (mean pause {options.think_ms:.0f} ms) for "
        f"{load_s:.0f} s against 2 web processes, 2 workers × 2 threads "
        f"(nice {options.worker_nice}), {len(mail_statuses)} mails uploaded "
        f"({sum(1 for s in mail_statuses if s in (200, 302))} accepted), {len(errors)} errors"
    )
    print(
        f"{'page':<10} {'anchor p50':>10} {'p95':>7} {'clients p95':>11} "
        f"{'load p50':>9} {'p95':>7} {'n':>5} ratio"
    )
    figures: dict[str, Any] = {}
    worst_ratio = 0.0
    worst_p95 = 0.0
    for page in PAGES:
        a50, a95 = percentile(anchor[page], 0.5), percentile(anchor[page], 0.95)
        l50, l95 = percentile(loaded[page], 0.5), percentile(loaded[page], 0.95)
        c95 = percentile(concurrent[page], 0.95)
        ratio = l95 / a95 if a95 else float("nan")
        worst_ratio = max(worst_ratio, ratio)
        worst_p95 = max(worst_p95, l95)
        figures[page] = {
            "anchor_p50_ms": round(a50, 1),
            "anchor_p95_ms": round(a95, 1),
            "clients_only_p95_ms": round(c95, 1),
            "load_p50_ms": round(l50, 1),
            "load_p95_ms": round(l95, 1),
            "load_requests": len(loaded[page]),
            "p95_ratio": round(ratio, 2),
        }
        print(
            f"{page:<10} {a50:>10.1f} {a95:>7.1f} {c95:>11.1f} {l50:>9.1f} {l95:>7.1f} "
            f"{len(loaded[page]):>5} {ratio:.2f}"
        )
    throughput = sum(len(v) for v in loaded.values()) / load_s
    max_lag = max(lags) if lags else 0.0
    print(
        f"throughput under load: {throughput:.1f} pages/s; job lag max {max_lag:.0f} s "
        f"(interval {CHECK_INTERVAL_MINUTES * 60} s), median "
        f"{statistics.median(lags) if lags else 0:.0f} s; {checked} website checks stored, "
        f"backlog of {page_count} checks gone after {drained_s:.0f} s"
    )
    print(
        f"targets: p95 < {P95_TARGET_MS:.0f} ms under load — worst {worst_p95:.0f} ms; "
        f"job lag ≤ {CHECK_INTERVAL_MINUTES * 60} s — {'met' if max_lag <= 300 else 'missed'}"
    )
    print(
        json.dumps(
            {
                "name": "load",
                "organisations": org_count,
                "people": org_count * 50,
                "watched_pages": page_count,
                "clients": options.clients,
                "think_ms": options.think_ms,
                "worker_nice": options.worker_nice,
                "seconds": round(load_s, 1),
                "pages": figures,
                "throughput_pages_per_s": round(throughput, 1),
                "mails_uploaded": len(mail_statuses),
                "errors": len(errors),
                "job_lag_max_s": round(max_lag, 1),
                "job_lag_interval_s": CHECK_INTERVAL_MINUTES * 60,
                "website_checks_stored": checked,
                "backlog_drained_s": round(drained_s, 1),
                "baseline": "the same pages, one client, no workers, no mail (same run)",
                "ratio": round(worst_ratio, 2),
                "worst_load_p95_ms": round(worst_p95, 1),
                "cpu_cores": os.cpu_count(),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
