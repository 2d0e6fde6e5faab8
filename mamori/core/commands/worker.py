"""`mamori worker`: run background jobs (several threads; several processes or machines may
run it at once against the same database).

The first SIGTERM or Ctrl-C asks the threads to stop after their current job; jobs still running
after SHUTDOWN_GRACE_SECONDS are handed back to the queue (released, attempt not counted) and the
worker exits with status 0. A second signal hands them back at once and exits with status 1.
It does not run migrations: `mamori serve` does.
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

logger = logging.getLogger("mamori.jobs")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mamori worker",
        description="バックグラウンドのジョブを実行します / Run background jobs.",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="同時に実行するジョブの数 / number of jobs run at once (default 1)",
    )
    parser.add_argument(
        "--name",
        default=f"{socket.gethostname()}:{os.getpid()}",
        help="ワーカー名 (ログとジョブの担当者欄) / worker name shown in logs and on claimed jobs",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="実行待ちのジョブがなくなったら終了 / exit when no job is due (for cron)",
    )
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=None,
        help="待ち時間の間隔 / seconds between polls when idle (default JOB_POLL_SECONDS)",
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=None,
        help="ジョブの占有期限 / seconds a claim lasts without a heartbeat (default "
        "JOB_LEASE_SECONDS)",
    )
    return parser


def _release_after_grace(name: str, names: list[str], grace: float) -> None:
    from mamori.core import jobs

    try:
        released = jobs.release_jobs(names)
        logger.info(
            "worker %s: grace period of %s s over, released %s job(s)", name, grace, released
        )
    except Exception as error:  # their leases expire instead
        logger.warning("worker %s: could not release its jobs (%s)", name, type(error).__name__)


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    if options.threads < 1:
        print(
            "mamori worker: --threads は 1 以上にしてください / --threads must be at least 1",
            file=sys.stderr,
        )
        return 2

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from mamori.core.dbcheck import exit_if_damaged

    exit_if_damaged()  # a damaged SQLite file: one paragraph saying what to do, exit 1
    from mamori.core import jobs
    from mamori.core.schedules import ensure_all

    jobs.load_handlers()
    ensure_all()

    stop = threading.Event()
    names = jobs.worker_names(options.name, options.threads)

    from django.conf import settings

    grace = float(settings.SHUTDOWN_GRACE_SECONDS)
    stopped_at: list[float] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            stopped_at.append(time.monotonic())
            logger.info(
                "worker %s: stopping after the current jobs (signal %s)", options.name, signum
            )
            stop.set()
            return
        # Second signal: do not wait for long handlers; give their jobs back to the queue.
        try:
            released = jobs.release_jobs(names)
            logger.info("worker %s: released %s job(s), exiting now", options.name, released)
        except Exception:
            # Their leases will expire instead.
            logger.exception("worker %s: could not release its jobs", options.name)
        finally:
            logging.shutdown()
            os._exit(1)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    logger.info("worker %s starting %s thread(s)", options.name, options.threads)
    try:
        threads = jobs.start_workers(
            stop,
            name=options.name,
            threads=options.threads,
            poll_seconds=options.poll_seconds,
            lease_seconds=options.lease_seconds,
            once=options.once,
        )
        # Join with a timeout so the main thread keeps handling signals.
        while any(thread.is_alive() for thread in threads):
            if stopped_at and time.monotonic() >= stopped_at[0] + grace:
                _release_after_grace(options.name, names, grace)
                break
            for thread in threads:
                thread.join(timeout=0.5)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    logger.info("worker %s exited", options.name)
    return 0
