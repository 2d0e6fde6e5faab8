"""Job handlers used only by the job tests (registered when this module is imported).

Each execution is appended as one line to the file named in the payload, with os.write on an
O_APPEND descriptor so that lines from several processes never interleave.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from mamori.core.jobs import handler
from mamori.core.models import Job

THIS_MODULE = __name__

# Run a worker with these handlers: python -c WORKER_BOOTSTRAP [worker options].
WORKER_BOOTSTRAP = (
    "import os, sys, django;"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mamori.settings');"
    "django.setup();"
    "from mamori.core import jobs;"
    f"jobs.TASK_MODULES.append({THIS_MODULE!r});"
    "from mamori.core.commands import worker;"
    "sys.exit(worker.main(sys.argv[1:]))"
)


def append_line(path: str, *fields: object) -> None:
    line = " ".join(str(field) for field in fields) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def wait_for(condition: Callable[[], bool], limit_seconds: float = 120.0) -> None:
    deadline = time.monotonic() + limit_seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("test handler waited too long")
        time.sleep(0.02)


@handler("test.record")
def record(job: Job) -> None:
    """Log start and done. On the first attempt only, sleep payload["sleep"] seconds, or wait
    until the file payload["release_file"] exists."""
    path = job.payload["path"]
    append_line(path, "start", job.pk, job.attempts, job.leased_by, repr(time.time()))
    if job.attempts == 1:
        time.sleep(float(job.payload.get("sleep", 0)))
        if "release_file" in job.payload:
            wait_for(lambda: os.path.exists(job.payload["release_file"]))
    append_line(path, "done", job.pk, job.attempts, job.leased_by, repr(time.time()))


@handler("test.barrier")
def barrier(job: Job) -> None:
    """Log arrival, then wait until payload["parties"] jobs have arrived: with as many barrier
    jobs as worker threads, every thread must hold one at the same time."""
    path, parties = job.payload["path"], int(job.payload["parties"])
    append_line(path, "arrive", job.pk, job.attempts, job.leased_by)

    def everyone_arrived() -> bool:
        with open(path) as handle:
            return sum(1 for line in handle if line.startswith("arrive ")) >= parties

    wait_for(everyone_arrived)


@handler("test.fail")
def fail(job: Job) -> None:
    raise ValueError(job.payload.get("message", "boom"))


@handler("test.fail_until")
def fail_until(job: Job) -> None:
    """Fail until the given attempt number, then succeed."""
    if job.attempts < int(job.payload["succeed_on"]):
        raise RuntimeError(f"not yet (attempt {job.attempts})")


@handler("test.exit")
def exit_process(job: Job) -> None:
    raise SystemExit(3)


@handler("test.ticker")
def ticker(job: Job) -> None:
    """Read the database and log a tick, payload["ticks"] times with a short pause, then "done".

    A job whose lease is lost must stop at its next database statement, before "done"."""
    path = job.payload["path"]
    append_line(path, "start", job.pk, job.attempts, job.leased_by)
    for _ in range(int(job.payload.get("ticks", 600))):
        Job.objects.filter(pk=job.pk).exists()
        append_line(path, "tick", job.pk, job.attempts, job.leased_by)
        time.sleep(0.05)
    append_line(path, "done", job.pk, job.attempts, job.leased_by)


# Set by test.signal: tests in this process wait on them (token in the payload).
SIGNALS: dict[str, threading.Event] = {}


def signal_event(token: str) -> threading.Event:
    return SIGNALS.setdefault(token, threading.Event())


@handler("test.signal")
def signal(job: Job) -> None:
    """Set the event named payload["token"] (for tests running the worker in their process)."""
    signal_event(job.payload["token"]).set()


@handler("test.log")
def log_something(job: Job) -> None:
    """Log one line that names a secret and a mail address (both must come out masked)."""
    logging.getLogger("mamori.test").warning(
        "handled password=%s for %s", job.payload["secret"], job.payload["address"]
    )
