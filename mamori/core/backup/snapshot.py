"""Taking a backup: a consistent database snapshot plus the uploaded files, in one archive.

SQLite is copied with the online backup API (one read transaction); PostgreSQL with pg_dump
joined to a snapshot exported by the connection that also reads the migration list.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mamori.core.backup.database import (
    DatabaseTarget,
    check_sqlite_integrity,
    deadline_progress,
    pg_tool,
    run_tool,
    sqlite_migrations,
    sqlite_uri,
)
from mamori.core.backup.format import (
    DATABASE_MEMBERS,
    DEFAULT_LIMITS,
    FILES_PREFIX,
    SHA256_RE,
    AuditHead,
    Engine,
    InstallKey,
    Limits,
    member_name_problem,
    write_archive,
)
from mamori.core.backup.messages import Problem, Refusal, os_problem, problem


@dataclass(frozen=True)
class BackupResult:
    path: Path
    checksum_path: Path
    size: int
    sha256: str
    engine: Engine
    migrations: int
    files: int
    skipped_files: tuple[str, ...] = ()
    audit_head: AuditHead | None = None


# The audit trail's newest event (table of mamori.audit; absent in a database without it).
AUDIT_HEAD_SQL = "SELECT seq, hash FROM audit_auditevent ORDER BY id DESC LIMIT 1"


def _audit_head(row: tuple | None) -> AuditHead | None:
    if row is None:
        return AuditHead(seq=0, hash="0" * 64)
    seq, digest = row
    if not isinstance(seq, int) or not isinstance(digest, str) or not SHA256_RE.fullmatch(digest):
        return None
    return AuditHead(seq=seq, hash=digest)


def _sqlite_audit_head(connection: sqlite3.Connection) -> AuditHead | None:
    try:
        return _audit_head(connection.execute(AUDIT_HEAD_SQL).fetchone())
    except sqlite3.OperationalError:
        return None  # no audit table (or an older one without numbers)


def _snapshot_sqlite(
    target: DatabaseTarget, dest: Path, limits: Limits
) -> tuple[list[list[str]], AuditHead | None]:
    source_path = Path(target.name)
    if not source_path.is_file():
        raise Refusal("database_missing", str(source_path))
    # mode=rw: never create an empty database by backing up a wrong path.
    source = sqlite3.connect(
        sqlite_uri(source_path, "rw"), uri=True, timeout=limits.lock_timeout_seconds
    )
    try:
        copy = sqlite3.connect(dest)
        try:
            # One step (pages=-1) holds one read transaction: a consistent snapshot, and in WAL
            # mode the application keeps writing meanwhile.
            source.backup(copy, progress=deadline_progress(limits.lock_timeout_seconds))
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            check_sqlite_integrity(copy)
            return sqlite_migrations(copy), _sqlite_audit_head(copy)
        finally:
            copy.close()
    except sqlite3.Error as error:
        if "disk is full" in str(error).lower():
            raise Refusal("disk_full", str(dest.parent)) from error
        raise Refusal("dump_failed", str(error)) from error
    finally:
        source.close()


def _snapshot_postgres(
    target: DatabaseTarget, dest: Path, limits: Limits
) -> tuple[list[list[str]], AuditHead | None]:
    import psycopg

    pg_dump = pg_tool("pg_dump")
    try:
        with psycopg.connect(**target.pg_conninfo(), connect_timeout=30) as connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            with connection.transaction():
                # pg_dump joins this exported snapshot, so the migration list read here and the
                # dump describe the very same moment.
                row = connection.execute("SELECT pg_export_snapshot()").fetchone()
                snapshot_id = str(row[0]) if row else ""
                try:
                    rows = connection.execute(
                        "SELECT app, name FROM django_migrations ORDER BY id"
                    ).fetchall()
                except psycopg.errors.UndefinedTable as error:
                    raise Refusal("not_initialized", "django_migrations") from error
                args = [pg_dump, "--format=custom", "--no-password"]
                args += [f"--snapshot={snapshot_id}", f"--file={dest}"]
                run_tool(args, target.pg_env(), "dump_failed", limits)
                head: AuditHead | None = None
                try:
                    with connection.transaction():  # a savepoint: a missing table is no error
                        head = _audit_head(connection.execute(AUDIT_HEAD_SQL).fetchone())
                except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
                    head = None
    except psycopg.Error as error:
        raise Refusal("dump_failed", str(error).strip()) from error
    return [[str(app), str(name)] for app, name in rows], head


# Top-level folders of short-lived files, not archived: import previews waiting for their
# confirmation (mamori.inventory.uploads, removed after a day) and the overview's zips of
# several clients' reports (mamori.orgs.bulk, deleted after a week; rebuilt from the database).
# Kept in a backup they would outlive their deletion there by as long as the backup is kept.
TRANSIENT_FOLDERS: frozenset[str] = frozenset({"imports", "report-bundles"})


def _media_files(
    media_root: Path | None, limits: Limits
) -> tuple[list[tuple[str, Path]], list[str]]:
    """Regular files under media_root as (member name, path), and the names left out (the
    transient folders are not listed: leaving them out is intended, not a problem to report)."""
    if media_root is None or not media_root.is_dir():
        return [], []
    files: list[tuple[str, Path]] = []
    skipped: list[str] = []
    for directory, dirnames, filenames in os.walk(media_root, followlinks=False):
        if Path(directory) == media_root:
            dirnames[:] = [name for name in dirnames if name not in TRANSIENT_FOLDERS]
        dirnames.sort()
        for dirname in dirnames:
            if (Path(directory) / dirname).is_symlink():
                skipped.append(str((Path(directory) / dirname).relative_to(media_root)))
        for filename in sorted(filenames):
            path = Path(directory) / filename
            relative = path.relative_to(media_root).as_posix()
            mode = path.lstat().st_mode
            name = FILES_PREFIX + relative
            if not stat.S_ISREG(mode) or member_name_problem(name, limits) is not None:
                skipped.append(relative)
            else:
                files.append((name, path))
    if len(files) + 3 > limits.max_members:
        raise Refusal("media_failed", f"more than {limits.max_members} files")
    return files, skipped


def _resolve_output(output: Path, created_at: datetime) -> tuple[Path, bool]:
    """The archive path, and whether it was named automatically."""
    if output.is_dir() or output.suffix != ".tar":
        output.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        candidate = output / f"mamori-backup-{stamp}.tar"
        counter = 2
        while candidate.exists() or Path(f"{candidate}.sha256").exists():
            candidate = output / f"mamori-backup-{stamp}-{counter}.tar"
            counter += 1
        return candidate, True
    if output.exists():
        raise Refusal("output_exists", str(output))
    if not output.parent.is_dir():
        raise Refusal("output_invalid", str(output.parent))
    return output, False


def create_backup(
    target: DatabaseTarget,
    output: Path,
    *,
    media_root: Path | None,
    mamori_version: str,
    limits: Limits = DEFAULT_LIMITS,
    now: datetime | None = None,
    signer: InstallKey | None = None,
    files_elsewhere: str | None = None,
) -> BackupResult | Problem:
    """Snapshot the database (and media files) into one archive under `output`.

    `signer` (the commands always pass this install's) names the install in the manifest and
    signs it; the audit trail's head at the moment of the snapshot is recorded too."""
    created_at = now or datetime.now(UTC)
    try:
        if target.engine not in DATABASE_MEMBERS:
            raise Refusal("unsupported_engine", str(target.engine))
        destination, _automatic = _resolve_output(output, created_at)
        # Work beside the destination: same disk, and a failed run leaves no partial archive.
        with tempfile.TemporaryDirectory(prefix=".mamori-backup-", dir=destination.parent) as tmp:
            snapshot = Path(tmp) / DATABASE_MEMBERS[target.engine]
            if target.engine == "sqlite":
                migrations, audit_head = _snapshot_sqlite(target, snapshot, limits)
            else:
                migrations, audit_head = _snapshot_postgres(target, snapshot, limits)
            media, skipped = _media_files(media_root, limits)
            partial = Path(tmp) / "archive.tar"
            digest, size = write_archive(
                partial,
                engine=target.engine,
                database_file=snapshot,
                media=media,
                migrations=migrations,
                mamori_version=mamori_version,
                created_at=created_at,
                signer=signer,
                audit_head=audit_head,
                files_elsewhere=files_elsewhere,
            )
            os.link(partial, destination)  # fails instead of overwriting a file made meanwhile
        checksum_path = Path(f"{destination}.sha256")
        checksum_fd = os.open(checksum_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(checksum_fd, "w", encoding="ascii") as handle:
            handle.write(f"{digest}  {destination.name}\n")
    except Refusal as refusal:
        return refusal.problem
    except FileExistsError as error:
        return problem("output_exists", str(error))
    except OSError as error:
        return os_problem(error, output)
    except sqlite3.OperationalError as error:
        if "full" not in str(error).lower():  # "database or disk is full"
            raise
        return problem("disk_full", str(output))
    return BackupResult(
        path=destination,
        checksum_path=checksum_path,
        size=size,
        sha256=digest,
        engine=target.engine,
        migrations=len(migrations),
        files=len(media),
        skipped_files=tuple(skipped),
        audit_head=audit_head,
    )
