"""`mamori worker`: run background jobs (several threads; several processes or machines may
run it at once against the same database). `--queues urgent,default` serves only those named
queues (default: all, urgent first); run one worker for urgent+default and another for bulk so
that a long bulk job never holds up a notification.

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
        "--queues",
        default="",
        help="実行するキュー (urgent,default,bulk のカンマ区切り) / queues to serve, comma-separated "
        "(urgent, default, bulk; default all, urgent first)",
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


QUEUE_NAMES = ("urgent", "default", "bulk")  # mamori.core.models.QUEUE_ORDER, before setup


def _parse_queues(text: str) -> tuple[str, ...] | None:
    """The queues named in --queues (empty: all); None when a name is unknown."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if any(name not in QUEUE_NAMES for name in names):
        return None
    return tuple(name for name in QUEUE_NAMES if name in names)


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

    queues = _parse_queues(options.queues)
    if queues is None:
        print(
            "mamori worker: --queues には urgent, default, bulk をカンマ区切りで指定してください / "
            "--queues takes urgent, default and bulk, separated by commas",
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
    logger.info(
        "worker %s starting %s thread(s) for queues %s",
        options.name,
        options.threads,
        ", ".join(queues) if queues else "urgent, default, bulk",
    )
    try:
        threads = jobs.start_workers(
            stop,
            name=options.name,
            threads=options.threads,
            queues=queues or None,
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
