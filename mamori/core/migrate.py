"""Apply migrations all-or-nothing.

PostgreSQL runs the whole plan inside one transaction (its DDL is transactional). SQLite's
schema editor cannot run inside an outer transaction, so the database file is copied with the
online backup API first and copied back if any migration fails.
"""

from __future__ import annotations

import io
import sqlite3
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor


class MigrationFailed(Exception):
    pass


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def migrate_all_or_nothing(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Apply every pending migration, or none. Returns the names applied."""
    pending = pending_migrations(alias)
    if not pending:
        return []
    connection = connections[alias]
    output = io.StringIO()
    if connection.vendor == "sqlite":
        _migrate_sqlite(alias, output)
    else:
        try:
            with transaction.atomic(using=alias):
                call_command("migrate", database=alias, interactive=False, stdout=output)
        except Exception as error:
            raise MigrationFailed(f"{type(error).__name__}: {error}") from error
    return pending


def _migrate_sqlite(alias: str, output: io.StringIO) -> None:
    connection = connections[alias]
    db_path = Path(connection.settings_dict["NAME"])
    if not db_path.exists() or db_path.stat().st_size == 0:
        try:
            call_command("migrate", database=alias, interactive=False, stdout=output)
        except Exception as error:
            connection.close()
            db_path.unlink(missing_ok=True)
            raise MigrationFailed(f"{type(error).__name__}: {error}") from error
        return
    with tempfile.TemporaryDirectory(dir=db_path.parent) as tmp:
        copy_path = Path(tmp) / "before-migrate.sqlite3"
        _sqlite_copy(db_path, copy_path)
        try:
            call_command("migrate", database=alias, interactive=False, stdout=output)
        except Exception as error:
            connection.close()
            _sqlite_copy(copy_path, db_path)
            raise MigrationFailed(f"{type(error).__name__}: {error}") from error


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
