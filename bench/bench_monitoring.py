"""Website-monitoring throughput: guarded fetch + fingerprint of many pages from a local server.

    .venv/bin/python bench/bench_monitoring.py [--quick] [--pages N]

A child process serves N generated pages (default 1,000) on 127.0.0.1. For thread pools of 1, 4
and 16, this process fetches every page through ``mamori.core.http.fetch`` (loopback explicitly
allowed) and fingerprints it; the baseline, measured in the same run, fetches the same pages
with a plain ``httpx.Client`` and does nothing with them. Figures: pages per second (wall) and
CPU seconds per page of this process (all threads; the server's CPU is not counted).
Target context: 1,000 pages every 5 minutes is 3.33 pages/s.
Steady state: the CPU of one regular check's judgement (fingerprint + compare against the
baseline with the moving parts learned at start, the page's timestamp moved) next to the
fingerprint alone; learning costs LEARN_CHECKS one-off fetches per page at start and regular
checks fetch once (learning never adds a fetch to an interval).
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from mamori.core.http import fetch  # noqa: E402
from mamori.monitoring.compare import LEARN_CHECKS, Learned, compare, learn  # noqa: E402
from mamori.monitoring.fingerprint import fingerprint  # noqa: E402

TARGET_PAGES_PER_SECOND = 1000 / 300
CONCURRENCY = (1, 4, 16)
WORDS = (
    "営業時間 お知らせ 新商品 採用情報 会社概要 アクセス お問い合わせ 個人情報保護方針 "
    "news products services about contact privacy support download event seminar"
).split()


def make_page(number: int) -> bytes:
    """A page of a few tens of KB with the parts the fingerprint looks at."""
    rng = random.Random(number)
    scripts = "".join(
        f'<script src="/static/js/app{n}.js?v={rng.randint(1, 9)}"></script>' for n in range(4)
    )
    inline = f"<script>window.dataLayer=[];var pageId={number};function t(){{return 1}}</script>"
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(40)) + "</p>" for _ in range(40)
    )
    links = "".join(
        f'<li><a href="{"https://partner" + str(n) + ".example.org/" if n % 4 == 0 else "/p/" + str(n)}">'
        f"{rng.choice(WORDS)}</a></li>"
        for n in range(40)
    )
    frame = '<iframe src="https://www.youtube.com/embed/x"></iframe>' if number % 3 == 0 else ""
    html = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>ページ {number}</title>{scripts}{inline}</head><body>"
        f"<header><nav><ul>{links}</ul></nav></header><main><h1>見出し {number}</h1>"
        f"{paragraphs}{frame}<form action='/contact'><input name='q'></form></main>"
        "<footer><span class='stamp'>2026-11-22 12:00</span></footer></body></html>"
    )
    return html.encode("utf-8")


def serve(page_count: int, port_queue: multiprocessing.Queue) -> None:
    pages = {f"/page/{n}": make_page(n) for n in range(page_count)}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def run(urls: list[str], concurrency: int, work: Callable[[str], bool]) -> dict[str, float]:
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(work, urls))
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    return {
        "pages_per_s": len(urls) / wall,
        "cpu_s_per_page": cpu / len(urls),
        "failures": float(results.count(False)),
    }


def mamori_work(url: str) -> bool:
    result = fetch(url, allow_networks=["127.0.0.0/8"], timeout=30)
    if not result.ok:
        return False
    page = fingerprint(result.content, page_url=result.final_url, ignore_selectors=[".stamp"])
    return bool(page.text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 pages instead of 1,000")
    parser.add_argument("--pages", type=int, default=None)
    args = parser.parse_args()
    page_count = args.pages or (200 if args.quick else 1000)

    queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(page_count, queue), daemon=True)
    server.start()
    try:
        port = queue.get(timeout=30)
        urls = [f"http://127.0.0.1:{port}/page/{n}" for n in range(page_count)]
        average_size = sum(len(make_page(n)) for n in range(0, page_count, 50)) / len(
            range(0, page_count, 50)
        )

        # Fingerprinting alone, no network: the engine's own CPU cost.
        sample = [make_page(n) for n in range(min(page_count, 200))]
        start = time.process_time()
        for body in sample:
            fingerprint(body, page_url="http://bench.example/", ignore_selectors=[".stamp"])
        fingerprint_cpu = (time.process_time() - start) / len(sample)

        # Steady state: judge each page against its baseline after start-up learning.
        moved = [body.replace(b"12:00", b"12:05") for body in sample]
        judged = []
        for body, later in zip(sample, moved, strict=True):
            base = fingerprint(body, page_url="http://bench.example/")
            profile = Learned()
            for _ in range(LEARN_CHECKS):
                profile = learn(base, fingerprint(later, page_url="http://bench.example/"),
                                profile, site_domain="bench.example")  # fmt: skip
            judged.append((base, later, profile))
        start = time.process_time()
        levels = set()
        for base, later, profile in judged:
            current = fingerprint(later, page_url="http://bench.example/")
            levels.add(compare(base, current, site_domain="bench.example", learned=profile).level)
        check_cpu = (time.process_time() - start) / len(judged)

        local = threading_local_clients()
        print(f"pages: {page_count}, average page size: {average_size / 1024:.1f} KiB")
        print(f"fingerprint alone: {fingerprint_cpu * 1000:.2f} ms CPU per page")
        print(
            f"steady-state check (fingerprint + compare, learned): {check_cpu * 1000:.2f} ms CPU "
            f"per page, levels {sorted(levels)}; fetches per regular check: 1, "
            f"one-off learning fetches per page: {LEARN_CHECKS}"
        )
        print(f"{'threads':>7} {'mamori p/s':>11} {'CPU ms/p':>9} {'baseline p/s':>13} "
              f"{'CPU ms/p':>9} {'ratio':>6} {'x target':>8}")  # fmt: skip
        rows = []
        for concurrency in CONCURRENCY:
            run(urls[: min(50, page_count)], concurrency, mamori_work)  # warm up
            baseline = run(urls, concurrency, local.fetch)
            measured = run(urls, concurrency, mamori_work)
            ratio = measured["pages_per_s"] / baseline["pages_per_s"]
            rows.append(
                {
                    "concurrency": concurrency,
                    "pages_per_s": round(measured["pages_per_s"], 1),
                    "cpu_s_per_page": round(measured["cpu_s_per_page"], 5),
                    "baseline_pages_per_s": round(baseline["pages_per_s"], 1),
                    "baseline_cpu_s_per_page": round(baseline["cpu_s_per_page"], 5),
                    "ratio": round(ratio, 3),
                    "failures": int(measured["failures"] + baseline["failures"]),
                }
            )
            print(
                f"{concurrency:>7} {measured['pages_per_s']:>11.1f} "
                f"{measured['cpu_s_per_page'] * 1000:>9.2f} {baseline['pages_per_s']:>13.1f} "
                f"{baseline['cpu_s_per_page'] * 1000:>9.2f} {ratio:>6.2f} "
                f"{measured['pages_per_s'] / TARGET_PAGES_PER_SECOND:>8.0f}"
            )
        local.close()
    finally:
        server.terminate()
        server.join(5)

    best = max(rows, key=lambda row: row["pages_per_s"])
    print(
        f"best: {best['pages_per_s']} pages/s at {best['concurrency']} threads "
        f"({best['pages_per_s'] / TARGET_PAGES_PER_SECOND:.0f}x the 3.33 pages/s target); "
        f"ratio = mamori pages/s / plain httpx pages/s at the same concurrency"
    )
    summary = {
        "name": "bench_monitoring",
        "pages": page_count,
        "cpu_count": os.cpu_count(),
        "fingerprint_cpu_s_per_page": round(fingerprint_cpu, 5),
        "steady_check_cpu_s_per_page": round(check_cpu, 5),
        "steady_check_vs_fingerprint": round(check_cpu / fingerprint_cpu, 2),
        "steady_fetches_per_check": 1,
        "learning_fetches_per_page_once": LEARN_CHECKS,
        "pages_per_s": best["pages_per_s"],
        "cpu_s_per_page": best["cpu_s_per_page"],
        "concurrency": best["concurrency"],
        "baseline": best["baseline_pages_per_s"],
        "baseline_name": "plain httpx.Client, no guard, no fingerprint",
        "ratio": best["ratio"],
        "target_pages_per_s": round(TARGET_PAGES_PER_SECOND, 2),
        "sustainable": best["pages_per_s"] >= TARGET_PAGES_PER_SECOND,
        "runs": rows,
    }
    print(json.dumps(summary, ensure_ascii=False))


class threading_local_clients:  # noqa: N801 - reads as a factory at the call site
    """One plain httpx.Client per thread for the baseline (clients are not shared across threads)."""

    def __init__(self) -> None:
        import threading

        self._local = threading.local()
        self._clients: list[httpx.Client] = []

    def fetch(self, url: str) -> bool:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(timeout=30)
            self._local.client = client
            self._clients.append(client)
        response = client.get(url)
        return response.status_code == 200 and bool(response.content)

    def close(self) -> None:
        for client in self._clients:
            client.close()


if __name__ == "__main__":
    main()
