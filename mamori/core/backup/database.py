"""Where the database is, and the shared SQLite and PostgreSQL-client helpers."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mamori.core.backup.format import Engine, Limits
from mamori.core.backup.messages import Refusal

# libpq settings a Django OPTIONS dict may carry, and the environment variable each maps to.
PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
}


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the database is: a file for SQLite, connection details for PostgreSQL."""

    engine: Engine
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    options: tuple[tuple[str, str], ...] = ()

    def pg_env(self) -> dict[str, str]:
        """Environment for pg_dump/pg_restore/psql: the password travels here, never in argv."""
        env = dict(os.environ)
        values = {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
        }
        for key, value in self.options:
            if key in PG_OPTION_ENV:
                values[PG_OPTION_ENV[key]] = value
        env.update({key: value for key, value in values.items() if value})
        return env

    def pg_conninfo(self) -> dict[str, str]:
        info = {"dbname": self.name, "host": self.host, "port": self.port, "user": self.user}
        info["password"] = self.password
        info.update({key: value for key, value in self.options if key in PG_OPTION_ENV})
        return {key: value for key, value in info.items() if value}


def deadline_progress(seconds: float) -> Callable[[int, int, int], None]:
    """A sqlite3 backup progress callback that gives up while the other side stays locked."""
    deadline = time.monotonic() + seconds

    def progress(status: int, remaining: int, total: int) -> None:
        busy = status in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
        if busy and time.monotonic() > deadline:
            raise Refusal("locked")

    return progress


def sqlite_uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    fallback = Path("/usr/bin") / name
    if fallback.exists():
        return str(fallback)
    raise Refusal("tool_missing", name)


def run_tool(args: list[str], env: dict[str, str], code: str, limits: Limits) -> None:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed tool path, arguments built here
            args,
            env=env,
            capture_output=True,
            timeout=limits.command_timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise Refusal(code, f"{Path(args[0]).name}: timed out") from error
    except OSError as error:
        raise Refusal("tool_missing", str(error)) from error
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        raise Refusal(code, f"{Path(args[0]).name}: {stderr[-1500:]}")


def check_sqlite_integrity(connection: sqlite3.Connection) -> None:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    if rows != [("ok",)]:
        raise Refusal("inconsistent", "; ".join(str(row[0]) for row in rows[:5]))


def sqlite_migrations(connection: sqlite3.Connection) -> list[list[str]]:
    try:
        rows = connection.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    except sqlite3.OperationalError as error:
        raise Refusal("not_initialized", str(error)) from error
    return [[str(app), str(name)] for app, name in rows]
