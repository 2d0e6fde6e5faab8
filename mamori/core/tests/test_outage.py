"""A database outage while a worker runs: no job outcome lost, no job run twice, one log line
per change (unreachable / back) instead of a traceback per poll.

A private PostgreSQL server is started, stopped and started again by the test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mamori.core.tests.job_fixtures import WORKER_BOOTSTRAP
from mamori.core.tests.private_postgres import PrivatePostgres
from mamori.core.tests.test_jobs import REPO_DIR, log_lines, wait_until

psycopg = pytest.importorskip("psycopg")


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        env = {**os.environ, "DATABASE_URL": server.url()}
        result = subprocess.run(
            [sys.executable, "-m", "mamori.cli", "manage", "migrate", "--no-input", "-v", "0"],
            cwd=REPO_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stderr
        yield server
    finally:
        server.close()


def query(server: PrivatePostgres, sql: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]


def test_outcome_recorded_after_a_database_outage_and_the_job_runs_once(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    server = private_postgres
    log, release = tmp_path / "runs.log", tmp_path / "release"
    payload = json.dumps({"path": str(log), "release_file": str(release)})
    (job_id,) = query(
        server,
        "INSERT INTO core_job (kind, payload, status, run_at, attempts, max_attempts, leased_by,"
        " last_error, created_at) VALUES ('test.record', %s, 'queued', now(), 0, 5, '', '',"
        " now()) RETURNING id",
        payload,
    )[0]
    stderr_path = tmp_path / "worker.stderr"
    env = {**os.environ, "DATABASE_URL": server.url(), "MAMORI_LOG_LEVEL": "INFO"}
    command = [sys.executable, "-c", WORKER_BOOTSTRAP, "--name", "blip", "--poll-seconds", "0.2"]
    with stderr_path.open("wb") as stderr:
        worker = subprocess.Popen(
            [*command, "--lease-seconds", "20"],
            cwd=REPO_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        wait_until(lambda: len(log_lines(log)) >= 1, "the worker to start the job")
        server.stop()  # the job's work is still going on
        release.touch()
        wait_until(lambda: len(log_lines(log)) >= 2, "the job's work to finish")

        # The worker tried to record the outcome and found the database away.
        def outage_seen() -> bool:
            text = stderr_path.read_text()
            return "database unreachable" in text or "error while" in text

        wait_until(outage_seen, "the worker to meet the outage")
        server.start()
        wait_until(
            lambda: (
                query(server, "SELECT status FROM core_job WHERE id = %s", job_id)[0][0] == "done"
            ),
            "the outcome to be recorded",
        )
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=120) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=60)
    (attempts,) = query(server, "SELECT attempts FROM core_job WHERE id = %s", job_id)[0]
    assert attempts == 1
    assert [line[0] for line in log_lines(log)] == ["start", "done"]
    text = stderr_path.read_text()
    # One line when it went away and one when it came back; no traceback per poll.
    assert text.count("database unreachable") == 1
    assert text.count("database reachable again") == 1
    assert "Traceback" not in text


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, response.getheader("Content-Type", ""), body
    finally:
        conn.close()


def test_web_pages_during_an_outage_answer_503_and_log_one_line_each_way(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    server = private_postgres
    from mamori.core.tests.test_serve_shutdown import free_port

    port = free_port()
    out = tmp_path / "serve.out"
    env = {k: v for k, v in os.environ.items() if k != "MAMORI_SQLITE_PATH"}
    env.update(
        DATABASE_URL=server.url(),
        MAMORI_DATA_DIR=str(tmp_path),
        MAMORI_BASE_URL=f"http://127.0.0.1:{port}",
        MAMORI_LOG_LEVEL="INFO",
    )
    with out.open("wb") as handle:
        process = subprocess.Popen(
            # One process (web and worker): the outage is logged once per process.
            [sys.executable, "-m", "mamori.cli", "serve", "--port", str(port), "--processes", "1"],
            cwd=REPO_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: "running at that address" in out.read_text(), "serve to start", 600)
        assert _get(port, "/accounts/login/")[0] < 500
        server.stop()
        for _ in range(3):
            status, _type, body = _get(port, "/accounts/login/")
            assert status == 503
            assert "データベースに接続できません" in body
        status, content_type, body = _get(port, "/api/me", {"Authorization": "Bearer x"})
        assert status == 503
        assert content_type.startswith("application/json")
        assert "detail" in json.loads(body)
        server.start()
        wait_until(lambda: _get(port, "/accounts/login/")[0] < 500, "pages to work again")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)
        if not (server.data / "postmaster.pid").exists():
            server.start()
    text = out.read_text(errors="replace")
    assert text.count("database unreachable") == 1, text
    assert text.count("database reachable again") == 1, text
    assert "Traceback" not in text


def test_a_deadlock_or_serialisation_failure_is_not_an_outage() -> None:
    """A deadlock is one transaction's error (the job is retried), not "database unreachable"."""
    import psycopg.errors
    from django.db import OperationalError

    from mamori.core.outage import is_outage

    for cause in (
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.LockNotAvailable("could not obtain lock"),
    ):
        wrapped = OperationalError(str(cause))
        wrapped.__cause__ = cause
        assert not is_outage(wrapped), type(cause).__name__
    lost = OperationalError("server closed the connection unexpectedly")
    lost.__cause__ = psycopg.errors.lookup("57P01")("terminating connection")
    assert is_outage(lost)
    assert is_outage(OperationalError("connection refused"))
