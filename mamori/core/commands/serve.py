"""`mamori serve`: apply migrations (unless --no-migrate), then run the web app (waitress) and
an embedded worker.

With --processes N (MAMORI_WEB_PROCESSES, default one per CPU) above 1, N web processes share
the listening socket and this process supervises them and runs the worker
(mamori.core.webprocesses); with 1, this process serves requests itself.

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
        "--processes",
        type=int,
        default=None,
        help="web processes / Web プロセス数 (default MAMORI_WEB_PROCESSES: one per CPU, at most 8)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="web request threads per process / プロセスごとの同時処理数 (default 8)",
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
    # Internal: a web process started by `serve --processes N` (mamori.core.webprocesses).
    parser.add_argument("--child-fds", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--ready-fd", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    return parser


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine uses for --host/--port."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - a comparison
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    if options.child_fds is not None:
        from mamori.core.webprocesses import run_child

        fds = [int(fd) for fd in options.child_fds.split(",")]
        return run_child(fds, options.ready_fd, options.parent_pid, options.threads)
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

    processes = settings.WEB_PROCESSES if options.processes is None else options.processes
    if processes < 1 or options.threads < 1:
        print(
            "mamori serve: --processes と --threads は 1 以上にしてください / "
            "--processes and --threads must be at least 1",
            file=sys.stderr,
        )
        return 2
    compile_catalogs()
    # Under the migration lock: several starting together take turns (mamori.core.migrate_lock).
    if not options.no_migrate and migrate_locked(out=sys.stdout, err=sys.stderr) != 0:
        return 1

    from waitress import create_server

    from mamori.core.webprocesses import Supervisor, bind

    server = None
    supervisor = None
    try:
        if processes == 1:
            from mamori.wsgi import application

            server = create_server(
                application, host=options.host, port=options.port, threads=options.threads
            )
        else:
            supervisor = Supervisor(
                bind(options.host, options.port), count=processes, threads=options.threads
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
    from django.db import connections

    from mamori.core.schedules import ensure_all

    ensure_all()
    if supervisor is not None:
        from mamori.core.logcontext import show_process_id

        show_process_id()
        connections.close_all()  # the supervising thread needs none until the end
    if not options.no_worker:
        jobs.load_handlers()
        # One thread for urgent work alone, one for every queue (mamori.core.jobs).
        workers = jobs.start_embedded_workers(stop, name=worker_name)

    stopped_at: list[float] = []

    def shutdown(signum: int, frame: FrameType | None) -> None:
        # Only flags here: the server loop (main thread) closes its own sockets, so nothing is
        # closed under a running loop.
        if not stop.is_set():
            stopped_at.append(time.monotonic())
        stop.set()
        if server is not None:
            wake(server)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    grace = float(settings.SHUTDOWN_GRACE_SECONDS)
    if supervisor is not None and not supervisor.start(stop):
        print(
            "mamori: Web プロセスが起動できませんでした (上のメッセージを確認してください) / "
            "a web process could not start (see the messages above)",
            file=sys.stderr,
        )
        stop.set()
        supervisor.stop(time.monotonic())
        _join_workers(workers, worker_name, time.monotonic() + grace)
        return 1
    host = f"[{options.host}]" if ":" in options.host else options.host
    print(f"mamori: http://{host}:{options.port}/ で起動しました / running at that address")
    if supervisor is not None:
        print(
            f"mamori: {processes} web processes ({', '.join(map(str, supervisor.pids()))}), "
            f"{options.threads} threads each"
        )
    print(f"mamori: data in {settings.DATA_DIR}; press Ctrl-C to stop")
    sys.stdout.flush()
    try:
        if supervisor is not None:
            supervisor.watch(stop)
            supervisor.stop((stopped_at[0] if stopped_at else time.monotonic()) + grace)
            finished = True  # each web process says itself when it had to cut requests off
        else:
            finished = serve_gracefully(server, stop, grace_seconds=grace)
    finally:
        stop.set()
    if not finished:
        print(
            "mamori: 猶予時間内に終わらなかった要求を打ち切りました / "
            "requests still running after the grace period were cut off",
            file=sys.stderr,
        )
    _join_workers(workers, worker_name, (stopped_at[0] if stopped_at else time.monotonic()) + grace)
    print("mamori: stopped")
    return 0


def _join_workers(workers: list[threading.Thread], worker_name: str, deadline: float) -> None:
    """The embedded worker finishes its current job by the deadline, or hands it back."""
    from mamori.core import jobs

    for worker in workers:
        worker.join(timeout=max(deadline - time.monotonic(), 0.0))
    if any(worker.is_alive() for worker in workers):
        try:
            released = jobs.release_jobs(jobs.worker_names(worker_name, len(workers)))
            logger.info("released %s job(s) still running after the grace period", released)
        except Exception as error:  # their leases expire instead
            logger.warning("could not release the running jobs: %s", type(error).__name__)
