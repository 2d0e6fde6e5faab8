"""Several web processes for `mamori serve --processes N` (MAMORI_WEB_PROCESSES).

Why processes: a Python process runs Python code on one CPU at a time (the GIL), so with threads
alone a page that takes a second of CPU slows every other request of its process. N processes
use N CPUs, and a slow request holds up only its own process.

How it is put together:

- The parent (the `mamori serve` the operator started) applies migrations, compiles the
  catalogues and makes sure of the schedules once, binds the listening socket(s) once, then
  starts N children. Every child accepts on the same socket; the kernel gives each new
  connection to one of them.
- Children are new interpreters (`mamori serve --child-fds …` through subprocess, inheriting only
  the socket's descriptor), not forks. The parent holds database connections and runs the
  embedded worker's threads; a fork would copy those connections and locks other threads hold.
  A fresh process costs about a second at start and its own memory; in exchange nothing is
  shared by accident, and a child is exactly a `serve --no-worker --no-migrate`.
- The embedded worker runs in the parent only, never in a child: jobs run once per `mamori
  serve` whatever N, and their CPU is apart from the web processes'.
- Supervision: a child that exits while the parent is not stopping is started again, with one
  log line (one that keeps dying within seconds of starting waits 1, 2, 4 … 30 s in between).
  On SIGTERM or Ctrl-C the parent closes its copy of the socket and sends SIGTERM to every
  child, which drains like a single process (mamori.core.shutdown) within
  SHUTDOWN_GRACE_SECONDS; a child still running a few seconds after that is killed.
- A child never outlives the parent: on Linux the kernel sends it SIGTERM when the parent dies
  (PR_SET_PDEATHSIG), elsewhere it checks its parent every second; either way it drains and
  exits.
"""

from __future__ import annotations

import ctypes
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

logger = logging.getLogger("mamori.serve")

