"""`mamori migrate`: several started together take turns and all exit 0; `--check`; the lock."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("a fresh SQLite data folder; runs in the SQLite session")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAMORI_", "DATABASE_URL"))}
    env["MAMORI_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _start(data_dir: Path, *args: str, database_url: str | None = None) -> subprocess.Popen[str]:
    env = _env(data_dir)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "mamori.cli", "migrate", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.usefixtures("_sqlite_only")
def test_two_migrations_started_together_both_succeed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    first, second = _start(data_dir), _start(data_dir)
    outputs = [process.communicate(timeout=600) for process in (first, second)]
    for process, (out, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, (out, err)
        assert "Traceback" not in err
        assert "the database is up to date" in out
    applied = [out for out, _err in outputs if "applied" in out]
    assert len(applied) == 1, outputs  # one applied everything, the other found nothing left

    check = _start(data_dir, "--check")
    out, err = check.communicate(timeout=600)
    assert check.returncode == 0, (out, err)
    assert "0 migration(s) not applied" in err


@pytest.mark.usefixtures("_sqlite_only")
def test_check_lists_waiting_migrations_and_changes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    check = _start(data_dir, "--check")
    out, err = check.communicate(timeout=600)
    assert check.returncode == 1
    assert "core.0001_initial" in out.splitlines()
    database = data_dir / "mamori.sqlite3"
    assert (
        not database.exists()
        or database.stat().st_size == 0
        or "django_migrations" not in (database.read_bytes().decode("latin-1"))
    )


@pytest.mark.usefixtures("_sqlite_only")
def test_a_migration_waits_for_the_lock_another_holds(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    with open(data_dir / "mamori.sqlite3.migrate-lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        process = _start(data_dir)
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the command reports it is waiting
        assert "waiting" in line
        assert process.poll() is None  # still waiting: the lock is held
        assert (
            not (data_dir / "mamori.sqlite3").exists()
            or (data_dir / "mamori.sqlite3").stat().st_size == 0
        )
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, (out, err)
    assert "applied" in out


def test_on_postgresql_a_migration_waits_for_the_advisory_lock(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL advisory lock; runs in the PostgreSQL session")
    import psycopg

    from mamori.core.migrate_lock import ADVISORY_LOCK_KEY

    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    with psycopg.connect(url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        process = _start(data_dir, database_url=url)
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the command reports it is waiting
        assert "waiting" in line
        assert process.poll() is None
        holder.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, (out, err)
    assert "the database is up to date" in out
