"""`mamori serve --processes 2`: real processes on loopback, on the test database (SQLite, or
PostgreSQL with DATABASE_URL set).

Which process answered a request is read from the access log: with several processes every
line names its pid, and a request sent with X-Request-ID is found by that id. Keep-alive
connections stay with the process that accepted them, so a test can hold one connection to
each process. With --threads 1, a request waiting for the database (a lock this test holds)
occupies its whole process: another request is answered only if another process takes it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from mamori.accounts.models import LoginAttempt
from mamori.core import jobs
from mamori.core.models import Job, JobStatus
from mamori.core.tests.job_fixtures import THIS_MODULE as JOB_FIXTURES
from mamori.core.tests.test_jobs import REPO_DIR, log_lines, wait_until, worker_environment
from mamori.core.tests.test_serve_shutdown import free_port, login_post, read_response

pytestmark = pytest.mark.django_db(transaction=True)

# `mamori serve` whose embedded worker also knows the test job handlers (the web processes it
# starts are plain `mamori serve` children: they run no jobs).
SERVE_BOOTSTRAP = (
    "import os, sys, django;"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mamori.settings');"
    "django.setup();"
    "from mamori.core import jobs;"
    f"jobs.TASK_MODULES.append({JOB_FIXTURES!r});"
    "from mamori.core.commands import serve;"
    "sys.exit(serve.main(sys.argv[1:]))"
)


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # exited, not yet reaped
        return None
    return int(fields[1])


def alive(pid: int) -> bool:
    return _parent_of(pid) is not None


class Served:
    def __init__(self, data_dir: Path, processes: int = 2) -> None:
        self.port = free_port()
        self.out = data_dir / "serve.out"
        env = worker_environment()
        env.update(
            MAMORI_DATA_DIR=str(data_dir),
            MAMORI_BASE_URL=f"http://127.0.0.1:{self.port}",
            MAMORI_SHUTDOWN_GRACE_SECONDS="60",
            MAMORI_ACCESS_LOG="true",
            MAMORI_JOB_POLL_SECONDS="1",
        )
        command = [sys.executable, "-c", SERVE_BOOTSTRAP, "--port", str(self.port)]
        command += ["--processes", str(processes), "--threads", "1"]
        with self.out.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.seen_children: set[int] = set()

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_ready(self) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"mamori serve exited early:\n{self.output()}")
            return "running at that address" in self.output()

        wait_until(ready, "mamori serve to start", timeout=600)

    def children(self) -> set[int]:
        found = {
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and _parent_of(int(entry.name)) == self.process.pid
        }
        self.seen_children |= found
        return found

    def pid_of(self, request_id: str) -> int:
        pattern = re.compile(rf"\[pid=(\d+) request={re.escape(request_id)}[ \]]")
        found: list[int] = []

        def logged() -> bool:
            found[:] = [int(match) for match in pattern.findall(self.output())]
            return bool(found)

        wait_until(logged, f"the access line of request {request_id}")
        return found[0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = Served(tmp_path)
    try:
        running.wait_ready()
        yield running
    finally:
        if running.process.poll() is None:
            running.children()
            running.process.kill()
        running.process.wait(timeout=60)
        # Never leave a web process holding the test database open.
        for pid in running.seen_children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not any(alive(pid) for pid in running.seen_children), "children gone")


class Connection:
    """One keep-alive connection, and the process that accepted it."""

    def __init__(self, served: Served) -> None:
        self.sock = socket.create_connection(("127.0.0.1", served.port), timeout=120)
        status, headers, page, self.pid = self.get(served, "/accounts/login/")
        assert status == 200, page[:300]
        self.cookie = headers["set-cookie:csrftoken"].split("=", 1)[1].split(";", 1)[0]
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match is not None
        self.token = match.group(1).decode()

    def get(self, served: Served, path: str) -> tuple[int, dict[str, str], bytes, int]:
        request_id = uuid.uuid4().hex
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: {request_id}\r\n\r\n".encode()
        )
        status, headers, body = read_response(self.sock)
        return status, headers, body, served.pid_of(request_id)

    def send_login(self, email: str) -> None:
        head, body = login_post(self.cookie, self.token, email)
        self.sock.sendall(head + body)

    def nothing_yet(self) -> bool:
        """No byte of a response has arrived (looks without waiting)."""
        self.sock.settimeout(0)  # with a timeout, recv would first wait for data
        try:
            return not self.sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return True
        finally:
            self.sock.settimeout(120)

    def close(self) -> None:
        self.sock.close()


def one_connection_per_process(served: Served, count: int = 2) -> dict[int, Connection]:
    """Open connections until `count` different processes hold one each."""
    kept: dict[int, Connection] = {}
    for _ in range(200):
        candidate = Connection(served)
        if candidate.pid in kept:
            candidate.close()
        else:
            kept[candidate.pid] = candidate
        if len(kept) == count:
            return kept
    pytest.fail(f"only {len(kept)} process(es) answered 200 connections")


@contextmanager
def database_writes_blocked() -> Iterator[None]:
    """Hold a write lock until the block ends: a sign-in (it records the attempt) waits."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("LOCK TABLE accounts_loginattempt IN EXCLUSIVE MODE")
            else:  # atomic() began with BEGIN IMMEDIATE: SQLite's write lock is ours
                cursor.execute("UPDATE accounts_loginattempt SET succeeded = succeeded")
        yield


