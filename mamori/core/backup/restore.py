"""Verifying a backup and restoring it.

Restore verifies everything, stages the content and checks the staged database BEFORE changing
anything. SQLite is restored with the online backup API into the live file: one write transaction
that other connections wait for and then see whole (their WAL stays coherent, which replacing the
file under them would not). PostgreSQL is restored by psql in one transaction (drop our schema's
tables, then the pg_restore script), so any failure rolls back to the old data.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Collection
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
    CHECKSUM_NAME,
    CHUNK,
    DATABASE_MEMBERS,
    DEFAULT_LIMITS,
    FILES_PREFIX,
    MANIFEST_NAME,
    SIGNATURE_NAME,
    AuditHead,
    Engine,
    InstallKey,
    Limits,
    Manifest,
    MemberRecord,
    precheck_extended_headers,
    read_manifest,
    scan_members,
    verify_sidecar,
    verify_whole_file,
)
from mamori.core.backup.messages import Problem, Refusal, problem


@dataclass(frozen=True)
class BackupSummary:
    """What a verified backup holds (shown before the restore is confirmed)."""

    path: Path
    created_at: str
    mamori_version: str
    engine: Engine
    migrations: int
    pending_migrations: int
    files: int
    database_bytes: int
    sidecar_checked: bool
    # Who made it: "own" (signed by this install), "foreign" (another install, accepted by
    # name), "unsigned" (format 1, accepted explicitly) or "unchecked" (no Origin given).
    origin: str = "unchecked"
    install_id: str | None = None
    audit_head: AuditHead | None = None


@dataclass(frozen=True)
class RestoreResult:
    summary: BackupSummary
    files_restored: int
    # Where an unreadable database file was moved before the restore (kept, never deleted).
    damaged_kept: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Origin:
    """Whose backups a restore accepts: this install's, plus the one install the operator
    named explicitly (`--from-install`), plus unsigned format-1 backups when allowed."""

    own: InstallKey
    accept_install: str | None = None
    allow_unsigned: bool = False


def check_origin(
    manifest: Manifest, manifest_bytes: bytes, signature: bytes | None, origin: Origin
) -> str:
    """Whose backup it is ("own", "foreign", "unsigned"); Refusal when it is not accepted."""
    if manifest.install_id is None and signature is None:
        if origin.allow_unsigned:
            return "unsigned"
        raise Refusal("unsigned")
    if manifest.install_id == origin.own.install_id:
        # Ours by name: only our key can have signed it. A mismatch means the manifest was
        # edited (and the checksums recomputed) after the backup was made.
        if signature is None or not origin.own.signed(manifest_bytes, signature):
            raise Refusal("forged", manifest.install_id or "")
        return "own"
    if manifest.install_id is None:
        raise Refusal("forged", "signature without install id")
    if origin.accept_install == manifest.install_id:
        return "foreign"
    raise Refusal("foreign_install", manifest.install_id)


def _check_free_space(directory: Path, needed: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    margin = 64 * 1024**2
    if free < needed + margin:
        raise Refusal("no_space", f"{directory}: need {needed + margin} bytes, {free} free")


def _extract_member(tar: tarfile.TarFile, info: tarfile.TarInfo, record: MemberRecord, to: Path):
    source = tar.extractfile(info)
    if source is None:
        raise Refusal("corrupt", info.name)
    to.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd = os.open(to, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        while block := source.read(CHUNK):
            digest.update(block)
            handle.write(block)
    if digest.hexdigest() != record.sha256:
        raise Refusal("corrupt", f"{info.name}: checksum mismatch")
    with contextlib.suppress(OSError, OverflowError, ValueError):
        os.utime(to, (info.mtime, info.mtime))


def _check_staged_sqlite(path: Path, manifest: Manifest) -> None:
    try:
        connection = sqlite3.connect(sqlite_uri(path, "rw"), uri=True)
        try:
            check_sqlite_integrity(connection)
            migrations = sqlite_migrations(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise Refusal("inconsistent", str(error)) from error
    except Refusal as refusal:
        raise Refusal("inconsistent", refusal.problem.detail) from refusal
    if sorted(map(tuple, migrations)) != sorted(manifest.migrations):
        raise Refusal("inconsistent", "migrations differ from the manifest")


def _check_staged_pgdump(path: Path, target: DatabaseTarget, limits: Limits) -> None:
    args = [pg_tool("pg_restore"), "--list", f"--file={os.devnull}", str(path)]
    run_tool(args, target.pg_env(), "inconsistent", limits)


@dataclass
class _Staged:
    summary: BackupSummary
    manifest: Manifest
    database: Path
    media: Path | None


def _stage(
    archive: Path,
    target: DatabaseTarget,
    *,
    work_dir: Path,
    media_stage: Path | None,
    known_migrations: Collection[tuple[str, str]],
    limits: Limits,
    origin: Origin | None = None,
) -> _Staged:
    """Verify everything and unpack into work_dir / media_stage; touches nothing else."""
    if not archive.is_file():
        raise Refusal("not_found", str(archive))
    file_size = archive.stat().st_size
    if file_size == 0:
        raise Refusal("empty")
    if file_size > limits.max_archive_bytes:
        raise Refusal("too_large", f"{file_size} bytes")
    sidecar_checked = verify_sidecar(archive)
    precheck_extended_headers(archive, limits)
    try:
        tar = tarfile.open(archive, mode="r:")
    except (tarfile.TarError, EOFError, ValueError, OverflowError) as error:
        raise Refusal("unreadable", str(error)) from error
    try:
        with tar:
            members = scan_members(tar, limits)
            verify_whole_file(archive, members[CHECKSUM_NAME], file_size)
            manifest_info = members[MANIFEST_NAME]
            if manifest_info.size > limits.max_manifest_bytes:
                raise Refusal("too_large", "manifest")
            manifest_file = tar.extractfile(manifest_info)
            manifest_bytes = manifest_file.read() if manifest_file else b""
            manifest = read_manifest(manifest_bytes, limits)
            signature = _read_signature(tar, members.get(SIGNATURE_NAME))
            if manifest.engine != target.engine:
                raise Refusal("engine_mismatch", f"{manifest.engine} → {target.engine}")
            known = set(known_migrations)
            newer = [
                f"{app}.{name}" for app, name in manifest.migrations if (app, name) not in known
            ]
            if newer:
                raise Refusal("newer_schema", ", ".join(newer[:5]))
            accepted = "unchecked"
            if origin is not None:
                accepted = check_origin(manifest, manifest_bytes, signature, origin)
            contents = {
                name: info
                for name, info in members.items()
                if name not in {MANIFEST_NAME, SIGNATURE_NAME, CHECKSUM_NAME}
            }
            records = {record.name: record for record in manifest.members}
            if set(contents) != set(records) or any(
                contents[name].size != records[name].size for name in records
            ):
                raise Refusal("corrupt", "entries differ from the manifest")
            database = work_dir / DATABASE_MEMBERS[manifest.engine]
            _check_free_space(work_dir, manifest.database_member.size)
            if media_stage is not None:
                media_bytes = sum(record.size for record in manifest.file_members)
                _check_free_space(media_stage.parent, media_bytes)
                media_stage.mkdir(mode=0o700)
            for name, record in records.items():
                if name == manifest.database_member.name:
                    _extract_member(tar, contents[name], record, database)
                elif media_stage is not None:
                    relative = name[len(FILES_PREFIX) :]
                    _extract_member(tar, contents[name], record, media_stage / relative)
    except (tarfile.TarError, EOFError, ValueError, OverflowError) as error:
        # The headers were all read above, so a failure here is damaged member data.
        raise Refusal("corrupt", str(error)) from error
    if manifest.engine == "sqlite":
        _check_staged_sqlite(database, manifest)
    else:
        _check_staged_pgdump(database, target, limits)
    backed_up = set(manifest.migrations)
    summary = BackupSummary(
        path=archive,
        created_at=manifest.created_at,
        mamori_version=manifest.mamori_version,
        engine=manifest.engine,
        migrations=len(manifest.migrations),
        pending_migrations=len(set(known_migrations) - backed_up),
        files=len(manifest.file_members),
        database_bytes=manifest.database_member.size,
        sidecar_checked=sidecar_checked,
        origin=accepted,
        install_id=manifest.install_id,
        audit_head=manifest.audit_head,
    )
    return _Staged(summary=summary, manifest=manifest, database=database, media=media_stage)


def _read_signature(tar: tarfile.TarFile, info: tarfile.TarInfo | None) -> bytes | None:
    if info is None:
        return None
    if info.size > 256:
        raise Refusal("corrupt", "signature entry size")
    handle = tar.extractfile(info)
    return handle.read() if handle else b""


def read_backup_head(archive: Path, own: InstallKey, limits: Limits = DEFAULT_LIMITS):
    """(created_at, audit head) of a backup signed by `own`; None for any other file.

    Reads the headers and the manifest only (no checksum over the whole file): it serves
    `mamori audit verify`, which needs the head a backup recorded, not the backup's content."""
    try:
        precheck_extended_headers(archive, limits)
        with tarfile.open(archive, mode="r:") as tar:
            members = scan_members(tar, limits)
            info = members[MANIFEST_NAME]
            if info.size > limits.max_manifest_bytes:
                return None
            handle = tar.extractfile(info)
            manifest_bytes = handle.read() if handle else b""
            signature = _read_signature(tar, members.get(SIGNATURE_NAME))
        manifest = read_manifest(manifest_bytes, limits)
        if manifest.install_id != own.install_id or signature is None:
            return None
        if not own.signed(manifest_bytes, signature) or manifest.audit_head is None:
            return None
        return manifest.created_at, manifest.audit_head
    except (Refusal, OSError, tarfile.TarError, EOFError, ValueError, OverflowError):
        return None


