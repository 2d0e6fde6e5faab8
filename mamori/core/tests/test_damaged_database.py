"""A damaged SQLite database, with real `mamori` processes (issue 22 item 5).

A copy of the test database (all migrations applied) gets a damaged header, schema page or data
page. `mamori serve` must say in one paragraph what is wrong and what to do instead of a
traceback; `mamori restore` must recover even when the current file cannot be opened (keeping
it); a damaged data page found while serving is one clear 503 page, logged once, and /readyz.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("damages a SQLite file; runs in the SQLite session")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_", "DATABASE_URL"))}
    env["MAMORI_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def mamori(data_dir: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "mamori.cli", *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def install(tmp_path: Path) -> Path:
    """A data folder holding a copy of the migrated test database and one backup of it."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    # A second connection reads the migrated test database (WAL: the test's open transaction
    # does not block it).
    source = sqlite3.connect(Path(connection.settings_dict["NAME"]).as_uri() + "?mode=ro", uri=True)
    target = sqlite3.connect(data_dir / "mamori.sqlite3")
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()
    made = mamori(data_dir, "backup")
    assert made.returncode == 0, made.stderr
    return data_dir


def _pages(path: Path, table: str) -> tuple[int, list[int]]:
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = db.execute("PRAGMA page_size").fetchone()[0]
        rows = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name = ? AND rootpage > 0", [table]
        ).fetchall()
    finally:
        db.close()
    return size, [row[0] for row in rows]


def damage(path: Path, where: str) -> None:
    size, pages = _pages(path, "auth_user")
    with open(path, "r+b") as handle:
        if where == "header":
            handle.write(b"not a database!!")  # the 16-byte magic string
        elif where == "schema":
            handle.seek(100)  # page 1's b-tree header: the schema table's root
            handle.write(b"\xff")
        else:  # the user table's pages (table and index roots)
            for page in pages:
                handle.seek((page - 1) * size)
                handle.write(b"\x55" * size)


@pytest.mark.parametrize("where", ["header", "schema"])
def test_serve_explains_a_damaged_database_in_one_paragraph(install: Path, where: str) -> None:
    damage(install / "mamori.sqlite3", where)

    ran = mamori(install, "serve", "--no-worker", "--port", "0")

    assert ran.returncode == 1
    assert "Traceback" not in ran.stderr
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, ran.stderr  # one paragraph, Japanese then English
    newest = next((install / "backups").glob("*.tar"))
    assert f"mamori restore {newest} --yes" in ran.stderr
    assert "壊れているため起動できません" in ran.stderr
    expected = {"header": "ヘッダー", "schema": "スキーマ"}[where]
    assert expected in ran.stderr
    # The worker says the same.
    worker = mamori(install, "worker", "--once")
    assert worker.returncode == 1 and "Traceback" not in worker.stderr
    assert "mamori restore" in worker.stderr


def test_serve_names_the_backup_folder_when_it_is_empty(install: Path) -> None:
    for archive in (install / "backups").iterdir():
        archive.unlink()
    damage(install / "mamori.sqlite3", "header")
    ran = mamori(install, "serve", "--no-worker", "--port", "0")
    assert ran.returncode == 1
    assert f"{install / 'backups'} にバックアップがありません" in ran.stderr


@pytest.mark.parametrize("where", ["header", "schema", "data"])
def test_restore_recovers_an_unreadable_database_and_keeps_it(install: Path, where: str) -> None:
    live = install / "mamori.sqlite3"
    damage(live, where)
    damaged_bytes = live.read_bytes()
    (archive,) = (install / "backups").glob("*.tar")

    ran = mamori(install, "restore", str(archive), "--yes")

    assert ran.returncode == 0, ran.stderr
    (kept,) = install.glob("mamori.sqlite3.damaged-*[0-9]Z")
    assert kept.read_bytes() == damaged_bytes
    assert str(kept) in ran.stdout
    db = sqlite3.connect(live)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        actions = [row[0] for row in db.execute("SELECT action FROM audit_auditevent")]
    finally:
        db.close()
    assert actions[-1] == "backup.restored"
    verified = mamori(install, "audit", "verify")
    assert verified.returncode == 0, verified.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(install: Path) -> Iterator[tuple[Any, int]]:
    damage(install / "mamori.sqlite3", "data")
    port = _free_port()
    log = open(install / "serve.log", "w+")  # noqa: SIM115 - read after the process ends
    process = subprocess.Popen(  # noqa: S603 - our own command
        # One web process: the damage is logged once per process.
        [sys.executable, "-m", "mamori.cli", "serve", "--no-worker", "--port", str(port)]
        + ["--processes", "1"],
        env=_env(install),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        while process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        assert process.poll() is None, (install / "serve.log").read_text()
        yield process, port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _get(port: int, path: str) -> tuple[int, str]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        client.request("GET", path, headers={"Accept-Language": "ja"})
        response = client.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        client.close()


def test_a_damaged_page_while_serving_is_one_clear_page_logged_once(
    served: tuple[Any, int], install: Path
) -> None:
    process, port = served
    assert _get(port, "/readyz")[0] == 200  # header and schema read fine

    for _ in range(3):
        status, body = _get(port, "/")  # reads the damaged user table
        assert status == 503
        assert "データベースが壊れています" in body
        assert "Traceback" not in body
    status, body = _get(port, "/readyz")
    assert status == 503 and '"damaged"' in body
    assert _get(port, "/api/openapi.json")[0] == 200  # what needs no damaged part works

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    log = (install / "serve.log").read_text()
    assert log.count("database damaged") == 1, log
    assert "Traceback" not in log


def test_serve_explains_an_unusable_install_key_file(install: Path) -> None:
    (install / "install_key").write_text("{not json")
    ran = mamori(install, "serve", "--no-worker", "--port", "0")
    assert ran.returncode == 1
    assert "Traceback" not in ran.stderr
    assert "インストール鍵ファイル" in ran.stderr and "install_key" in ran.stderr