def make_member(email: str) -> None:
    get_user_model().objects.create_user(username=email, email=email, password="x" * 16)


def test_two_processes_answer_and_a_waiting_request_holds_up_only_its_own(
    served: Served,
) -> None:
    make_member("a@example.com")
    children = served.children()
    assert len(children) == 2
    assert served.process.pid not in children

    by_pid = one_connection_per_process(served)
    assert set(by_pid) == children  # the parent serves no requests
    slow, fast = by_pid.values()
    with database_writes_blocked():
        slow.send_login("a@example.com")
        # The other process answers while the sign-in waits for the database.
        status, _headers, body, pid = fast.get(served, "/accounts/login/")
        assert (status, pid) == (200, fast.pid)
        assert b"</html>" in body
        assert slow.nothing_yet()
    status, _headers, body = read_response(slow.sock)
    assert status == 200 and b"</html>" in body
    assert LoginAttempt.objects.filter(username="a@example.com").count() == 1
    for conn in by_pid.values():
        conn.close()

    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=120) == 0
    assert "Traceback" not in served.output()


def test_sigterm_lets_the_requests_of_every_process_finish(served: Served) -> None:
    make_member("b@example.com")
    by_pid = one_connection_per_process(served)
    idle = Connection(served)  # a keep-alive connection with nothing in progress
    with database_writes_blocked():
        for conn in by_pid.values():
            conn.send_login("b@example.com")
        served.process.send_signal(signal.SIGTERM)

        def refused() -> bool:
            try:
                socket.create_connection(("127.0.0.1", served.port), timeout=30).close()
            except ConnectionRefusedError:
                return True
            return False

        wait_until(refused, "the listening socket to close")
        assert idle.sock.recv(1) == b""  # idle connections are closed at once
        assert served.process.poll() is None
        assert all(conn.nothing_yet() for conn in by_pid.values())
    for conn in by_pid.values():
        status, _headers, body = read_response(conn.sock)
        assert status == 200 and b"</html>" in body
        conn.close()
    idle.close()

    assert served.process.wait(timeout=120) == 0
    wait_until(lambda: not any(alive(pid) for pid in by_pid), "the web processes to exit")
    output = served.output()
    assert "Traceback" not in output
    assert "Bad file descriptor" not in output
    assert "mamori: stopped" in output
    assert LoginAttempt.objects.filter(username="b@example.com").count() == 2


def test_a_killed_web_process_is_replaced_and_none_outlives_the_parent(served: Served) -> None:
    make_member("c@example.com")
    first = served.children()
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    wait_until(
        lambda: f"web process {victim} exited unexpectedly (signal SIGKILL)" in served.output(),
        "the supervisor to notice",
    )

    def replaced() -> bool:
        now = served.children()
        return len(now) == 2 and victim not in now

    wait_until(replaced, "a new web process")
    second = served.children()
    assert len(second - first) == 1
    # The new process answers requests, beside the one that stayed.
    by_pid = one_connection_per_process(served)
    assert set(by_pid) == second
    for conn in by_pid.values():
        conn.close()
    assert served.output().count("exited unexpectedly") == 1

    served.process.kill()
    served.process.wait(timeout=60)
    wait_until(lambda: not any(alive(pid) for pid in second), "the web processes to exit")


def test_the_embedded_worker_runs_in_the_parent_only(served: Served, tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    queued = [jobs.enqueue("test.record", {"path": str(log)}) for _ in range(6)]
    wait_until(
        lambda: (
            Job.objects.filter(pk__in=[job.pk for job in queued], status=JobStatus.DONE).count()
            == len(queued)
        ),
        "the jobs to run",
    )
    lines = log_lines(log)
    starts = Counter(line[1] for line in lines if line[0] == "start")
    assert starts == Counter({str(job.pk): 1 for job in queued})
    parent = served.process.pid
    # Lease holders are the parent's worker threads: "<host>:<parent pid>:serve[/n]".
    holders = {line[3].split("/")[0] for line in lines}
    assert holders == {f"{socket.gethostname()}:{parent}:serve"}

    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=120) == 0
    started = re.findall(r"\[pid=(\d+)\] worker \S+ started", served.output())
    assert started and set(started) == {str(parent)}


def test_zero_processes_is_refused_with_a_message(tmp_path: Path) -> None:
    env = {**worker_environment(), "MAMORI_DATA_DIR": str(tmp_path)}
    ran = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "serve", "--processes", "0", "--port", "0"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 2
    assert "--processes と --threads は 1 以上にしてください" in ran.stderr
    assert "Traceback" not in ran.stderr