def _work_dir_for(target: DatabaseTarget, work_dir: Path | None) -> Path | None:
    """Where to unpack: SQLite beside the live file (same disk), else `work_dir` or temp."""
    if target.engine == "sqlite":
        parent = Path(target.name).resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        return parent
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    return work_dir


def _media_stage_for(media_root: Path | None) -> Path | None:
    if media_root is None:
        return None
    # Beside MEDIA_ROOT, so that swapping it in is a rename on the same file system.
    media_root = media_root.resolve()
    return media_root.parent / f".{media_root.name}.restore-{secrets.token_hex(6)}"


def verify_backup(
    archive: Path,
    target: DatabaseTarget,
    *,
    known_migrations: Collection[tuple[str, str]],
    limits: Limits = DEFAULT_LIMITS,
    work_dir: Path | None = None,
    origin: Origin | None = None,
) -> BackupSummary | Problem:
    """Run every restore check (unpacking into a temporary folder) without changing anything.

    `origin` None checks integrity only; the commands always pass this install's Origin."""
    try:
        with tempfile.TemporaryDirectory(
            prefix=".mamori-verify-", dir=_work_dir_for(target, work_dir)
        ) as tmp:
            staged = _stage(
                archive,
                target,
                work_dir=Path(tmp),
                media_stage=Path(tmp) / "files",
                known_migrations=known_migrations,
                limits=limits,
                origin=origin,
            )
            return staged.summary
    except Refusal as refusal:
        return refusal.problem
    except OSError as error:
        return problem("io_error", str(error))