# A child that exits within this many seconds of its start is failing at start-up: the next
# start waits 1, 2, 4 … MAX_RESTART_DELAY seconds rather than spinning.
QUICK_EXIT_SECONDS = 10.0
MAX_RESTART_DELAY = 30.0
# After the grace period, how long a child gets to close its connections before it is killed.
EXIT_MARGIN_SECONDS = 5.0
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def bind(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for host:port, resolved as waitress resolves them (a name may stand for
    IPv4 and IPv6 addresses). Raises OSError when an address cannot be bound."""
    from waitress.adjustments import Adjustments

    adjustments = Adjustments(host=host, port=port)
    sockets: list[socket.socket] = []
    try:
        for family, socktype, proto, address in adjustments.listen:
            sock = socket.socket(family, socktype, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(adjustments.backlog)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _exit_status(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"status {code}"


@dataclass
class Child:
    process: subprocess.Popen[bytes]
    started_at: float


class Supervisor:
    """Starts the web processes, starts again those that die, and stops them all."""

    def __init__(self, sockets: list[socket.socket], *, count: int, threads: int) -> None:
        self.sockets = sockets
        self.count = count
        self.threads = threads
        # Each child writes one byte here once it accepts requests.
        self.ready_read, self.ready_write = os.pipe()
        os.set_blocking(self.ready_read, False)
        self.children: dict[int, Child] = {}  # by slot 0 … count-1
        self.quick_exits = [0] * count
        self.start_after = [0.0] * count

    def _spawn(self, slot: int) -> None:
        fds = [sock.fileno() for sock in self.sockets]
        command = [
            sys.executable,
            "-m",
            "mamori.cli",
            "serve",
            "--threads",
            str(self.threads),
            "--child-fds",
            ",".join(str(fd) for fd in fds),
            "--ready-fd",
            str(self.ready_write),
            "--parent-pid",
            str(os.getpid()),
        ]
        # Same environment, working directory, stdout and stderr as the parent.
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, pass_fds=[*fds, self.ready_write], stdin=subprocess.DEVNULL
        )
        self.children[slot] = Child(process, time.monotonic())

    def _ready_count(self, timeout: float) -> int:
        readable, _, _ = select.select([self.ready_read], [], [], timeout)
        if not readable:
            return 0
        try:
            return len(os.read(self.ready_read, 256))
        except BlockingIOError:
            return 0

    def pids(self) -> list[int]:
        return [child.process.pid for child in self.children.values()]

    def start(self, stop: threading.Event) -> bool:
        """Start every child and wait until each accepts requests (or a stop is asked for).
        False when a child exits before it is ready: starting again would not help."""
        for slot in range(self.count):
            self._spawn(slot)
        ready = 0
        while ready < self.count and not stop.is_set():
            if any(child.process.poll() is not None for child in self.children.values()):
                return False
            ready += self._ready_count(POLL_SECONDS)
        return True

    def watch(self, stop: threading.Event) -> None:
        """Until stop is set: start again every child that exited.

        Polls instead of waiting on `stop` (the signal handler sets it in this same thread,
        which must not hold the event's lock then)."""
        while not stop.is_set():
            time.sleep(POLL_SECONDS)
            self._ready_count(0)  # restarted children's bytes, so the pipe never fills
            now = time.monotonic()
            for slot in range(self.count):
                if stop.is_set():
                    return
                child = self.children.get(slot)
                if child is not None:
                    code = child.process.poll()
                    if code is None:
                        continue
                    del self.children[slot]
                    quick = now - child.started_at < QUICK_EXIT_SECONDS
                    self.quick_exits[slot] = self.quick_exits[slot] + 1 if quick else 0
                    delay = (
                        min(2.0 ** (self.quick_exits[slot] - 1), MAX_RESTART_DELAY)
                        if self.quick_exits[slot]
                        else 0.0
                    )
                    self.start_after[slot] = now + delay
                    logger.warning(
                        "web process %s exited unexpectedly (%s); starting another%s",
                        child.process.pid,
                        _exit_status(code),
                        f" in {delay:.0f} s" if delay else "",
                    )
                if now >= self.start_after[slot]:
                    try:
                        self._spawn(slot)
                    except OSError as error:  # out of processes or memory: try again later
                        logger.error("could not start a web process: %s", error)
                        self.start_after[slot] = now + MAX_RESTART_DELAY

    def stop(self, deadline: float) -> bool:
        """No new connections; every child drains and exits. Waits until `deadline` (the end of
        the grace period) plus EXIT_MARGIN_SECONDS, then kills what is left.

        True when every child exited by itself with status 0."""
        for sock in self.sockets:
            sock.close()  # the children hold the socket until they have taken their backlog
        for child in self.children.values():
            child.process.send_signal(signal.SIGTERM)  # does nothing to one already gone
        clean = True
        for child in self.children.values():
            try:
                remaining = max(deadline + EXIT_MARGIN_SECONDS - time.monotonic(), 0.1)
                code = child.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                logger.warning("web process %s did not stop in time: killed", child.process.pid)
                child.process.kill()
                child.process.wait()
                clean = False
            else:
                clean = clean and code == 0
        self.children.clear()
        os.close(self.ready_read)
        os.close(self.ready_write)
        return clean


def _follow_parent(parent_pid: int, on_gone: Callable[[], None]) -> None:
    """Call on_gone when the parent dies, so a child never outlives it."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # it died before we asked
                    on_gone()
                return
        except (OSError, AttributeError):
            pass  # no prctl: poll below

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        on_gone()

    threading.Thread(target=watch, name="mamori-parent-watch", daemon=True).start()


def _hold_sqlite_open() -> None:
    """On SQLite, keep one connection open in this (main) thread for the process's lifetime.

    Requests open and close their own connections. When the last connection to a WAL database
    closes, SQLite checkpoints it (with an fsync) and deletes the WAL and its shared index,
    which the next connection builds again: with short requests in several processes that can
    happen many times a second (bench_serve measured 36 ms of server CPU per request with two
    processes against 30 ms with one before this, 30 ms against 28 ms after). A single `mamori
    serve` process holds its start-up connection open, so it never paid this.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.ensure_connection()


def run_child(fds: list[int], ready_fd: int, parent_pid: int, threads: int) -> int:
    """A web process started by the Supervisor: serve the inherited sockets until SIGTERM (from
    the parent, or from the kernel when the parent dies), then drain and exit 0."""
    stop = threading.Event()
    servers: list[object] = []

    def shutdown() -> None:
        stop.set()
        if servers:
            from mamori.core.shutdown import wake

            wake(servers[0])

    def on_signal(signum: int, frame: FrameType | None) -> None:
        shutdown()

    # Before anything slow: a SIGTERM during start-up ends the child once it can serve.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    _follow_parent(parent_pid, shutdown)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from django.conf import settings
    from waitress import create_server

    from mamori.core.logcontext import show_process_id
    from mamori.core.shutdown import serve as serve_gracefully
    from mamori.wsgi import application

    show_process_id()
    _hold_sqlite_open()
    sockets = [socket.socket(fileno=fd) for fd in fds]
    server = create_server(application, sockets=sockets, threads=threads)
    servers.append(server)
    try:
        os.write(ready_fd, b"1")
    except OSError:
        pass  # the parent is gone: the stop is on its way
    os.close(ready_fd)
    finished = serve_gracefully(server, stop, grace_seconds=float(settings.SHUTDOWN_GRACE_SECONDS))
    if not finished:
        print(
            "mamori: 猶予時間内に終わらなかった要求を打ち切りました / "
            "requests still running after the grace period were cut off",
            file=sys.stderr,
        )
    return 0
