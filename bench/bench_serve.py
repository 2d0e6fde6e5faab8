"""`mamori serve --processes 1` against `--processes N` (issue 20, "one web process"): requests
per second and p95 of signed-in pages with 8 concurrent connections.

    .venv/bin/python bench/bench_serve.py [--quick] [--processes N] [--database-url URL]

A scratch data directory (SQLite, the one-machine default; or a scratch PostgreSQL database with
--database-url, created and dropped) gets the demo organisation (`mamori demo`), and the demo
owner a signed-in session. Then, for each round, `mamori serve --no-worker --no-migrate` runs
with --processes 1 (the baseline) and with --processes N (default: one per CPU, at least 2) as
real subprocesses, and 8 client threads each keep one HTTP/1.1 connection and read the dashboard
and the findings list in turn, as fast as they are answered (closed loop: the machine's
saturation). Browsers reuse a connection for a few pages, then open another: a client opens a
new connection every --per-connection requests (default 10), which is also what lets the kernel
hand connections to every process. Warm-up requests are not measured.

Reported per setting: requests/s, p50 and p95 (ms), failed requests, and with several processes
their memory (resident set per web process). The ratio is requests/s (N) / requests/s (1) of the
same run, rounds alternating so that other work on the machine weighs on both alike. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONNECTIONS = 8
PAGES = ("/o/demo/", "/o/demo/findings/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def prepare() -> str:
    """Migrate, build the demo organisation; return a signed-in session key of its owner."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from mamori.core.demo import run

    call_command("migrate", verbosity=0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ctx = run()
    client = Client()
    client.force_login(ctx.users["owner"])
    assert client.get("/o/demo/").status_code == 200
    connections.close_all()  # the servers have the database to themselves
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


class Server:
    def __init__(self, processes: int, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "mamori.cli", "serve", "--no-worker", "--no-migrate"]
            + ["--port", str(self.port), "--processes", str(processes)],
            env={**env, "MAMORI_BASE_URL": f"http://127.0.0.1:{self.port}"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self.process.stdout is not None
        for raw in self.process.stdout:  # the parent says so once every process accepts
            if b"running at that address" in raw:
                break
        else:
            raise SystemExit(f"mamori serve --processes {processes} did not start")
        # Keep reading what it prints, so a full pipe never blocks it.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def children(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                found.append(int(entry.name))
        return found

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the web processes and their parent."""
        ticks = 0
        for pid in [self.process.pid, *self.children()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def resident_mb(self) -> list[float]:
        sizes = []
        for pid in self.children() or [self.process.pid]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return sizes

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def drive(
    port: int, cookie: str, cookie_name: str, seconds: float, per_connection: int
) -> tuple[list[float], int, float]:
    """CONNECTIONS client threads for `seconds`: latencies (ms) of 200 answers, failures, and
    the measured wall time."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    headers = {"Cookie": f"{cookie_name}={cookie}", "Accept-Language": "ja"}
    start_at = time.perf_counter() + 0.2
    end_at = start_at + seconds

    def client(index: int) -> None:
        own: list[float] = []
        failed = 0
        conn: http.client.HTTPConnection | None = None
        sent = 0
        while time.perf_counter() < start_at:
            time.sleep(0.01)
        while time.perf_counter() < end_at:
            if conn is None or sent % per_connection == 0:
                if conn is not None:
                    conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            path = PAGES[(index + sent) % len(PAGES)]
            sent += 1
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = None
            if ok:
                own.append((time.perf_counter() - began) * 1000)
            else:
                failed += 1
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(own)
            failures[0] += failed

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures[0], time.perf_counter() - start_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of 8 s per setting")
    parser.add_argument("--processes", type=int, default=max(2, min(os.cpu_count() or 1, 8)))
    parser.add_argument("--seconds", type=float, default=None, help="per setting and round")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--per-connection", type=int, default=10)
    parser.add_argument("--database-url", default="", help="PostgreSQL (scratch database)")
    options = parser.parse_args()
    seconds = options.seconds or (8.0 if options.quick else 20.0)
    rounds = options.rounds or (1 if options.quick else 2)

    scratch = tempfile.mkdtemp(prefix="mamori-bench-serve-")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MAMORI_SQLITE_PATH"}}
    env.update(
        MAMORI_DATA_DIR=scratch,
        MAMORI_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="mamori.settings",
    )
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_load import scratch_database

        scratch_database(options.database_url)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("MAMORI_SQLITE_PATH", None)
    os.environ.update(env)
    load_before = os.getloadavg()
    try:
        cookie = prepare()
        from django.conf import settings

        settings_order = [1, options.processes]
        results: dict[int, dict[str, list[float] | int | float]] = {
            n: {"latencies": [], "failures": 0, "seconds": 0.0, "cpu": 0.0, "rss": []}
            for n in settings_order
        }
        for round_index in range(rounds):
            order = settings_order if round_index % 2 == 0 else settings_order[::-1]
            for processes in order:
                server = Server(processes, env)
                try:
                    # Warm-up (first template loads in every process): not measured.
                    drive(server.port, cookie, settings.SESSION_COOKIE_NAME, 2.0, 2)
                    cpu_before = server.cpu_seconds()
                    latencies, failures, wall = drive(
                        server.port,
                        cookie,
                        settings.SESSION_COOKIE_NAME,
                        seconds,
                        options.per_connection,
                    )
                    cpu = server.cpu_seconds() - cpu_before
                    rss = server.resident_mb()
                finally:
                    server.stop()
                entry = results[processes]
                entry["latencies"] += latencies  # type: ignore[operator]
                entry["failures"] += failures  # type: ignore[operator]
                entry["seconds"] += wall  # type: ignore[operator]
                entry["cpu"] += cpu  # type: ignore[operator]
                entry["rss"] = rss
                print(
                    f"round {round_index + 1}, --processes {processes}: "
                    f"{len(latencies) / wall:.1f} req/s, p95 {percentile(latencies, 0.95):.0f} ms"
                    f", {failures} failed",
                    flush=True,
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if options.database_url:
            from bench_load import drop_database

            drop_database(options.database_url)

    figures = {}
    for processes, entry in results.items():
        latencies = entry["latencies"]  # type: ignore[assignment]
        figures[processes] = {
            "processes": processes,
            "requests_per_s": round(len(latencies) / entry["seconds"], 1),  # type: ignore[arg-type]
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 0.95), 1),  # type: ignore[arg-type]
            "failed": entry["failures"],
            # Server CPU per answered request: what the load on the machine does not change.
            "cpu_ms_per_request": round(1000 * entry["cpu"] / max(len(latencies), 1), 1),  # type: ignore[operator]
            "rss_mb_per_process": [round(size) for size in entry["rss"]],  # type: ignore[union-attr]
        }
    base, many = figures[1], figures[options.processes]
    ratio = round(many["requests_per_s"] / base["requests_per_s"], 2)
    p95_ratio = round(many["p95_ms"] / base["p95_ms"], 2)
    load_after = os.getloadavg()
    print()
    print(f"{CONNECTIONS} connections, pages {', '.join(PAGES)}, {rounds} round(s) of {seconds} s")
    print(
        f"{'setting':<16}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'failed':>8}{'CPU ms/req':>12}"
        "  RSS MB/process"
    )
    for figure in (base, many):
        print(
            f"--processes {figure['processes']:<4}{figure['requests_per_s']:>8}"
            f"{figure['p50_ms']:>9}{figure['p95_ms']:>9}{figure['failed']:>8}"
            f"{figure['cpu_ms_per_request']:>12}  "
            f"{figure['rss_mb_per_process']}"
        )
    print(f"ratio (req/s, {options.processes} processes / 1): {ratio}; p95 ratio: {p95_ratio}")
    print(
        f"machine: {os.cpu_count()} CPU cores, load average {load_before[0]:.1f} before and "
        f"{load_after[0]:.1f} after (shared with other work: read the ratio)"
    )
    print(
        json.dumps(
            {
                "name": "serve_processes",
                "database": "postgresql" if options.database_url else "sqlite",
                "connections": CONNECTIONS,
                "seconds_per_setting": seconds * rounds,
                "baseline": base,
                "processes": many,
                "ratio": ratio,
                "p95_ratio": p95_ratio,
                "cpu_cores": os.cpu_count(),
                "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
