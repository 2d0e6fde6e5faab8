"""Request latency histograms per route for `/metrics`.

Each web process counts its own requests and, at most every few seconds, writes its totals to
`DATA_DIR/metrics/latency-<pid>.json`; a scrape adds up every process's file (its own from
memory), so the figures are the install's whatever process answers. Counters start again when a
process restarts, which Prometheus treats as a reset. Labels are route names ("findings:list"),
never paths, so no organisation, record or token appears in them.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings

BUCKETS: tuple[float, ...] = (0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FLUSH_SECONDS = 5.0
# A file not written for this long belongs to a process that is gone.
STALE_SECONDS = 7 * 24 * 3600

_lock = threading.Lock()
_routes: dict[str, dict[str, Any]] = {}
_last_flush = 0.0


def _directory() -> Path:
    return Path(settings.DATA_DIR) / "metrics"


def _own_file() -> Path:
    return _directory() / f"latency-{os.getpid()}.json"


def observe(route: str, seconds: float) -> None:
    global _last_flush
    with _lock:
        entry = _routes.setdefault(route, {"buckets": [0] * len(BUCKETS), "count": 0, "sum": 0.0})
        for index, bound in enumerate(BUCKETS):
            if seconds <= bound:
                entry["buckets"][index] += 1
                break
        entry["count"] += 1
        entry["sum"] += seconds
        due = time.monotonic() - _last_flush >= FLUSH_SECONDS
        if due:
            _last_flush = time.monotonic()
            snapshot = json.dumps({"routes": _routes})
    if due:
        _write(snapshot)


def _write(snapshot: str) -> None:
    try:
        directory = _directory()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = directory / f".latency-{os.getpid()}.tmp"
        temporary.write_text(snapshot)
        temporary.replace(_own_file())
    except OSError:
        # Metrics must never fail a request (a full or read-only disk): the next flush retries.
        pass


def merged() -> dict[str, dict[str, Any]]:
    """Every live process's totals added up (non-cumulative bucket counts)."""
    totals: dict[str, dict[str, Any]] = {}

    def add(routes: dict[str, dict[str, Any]]) -> None:
        for route, entry in routes.items():
            into = totals.setdefault(route, {"buckets": [0] * len(BUCKETS), "count": 0, "sum": 0.0})
            for index, value in enumerate(entry.get("buckets", [])[: len(BUCKETS)]):
                into["buckets"][index] += int(value)
            into["count"] += int(entry.get("count", 0))
            into["sum"] += float(entry.get("sum", 0.0))

    own = _own_file()
    now = time.time()
    directory = _directory()
    if directory.is_dir():
        for path in directory.glob("latency-*.json"):
            if path == own:
                continue
            try:
                if now - path.stat().st_mtime > STALE_SECONDS:
                    continue
                add(json.loads(path.read_text()).get("routes", {}))
            except (OSError, ValueError, AttributeError):
                continue
    with _lock:
        add(json.loads(json.dumps(_routes)))
    return totals


def reset_for_tests() -> None:
    global _last_flush
    with _lock:
        _routes.clear()
        _last_flush = 0.0
