"""Migrations that several starting processes take turns at (`mamori migrate`, `mamori serve`).

PostgreSQL: a session advisory lock (pg_advisory_lock) held around the all-or-nothing migration
(mamori.core.migrate); the others wait for it, then find nothing left to apply.
SQLite: an exclusive lock (flock) on a file beside the database. Django's SQLite schema editor
cannot run inside an outer transaction, so an exclusive SQLite transaction cannot be held around
it on the same connection; an SQLite database is only ever used by processes of one machine, for
which the file lock is the same guarantee.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from django.db import DEFAULT_DB_ALIAS, connections

# pg_advisory_lock key: any fixed 64-bit number that no other lock of this database uses.
ADVISORY_LOCK_KEY = 0x6D616D6F7269  # "mamori"


@contextmanager
def migration_lock(alias: str = DEFAULT_DB_ALIAS, *, out: TextIO | None = None) -> Iterator[None]:
    """Hold the install-wide migration lock; says once on `out` when it has to wait."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with _advisory_lock(alias, out):
            yield
    elif connection.vendor == "sqlite":
        with _file_lock(Path(str(connection.settings_dict["NAME"])), out):
            yield
    else:
        yield


def _say_waiting(out: TextIO | None) -> None:
    if out is not None:
        print(
            "mamori: 別のプロセスがデータベースを更新中です。終わるまで待ちます / "
            "another process is migrating the database; waiting for it",
            file=out,
        )
        out.flush()


@contextmanager
def _advisory_lock(alias: str, out: TextIO | None) -> Iterator[None]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        got = bool(cursor.fetchone()[0])
        if not got:
            _say_waiting(out)
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


@contextmanager
def _file_lock(database: Path, out: TextIO | None) -> Iterator[None]:
    if str(database) in ("", ":memory:") or str(database).startswith("file:"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # not a POSIX system: one process at a time is up to the operator
        yield
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    lock_path = database.with_name(database.name + ".migrate-lock")
    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say_waiting(out)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def migrate_locked(*, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Apply pending migrations under the lock; 0 when done (or nothing to do), 1 on failure."""
    from mamori.core.migrate import MigrationFailed, migrate_all_or_nothing

    try:
        with migration_lock(out=out):
            applied = migrate_all_or_nothing()
    except MigrationFailed as error:
        print(
            "mamori: データベースの更新に失敗しました。何も変更していません。\n"
            "mamori: database migration failed; nothing was changed.\n"
            f"  {error}",
            file=err,
        )
        return 1
    if applied:
        print(f"mamori: applied {len(applied)} migration(s)", file=out)
    return 0