def sqlite_damage(path: Path, *, thorough: bool = True) -> str | None:
    """Why the SQLite file at `path` cannot be used (SQLite's words); None when it reads well.

    The quick check reads every page (thorough); without it only the header and the schema
    are read, which is cheap enough for every start."""
    if not path.exists():
        return None
    try:
        connection = sqlite3.connect(sqlite_uri(path, "ro"), uri=True, timeout=5)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            connection.execute("PRAGMA page_size").fetchone()
            if thorough:
                rows = connection.execute("PRAGMA quick_check").fetchall()
                if rows != [("ok",)]:
                    return "; ".join(str(row[0]) for row in rows[:3])
        finally:
            connection.close()
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            return None  # in use, not damaged: the restore itself waits for the lock
        return str(error)
    except sqlite3.DatabaseError as error:
        return str(error)
    return None


def _set_aside_if_damaged(live: Path) -> tuple[Path, ...]:
    """Move an unreadable database (and its -wal/-shm) aside under a dated name; keep it."""
    if sqlite_damage(live) is None:
        return ()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    moved: list[Path] = []
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{live}{suffix}")
        if path.exists():
            aside = path.with_name(f"{live.name}.damaged-{stamp}{suffix}")
            os.rename(path, aside)
            moved.append(aside)
    return tuple(moved)


def _restore_sqlite(staged: Path, target: DatabaseTarget, limits: Limits) -> None:
    live_path = Path(target.name)
    live_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        source = sqlite3.connect(sqlite_uri(staged, "rw"), uri=True)
        try:
            live = sqlite3.connect(live_path, timeout=limits.lock_timeout_seconds)
            try:
                live_page_size = live.execute("PRAGMA page_size").fetchone()[0]
                if source.execute("PRAGMA page_size").fetchone()[0] != live_page_size:
                    # Backing up into a WAL database needs equal page sizes; change the copy.
                    source.execute(f"PRAGMA page_size={int(live_page_size)}")
                    source.execute("VACUUM")
                # One step = one write transaction on the live database: others wait, then
                # see either all the old or all the restored data; WAL mode is kept.
                source.backup(live, progress=deadline_progress(limits.lock_timeout_seconds))
            finally:
                live.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise Refusal("restore_failed", str(error)) from error


