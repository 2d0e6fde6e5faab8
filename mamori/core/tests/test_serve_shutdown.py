"""SIGTERM to a real `mamori serve`: requests in progress finish, idle keep-alive connections
are closed at once, no new connection is accepted, and the process exits with status 0.

Runs on SQLite in its own data directory (the behaviour under test is the process's, not the
database's): a test-held write lock makes one request a slow view, and a request body sent in
two halves is a slow upload.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mamori.core.tests.test_jobs import REPO_DIR, wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.out = data_dir / "serve.out"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            MAMORI_DATA_DIR=str(data_dir),
            MAMORI_BASE_URL=f"http://127.0.0.1:{self.port}",
            MAMORI_SHUTDOWN_GRACE_SECONDS="60",
            MAMORI_LOG_LEVEL="INFO",
        )
        env.pop("MAMORI_SQLITE_PATH", None)
        with self.out.open("wb") as out:
            self.process = subprocess.Popen(
                # One process: the order of events below is that of a single event loop
                # (several processes: test_serve_processes.py).
                [sys.executable, "-m", "mamori.cli", "serve", "--port", str(self.port)]
                + ["--processes", "1"],
                cwd=REPO_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_ready(self) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"mamori serve exited early:\n{self.output()}")
            return "running at that address" in self.output()

        wait_until(ready, "mamori serve to start", timeout=600)

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=120)
        return sock


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    try:
        running.wait_ready()
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
        running.process.wait(timeout=60)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One whole HTTP/1.1 response (Content-Length framed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a response: {data!r}")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
        if name.strip().lower() == "set-cookie":
            headers["set-cookie:" + value.split("=", 1)[0].strip()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed in the middle of a response body")
        body += chunk
    return status, headers, body


def login_post(cookie: str, token: str, email: str) -> tuple[bytes, bytes]:
    """A login POST with a wrong password, as (headers, body)."""
    body = f"csrfmiddlewaretoken={token}&email={email}&password=wrong-password-123".encode()
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Cookie: csrftoken={cookie}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head, body


def test_sigterm_finishes_requests_in_progress_and_closes_idle_connections(
    server: Server,
) -> None:
    database = server.data_dir / "mamori.sqlite3"
    with sqlite3.connect(database) as db:  # a member, so a login POST writes its failure
        db.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined) VALUES ('!', 0, 'a@example.com', '', '',"
            " 'a@example.com', 0, 1, datetime('now'))"
        )

    # An idle keep-alive connection: one request answered, then nothing.
    idle = server.connect()
    idle.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    status, headers, page = read_response(idle)
    assert status == 200
    cookie = headers["set-cookie:csrftoken"].split("=", 1)[1].split(";", 1)[0]
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match is not None
    token = match.group(1).decode()

    # A slow upload: headers and half of the body now, the rest after the signal.
    upload = server.connect()
    upload_head, upload_body = login_post(cookie, token, "a@example.com")
    upload.sendall(upload_head + upload_body[:20])

    # A slow view: the database is locked by this test, so the login's write waits.
    lock = sqlite3.connect(database, isolation_level=None, timeout=60)
    lock.execute("BEGIN IMMEDIATE")
    slow = server.connect()
    slow_head, slow_body = login_post(cookie, token, "a@example.com")
    slow.sendall(slow_head + slow_body)

    server.process.send_signal(signal.SIGTERM)

    # The idle connection is closed by the server while the other two are still in progress.
    assert idle.recv(1) == b""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=30).close()
    assert server.process.poll() is None

    lock.execute("COMMIT")
    lock.close()
    upload.sendall(upload_body[20:])
    for sock in (slow, upload):
        status, _headers, body = read_response(sock)
        assert status == 200
        assert b"</html>" in body
        sock.close()
    idle.close()

    assert server.process.wait(timeout=120) == 0
    output = server.output()
    assert "Bad file descriptor" not in output
    assert "Traceback" not in output
    assert "mamori: stopped" in output
    with sqlite3.connect(database) as db:
        failures = db.execute("SELECT COUNT(*) FROM accounts_loginattempt").fetchone()[0]
    assert failures == 2  # both logins were processed to the end
