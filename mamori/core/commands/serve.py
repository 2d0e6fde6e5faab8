"""`mamori serve`: apply migrations (unless --no-migrate), then run the web app (waitress) and
an embedded worker.

SIGTERM or Ctrl-C stops gracefully (mamori.core.shutdown): no new connections, requests in
progress finish and idle connections close, the embedded worker ends its current job (or hands
it back) — all within SHUTDOWN_GRACE_SECONDS — and the process exits with status 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
import time
from types import FrameType

logger = logging.getLogger("mamori.serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mamori serve",
        description="mamori を起動します / Run the mamori web app.",
    )
    parser.add_argument("--host", default=os.environ.get("MAMORI_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("MAMORI_PORT", "8000")))
    parser.add_argument(
        "--threads", type=int, default=8, help="web request threads / 同時処理数 (default 8)"
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="バックグラウンドジョブを実行しない / do not run the embedded worker",
    )
    parser.add_argument(
        "--no-migrate",
        action="store_true",
        help="データベースを更新しない (`mamori migrate` を別に実行) / do not apply migrations "
        "(run `mamori migrate` separately)",
    )
    return parser


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine uses for --host/--port."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - a comparison
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    if not os.environ.get("MAMORI_BASE_URL", "").strip():
        # Links in mails and pages follow the address actually served (--port 8101 → :8101).
        os.environ["MAMORI_BASE_URL"] = served_url(options.host, options.port)
    import django

    django.setup()
    from mamori.core.dbcheck import exit_if_damaged

    exit_if_damaged()  # a damaged SQLite file: one paragraph saying what to do, exit 1
    from django.conf import settings

    from mamori.core import jobs
    from mamori.core.i18n import compile_catalogs
    from mamori.core.migrate_lock import migrate_locked
    from mamori.core.shutdown import serve as serve_gracefully
    from mamori.core.shutdown import wake

    compile_catalogs()
    # Under the migration lock: several starting together take turns (mamori.core.migrate_lock).
    if not options.no_migrate and migrate_locked(out=sys.stdout, err=sys.stderr) != 0:
        return 1

    from waitress import create_server

    from mamori.wsgi import application

    try:
        server = create_server(
            application, host=options.host, port=options.port, threads=options.threads
        )
    except OSError as error:
        print(
            f"mamori: {options.host}:{options.port} で待ち受けできません / cannot listen: {error}",
            file=sys.stderr,
        )
        return 1

    stop = threading.Event()  # set by the first SIGTERM or Ctrl-C
    worker_name = f"{socket.gethostname()}:{os.getpid()}:serve"
    workers: list[threading.Thread] = []
    from mamori.core.schedules import ensure_all

    ensure_all()
    if not options.no_worker:
        jobs.load_handlers()
        workers = jobs.start_workers(stop, name=worker_name)

    stopped_at: list[float] = []

    def shutdown(signum: int, frame: FrameType | None) -> None:
        # Only flags here: the server loop (main thread) closes its own sockets, so nothing is
        # closed under a running loop.
        if not stop.is_set():
            stopped_at.append(time.monotonic())
        stop.set()
        wake(server)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    host = f"[{options.host}]" if ":" in options.host else options.host
    print(f"mamori: http://{host}:{options.port}/ で起動しました / running at that address")
    print(f"mamori: data in {settings.DATA_DIR}; press Ctrl-C to stop")
    sys.stdout.flush()
    grace = float(settings.SHUTDOWN_GRACE_SECONDS)
    try:
        finished = serve_gracefully(server, stop, grace_seconds=grace)
    finally:
        stop.set()
    if not finished:
        print(
            "mamori: 猶予時間内に終わらなかった要求を打ち切りました / "
            "requests still running after the grace period were cut off",
            file=sys.stderr,
        )
    # The embedded worker finishes its current job within the grace period, or hands it back.
    deadline = (stopped_at[0] if stopped_at else time.monotonic()) + grace
    for worker in workers:
        worker.join(timeout=max(deadline - time.monotonic(), 0.0))
    if any(worker.is_alive() for worker in workers):
        try:
            released = jobs.release_jobs(jobs.worker_names(worker_name, len(workers)))
            logger.info("released %s job(s) still running after the grace period", released)
        except Exception as error:  # their leases expire instead
            logger.warning("could not release the running jobs: %s", type(error).__name__)
    print("mamori: stopped")
    return 0