# Drops every table, view and sequence in the schema Django uses, inside the restore transaction,
# so that tables newer than the backup do not survive it.
_PG_PRELUDE = """\
SET client_min_messages = warning;
SET lock_timeout = '{lock_ms}ms';
DO $mamori$
DECLARE item record;
BEGIN
  FOR item IN
    SELECT c.relname, c.relkind FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (
        SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'i'))
    ORDER BY c.relkind IN ('r', 'p') DESC
  LOOP
    EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE',
      CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
        WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      current_schema(), item.relname);
  END LOOP;
END
$mamori$;
"""


def _restore_postgres(staged: Path, target: DatabaseTarget, work_dir: Path, limits: Limits) -> None:
    script = work_dir / "restore.sql"
    lock_ms = max(1, int(limits.lock_timeout_seconds * 1000))
    script.write_text(_PG_PRELUDE.format(lock_ms=lock_ms), encoding="utf-8")
    pg_restore = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(staged)]
    with open(script, "ab") as handle:
        try:
            completed = subprocess.run(  # noqa: S603 - fixed tool path, arguments built here
                pg_restore,
                env=target.pg_env(),
                stdout=handle,
                stderr=subprocess.PIPE,
                timeout=limits.command_timeout_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise Refusal("restore_failed", "pg_restore: timed out") from error
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        raise Refusal("restore_failed", f"pg_restore: {stderr[-1500:]}")
    psql = [pg_tool("psql"), "--no-psqlrc", "--quiet", "--no-password", "--single-transaction"]
    psql += ["--set=ON_ERROR_STOP=1", f"--file={script}"]
    run_tool(psql, target.pg_env(), "restore_failed", limits)


def _swap_media(stage: Path, media_root: Path) -> None:
    media_root = media_root.resolve()
    aside: Path | None = None
    if media_root.exists():
        aside = media_root.parent / f".{media_root.name}.old-{secrets.token_hex(6)}"
        os.rename(media_root, aside)
    try:
        os.rename(stage, media_root)
    except OSError:
        if aside is not None:
            os.rename(aside, media_root)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def restore_backup(
    archive: Path,
    target: DatabaseTarget,
    *,
    media_root: Path | None,
    known_migrations: Collection[tuple[str, str]],
    confirm: Callable[[BackupSummary], bool] = lambda summary: True,
    limits: Limits = DEFAULT_LIMITS,
    work_dir: Path | None = None,
    origin: Origin | None = None,
) -> RestoreResult | Problem:
    """Verify `archive`, ask `confirm`, then replace the database and media files with it.

    Any refusal or failure before the database step leaves everything as it was; the database
    step itself is one transaction. Media files are swapped in after the database succeeded.
    A SQLite file that cannot be read any more is moved aside (kept) and replaced.
    `origin` None checks integrity only; the commands always pass this install's Origin.
    """
    media_stage = _media_stage_for(media_root)
    try:
        with tempfile.TemporaryDirectory(
            prefix=".mamori-restore-", dir=_work_dir_for(target, work_dir)
        ) as tmp:
            staged = _stage(
                archive,
                target,
                work_dir=Path(tmp),
                media_stage=media_stage,
                known_migrations=known_migrations,
                limits=limits,
                origin=origin,
            )
            if not confirm(staged.summary):
                raise Refusal("cancelled")
            damaged_kept: tuple[Path, ...] = ()
            if target.engine == "sqlite":
                damaged_kept = _set_aside_if_damaged(Path(target.name))
                _restore_sqlite(staged.database, target, limits)
            else:
                _restore_postgres(staged.database, target, Path(tmp), limits)
        if media_root is not None and media_stage is not None:
            has_files = staged.summary.files > 0
            if has_files or media_root.exists():
                try:
                    _swap_media(media_stage, media_root)
                except OSError as error:
                    detail = f"database restored; files not replaced: {error}"
                    return problem("media_failed", detail)
        return RestoreResult(
            summary=staged.summary,
            files_restored=staged.summary.files,
            damaged_kept=damaged_kept,
        )
    except Refusal as refusal:
        return refusal.problem
    except OSError as error:
        return problem("io_error", str(error))
    finally:
        if media_stage is not None and media_stage.exists():
            shutil.rmtree(media_stage, ignore_errors=True)
