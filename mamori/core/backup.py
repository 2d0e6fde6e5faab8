"""Consistent, checksummed backups of the database and uploaded files, and their verified restore.

One archive is an uncompressed POSIX tar (so reading it can never expand past its own size):

    database.sqlite3 | database.pgdump   the database snapshot (always the first member)
    files/<path>                         uploaded files (MEDIA_ROOT), regular files only
    manifest.json                        format, versions, engine, migrations, size + sha256 per member
    CHECKSUM                             sha256 of every archive byte before this member

Everything after CHECKSUM must be tar end-of-archive zeros, so any changed, missing or added byte
is found. A `<archive>.sha256` file beside it serves `sha256sum -c` and is verified when present.

Restore verifies all of this, stages the content and checks the staged database BEFORE changing
anything. SQLite is restored with the online backup API into the live file: one write transaction
that other connections wait for and then see whole (their WAL stays coherent, which replacing the
file under them would not). PostgreSQL is restored by psql in one transaction (drop our schema's
tables, then the pg_restore script), so any failure rolls back to the old data.

Nothing here imports Django: callers pass the database target, media root and known migrations.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

FORMAT_NAME = "mamori-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
CHECKSUM_NAME = "CHECKSUM"
FILES_PREFIX = "files/"
Engine = Literal["sqlite", "postgresql"]
DATABASE_MEMBERS: dict[str, str] = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024
SHA256_RE = re.compile(r"[0-9a-f]{64}")
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

MESSAGES: dict[str, tuple[str, str]] = {
    "not_found": ("バックアップファイルが見つかりません。", "The backup file does not exist."),
    "empty": (
        "ファイルが空です。mamori のバックアップではありません。",
        "The file is empty; it is not a mamori backup.",
    ),
    "too_large": ("ファイルが上限を超える大きさです。", "The file is larger than the limit."),
    "foreign": (
        "mamori のバックアップではありません。`mamori backup` で作ったファイルを指定してください。",
        "This is not a mamori backup. Give a file written by `mamori backup`.",
    ),
    "corrupt": (
        "バックアップが壊れています（途中で切れているか、内容がチェックサムと一致しません）。"
        "別のバックアップを使ってください。",
        "The backup is damaged (truncated, or its content does not match its checksum). "
        "Use another backup.",
    ),
    "unreadable": (
        "ファイルを読み取れません。mamori のバックアップでないか、壊れています。",
        "The file cannot be read: it is not a mamori backup, or it is damaged.",
    ),
    "unsafe_member": (
        "バックアップに安全でない項目があります（絶対パス、`..`、リンクなど）。",
        "The backup contains an unsafe entry (absolute path, `..`, link or similar).",
    ),
    "manifest_invalid": (
        "バックアップの目録（manifest）が読めません。",
        "The backup's manifest cannot be read.",
    ),
    "format_newer": (
        "このバックアップは新しい版の mamori の形式です。mamori を更新してから復元してください。",
        "This backup uses a newer mamori format. Upgrade mamori, then restore.",
    ),
    "engine_mismatch": (
        "バックアップのデータベースの種類が、今の設定と異なります。",
        "The backup is from a different database engine than the one configured.",
    ),
    "newer_schema": (
        "このバックアップは、このコードより新しいデータベース構造（マイグレーション）を含みます。"
        "mamori を更新してから復元してください。",
        "This backup has a newer database schema (migrations) than this code. "
        "Upgrade mamori, then restore.",
    ),
    "inconsistent": (
        "バックアップ内のデータベースが目録と一致しないか、整合性検査に失敗しました。",
        "The database in the backup does not match its manifest or fails its integrity check.",
    ),
    "no_space": ("ディスクの空き容量が足りません。", "There is not enough free disk space."),
    "cancelled": (
        "中止しました。何も変更していません。",
        "Cancelled. Nothing was changed.",
    ),
    "database_missing": (
        "データベースファイルが見つかりません。",
        "The database file does not exist.",
    ),
    "not_initialized": (
        "データベースが初期化されていません（先に migrate を実行してください）。",
        "The database has not been set up (run migrate first).",
    ),
    "unsupported_engine": (
        "このデータベースの種類はバックアップに対応していません（SQLite と PostgreSQL のみ）。",
        "This database engine cannot be backed up (SQLite and PostgreSQL only).",
    ),
    "tool_missing": (
        "pg_dump / pg_restore / psql が見つかりません。PostgreSQL クライアントを入れてください。",
        "pg_dump / pg_restore / psql were not found. Install the PostgreSQL client tools.",
    ),
    "dump_failed": (
        "データベースのバックアップに失敗しました。",
        "Backing up the database failed.",
    ),
    "restore_failed": (
        "復元に失敗しました。データベースは元のままです。",
        "The restore failed. The database is unchanged.",
    ),
    "locked": (
        "データベースが使用中で、待ち時間内に処理できませんでした。何も変更していません。",
        "The database stayed busy past the waiting limit. Nothing was changed.",
    ),
    "output_exists": (
        "出力先のファイルが既にあります。上書きはしません。",
        "The output file already exists; it is not overwritten.",
    ),
    "output_invalid": (
        "出力先が使えません（親フォルダがない、書き込めない等）。",
        "The output location cannot be used (missing parent folder, not writable, …).",
    ),
    "media_failed": (
        "アップロードファイルの処理に失敗しました。",
        "Handling the uploaded files failed.",
    ),
    "io_error": ("ファイルの読み書きに失敗しました。", "Reading or writing a file failed."),
}


@dataclass(frozen=True)
class Problem:
    """Why a backup or restore did not happen; `ja` and `en` are for people, `code` for tests."""

    code: str
    ja: str
    en: str
    detail: str = ""

    def describe(self) -> str:
        lines = [self.ja, self.en]
        if self.detail:
            lines.append(f"  ({self.detail})")
        return "\n".join(lines)


def problem(code: str, detail: str = "") -> Problem:
    ja, en = MESSAGES[code]
    return Problem(code=code, ja=ja, en=en, detail=detail[:2000])


class _Refusal(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.problem = problem(code, detail)


@dataclass(frozen=True)
class Limits:
    """Caps on what a restore reads and how long any step may wait."""

    max_archive_bytes: int = 256 * 1024**3
    max_members: int = 200_000
    max_manifest_bytes: int = 64 * 1024**2
    max_name_bytes: int = 1024
    max_depth: int = 32
    lock_timeout_seconds: float = 120.0
    command_timeout_seconds: float = 6 * 3600.0


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


@dataclass(frozen=True)
class MemberRecord:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    format_version: int
    mamori_version: str
    created_at: str
    engine: Engine
    migrations: tuple[tuple[str, str], ...]
    members: tuple[MemberRecord, ...]

    @property
    def database_member(self) -> MemberRecord:
        return next(m for m in self.members if m.name == DATABASE_MEMBERS[self.engine])

    @property
    def file_members(self) -> tuple[MemberRecord, ...]:
        return tuple(m for m in self.members if m.name.startswith(FILES_PREFIX))


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


@dataclass(frozen=True)
class RestoreResult:
    summary: BackupSummary
    files_restored: int


# --------------------------------------------------------------------------- names and files


def member_name_problem(name: object, limits: Limits = Limits()) -> str | None:
    """Why `name` may not appear in an archive (None when it is safe)."""
    if not isinstance(name, str) or not name:
        return "empty name"
    if len(name.encode("utf-8", "surrogatepass")) > limits.max_name_bytes:
        return "name too long"
    if any(ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in name):
        return "control character or backslash"
    parts = name.split("/")
    # Catches absolute paths ("" first), "..", ".", doubled and trailing slashes.
    if any(part in {"", ".", ".."} for part in parts):
        return "absolute path or empty, '.' or '..' component"
    if len(parts) > limits.max_depth:
        return "too deep"
    if any(len(part.encode("utf-8", "surrogatepass")) > 255 for part in parts):
        return "path component too long"
    if name in {MANIFEST_NAME, CHECKSUM_NAME, *DATABASE_MEMBERS.values()}:
        return None
    if name.startswith(FILES_PREFIX):
        return None
    return "unexpected member"


def _sha256_file(path: Path, length: int | None = None) -> str:
    digest = hashlib.sha256()
    remaining = length
    with open(path, "rb") as handle:
        while remaining is None or remaining > 0:
            size = CHUNK if remaining is None else min(CHUNK, remaining)
            block = handle.read(size)
            if not block:
                break
            digest.update(block)
            if remaining is not None:
                remaining -= len(block)
    return digest.hexdigest()


class _HashingWriter:
    """A write-only file object that hashes everything written through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.hash = hashlib.sha256()
        self.position = 0

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.hash.update(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        self.raw.flush()


class _HashingReader:
    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.hash.update(data)
        return data


def _deadline_progress(seconds: float) -> Callable[[int, int, int], None]:
    """A sqlite3 backup progress callback that gives up while the other side stays locked."""
    deadline = time.monotonic() + seconds

    def progress(status: int, remaining: int, total: int) -> None:
        busy = status in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
        if busy and time.monotonic() > deadline:
            raise _Refusal("locked")

    return progress


def _sqlite_uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    fallback = Path("/usr/bin") / name
    if fallback.exists():
        return str(fallback)
    raise _Refusal("tool_missing", name)


def _run_tool(args: list[str], env: dict[str, str], code: str, limits: Limits) -> None:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed tool path, arguments built here
            args,
            env=env,
            capture_output=True,
            timeout=limits.command_timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise _Refusal(code, f"{Path(args[0]).name}: timed out") from error
    except OSError as error:
        raise _Refusal("tool_missing", str(error)) from error
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        raise _Refusal(code, f"{Path(args[0]).name}: {stderr[-1500:]}")


# --------------------------------------------------------------------------- backup


def _snapshot_sqlite(target: DatabaseTarget, dest: Path, limits: Limits) -> list[list[str]]:
    source_path = Path(target.name)
    if not source_path.is_file():
        raise _Refusal("database_missing", str(source_path))
    # mode=rw: never create an empty database by backing up a wrong path.
    source = sqlite3.connect(
        _sqlite_uri(source_path, "rw"), uri=True, timeout=limits.lock_timeout_seconds
    )
    try:
        copy = sqlite3.connect(dest)
        try:
            # One step (pages=-1) holds one read transaction: a consistent snapshot, and in WAL
            # mode the application keeps writing meanwhile.
            source.backup(copy, progress=_deadline_progress(limits.lock_timeout_seconds))
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _check_sqlite_integrity(copy)
            return _sqlite_migrations(copy)
        finally:
            copy.close()
    except sqlite3.Error as error:
        raise _Refusal("dump_failed", str(error)) from error
    finally:
        source.close()


def _check_sqlite_integrity(connection: sqlite3.Connection) -> None:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    if rows != [("ok",)]:
        raise _Refusal("inconsistent", "; ".join(str(row[0]) for row in rows[:5]))


def _sqlite_migrations(connection: sqlite3.Connection) -> list[list[str]]:
    try:
        rows = connection.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    except sqlite3.OperationalError as error:
        raise _Refusal("not_initialized", str(error)) from error
    return [[str(app), str(name)] for app, name in rows]


def _snapshot_postgres(target: DatabaseTarget, dest: Path, limits: Limits) -> list[list[str]]:
    import psycopg

    pg_dump = _pg_tool("pg_dump")
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
                    raise _Refusal("not_initialized", "django_migrations") from error
                args = [pg_dump, "--format=custom", "--no-password"]
                args += [f"--snapshot={snapshot_id}", f"--file={dest}"]
                _run_tool(args, target.pg_env(), "dump_failed", limits)
    except psycopg.Error as error:
        raise _Refusal("dump_failed", str(error).strip()) from error
    return [[str(app), str(name)] for app, name in rows]


def _media_files(
    media_root: Path | None, limits: Limits
) -> tuple[list[tuple[str, Path]], list[str]]:
    """Regular files under media_root as (member name, path), and the names left out."""
    if media_root is None or not media_root.is_dir():
        return [], []
    files: list[tuple[str, Path]] = []
    skipped: list[str] = []
    for directory, dirnames, filenames in os.walk(media_root, followlinks=False):
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
        raise _Refusal("media_failed", f"more than {limits.max_members} files")
    return files, skipped


def _add_path(tar: tarfile.TarFile, name: str, path: Path, mtime: int | None = None) -> dict:
    with open(path, "rb") as handle:
        status = os.fstat(handle.fileno())
        info = _member_info(name, status.st_size, int(status.st_mtime) if mtime is None else mtime)
        reader = _HashingReader(handle)
        try:
            tar.addfile(info, reader)  # type: ignore[arg-type]
        except OSError as error:
            # The file shrank while it was read (written to meanwhile).
            raise _Refusal("media_failed", f"{name}: {error}") from error
    return {"name": name, "size": info.size, "sha256": reader.hash.hexdigest()}


def _member_info(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = mtime
    return info


def _checksum_info(mtime: int) -> tarfile.TarInfo:
    return _member_info(CHECKSUM_NAME, 65, mtime)


def _add_bytes(tar: tarfile.TarFile, info: tarfile.TarInfo, data: bytes) -> None:
    tar.addfile(info, io.BytesIO(data))


def write_archive(
    destination: Path,
    *,
    engine: Engine,
    database_file: Path,
    media: Sequence[tuple[str, Path]],
    migrations: Sequence[Sequence[str]],
    mamori_version: str,
    created_at: datetime,
    format_version: int = FORMAT_VERSION,
) -> tuple[str, int]:
    """Write an archive to a new file (mode 0600); return its sha256 and size."""
    mtime = int(created_at.timestamp())
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw:
        writer = _HashingWriter(raw)
        with tarfile.open(fileobj=writer, mode="w", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            members = [_add_path(tar, DATABASE_MEMBERS[engine], database_file, mtime)]
            members += [_add_path(tar, name, path) for name, path in media]
            manifest = {
                "format": FORMAT_NAME,
                "format_version": format_version,
                "mamori_version": mamori_version,
                "created_at": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "engine": engine,
                "migrations": [list(item) for item in migrations],
                "members": members,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            _add_bytes(tar, _member_info(MANIFEST_NAME, len(data), mtime), data)
            prefix_digest = writer.hash.copy().hexdigest()
            _add_bytes(tar, _checksum_info(mtime), f"{prefix_digest}\n".encode("ascii"))
        raw.flush()
        os.fsync(raw.fileno())
    return writer.hash.hexdigest(), writer.position


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
        raise _Refusal("output_exists", str(output))
    if not output.parent.is_dir():
        raise _Refusal("output_invalid", str(output.parent))
    return output, False


def create_backup(
    target: DatabaseTarget,
    output: Path,
    *,
    media_root: Path | None,
    mamori_version: str,
    limits: Limits = Limits(),
    now: datetime | None = None,
) -> BackupResult | Problem:
    """Snapshot the database (and media files) into one archive under `output`."""
    created_at = now or datetime.now(UTC)
    try:
        if target.engine not in DATABASE_MEMBERS:
            raise _Refusal("unsupported_engine", str(target.engine))
        destination, _automatic = _resolve_output(output, created_at)
        # Work beside the destination: same disk, and a failed run leaves no partial archive.
        with tempfile.TemporaryDirectory(prefix=".mamori-backup-", dir=destination.parent) as tmp:
            snapshot = Path(tmp) / DATABASE_MEMBERS[target.engine]
            if target.engine == "sqlite":
                migrations = _snapshot_sqlite(target, snapshot, limits)
            else:
                migrations = _snapshot_postgres(target, snapshot, limits)
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
            )
            os.link(partial, destination)  # fails instead of overwriting a file made meanwhile
        checksum_path = Path(f"{destination}.sha256")
        checksum_fd = os.open(checksum_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(checksum_fd, "w", encoding="ascii") as handle:
            handle.write(f"{digest}  {destination.name}\n")
    except _Refusal as refusal:
        return refusal.problem
    except FileExistsError as error:
        return problem("output_exists", str(error))
    except OSError as error:
        return problem("io_error", str(error))
    return BackupResult(
        path=destination,
        checksum_path=checksum_path,
        size=size,
        sha256=digest,
        engine=target.engine,
        migrations=len(migrations),
        files=len(media),
        skipped_files=tuple(skipped),
    )


# --------------------------------------------------------------------------- verification


def _scan_members(tar: tarfile.TarFile, limits: Limits) -> dict[str, tarfile.TarInfo]:
    """Read every header (not the data) and check names, types and order."""
    members: dict[str, tarfile.TarInfo] = {}
    last: tarfile.TarInfo | None = None
    while True:
        try:
            info = tar.next()
        except (tarfile.TarError, EOFError, ValueError, OverflowError) as error:
            code = "corrupt" if members else "unreadable"
            raise _Refusal(code, str(error)) from error
        if info is None:
            break
        if last is None and info.name not in DATABASE_MEMBERS.values():
            raise _Refusal("foreign", f"first entry {info.name[:100]!r}")
        if len(members) >= limits.max_members:
            raise _Refusal("too_large", f"more than {limits.max_members} entries")
        reason = member_name_problem(info.name, limits)
        if reason is not None:
            raise _Refusal("unsafe_member", f"{info.name[:200]!r}: {reason}")
        if not info.isreg():
            raise _Refusal("unsafe_member", f"{info.name[:200]!r}: not a regular file")
        if info.name in members:
            raise _Refusal("unsafe_member", f"{info.name[:200]!r}: duplicate")
        members[info.name] = info
        last = info
    if last is None:
        raise _Refusal("foreign", "no entries")
    if last.name != CHECKSUM_NAME or MANIFEST_NAME not in members:
        raise _Refusal("corrupt", "incomplete archive")
    return members


def _precheck_extended_headers(path: Path, limits: Limits) -> None:
    """Refuse oversized pax/GNU extended headers before tarfile parses any: CPython 3.11 before
    3.11.10 parses crafted pax headers in super-linear time (CVE-2024-6232)."""
    offset = 0
    with open(path, "rb") as handle:
        for _ in range(2 * limits.max_members + 2):
            handle.seek(offset)
            header = handle.read(tarfile.BLOCKSIZE)
            if len(header) < tarfile.BLOCKSIZE or header.count(0) == tarfile.BLOCKSIZE:
                return
            try:
                size = tarfile.nti(header[124:136])
            except (tarfile.HeaderError, ValueError):
                return  # a damaged header: tarfile reports it
            if header[156:157] in {b"x", b"g", b"L", b"K"} and size > 8192:
                raise _Refusal("unsafe_member", "oversized extended header")
            if size < 0:
                return
            offset += tarfile.BLOCKSIZE + -(-size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE


def _verify_whole_file(path: Path, checksum: tarfile.TarInfo, file_size: int) -> None:
    """CHECKSUM covers every byte before it; only end-of-archive zeros may follow it."""
    if checksum.size != 65:
        raise _Refusal("corrupt", "checksum entry size")
    # The CHECKSUM header is the one header the digest cannot cover: it must be byte for byte
    # the header the writer makes (tar's own header checksum skips some bytes).
    expected_header = _checksum_info(checksum.mtime).tobuf(tarfile.PAX_FORMAT, "utf-8")
    if checksum.offset_data != checksum.offset + len(expected_header):
        raise _Refusal("corrupt", "checksum entry header")
    with open(path, "rb") as handle:
        handle.seek(checksum.offset)
        if handle.read(len(expected_header)) != expected_header:
            raise _Refusal("corrupt", "checksum entry header")
        recorded = handle.read(65)
        trailer = handle.read(tarfile.RECORDSIZE + 2 * tarfile.BLOCKSIZE + 1)
    text = recorded.decode("ascii", "replace")
    if not (text.endswith("\n") and SHA256_RE.fullmatch(text[:64])):
        raise _Refusal("corrupt", "checksum entry")
    # tar ends with two zero blocks, padded with zeros to a whole record: a cut inside that
    # padding also changes the size.
    end = checksum.offset_data + tarfile.BLOCKSIZE + 2 * tarfile.BLOCKSIZE
    expected_size = -(-end // tarfile.RECORDSIZE) * tarfile.RECORDSIZE
    if file_size != expected_size or len(trailer) != file_size - checksum.offset_data - 65:
        raise _Refusal("corrupt", "the archive's end is missing or has extra data")
    if trailer.count(0) != len(trailer):
        raise _Refusal("corrupt", "unexpected data after the checksum")
    if _sha256_file(path, checksum.offset) != text[:64]:
        raise _Refusal("corrupt", "archive checksum mismatch")


def _verify_sidecar(path: Path) -> bool:
    """Check `<archive>.sha256` when present; True when it was there and matched."""
    sidecar = Path(f"{path}.sha256")
    if not sidecar.is_file():
        return False
    if sidecar.stat().st_size > 4096:
        raise _Refusal("corrupt", "checksum file too large")
    words = sidecar.read_text(encoding="ascii", errors="replace").split()
    if not words or not SHA256_RE.fullmatch(words[0].lower()):
        raise _Refusal("corrupt", f"unreadable {sidecar.name}")
    if _sha256_file(path) != words[0].lower():
        raise _Refusal("corrupt", f"does not match {sidecar.name}")
    return True


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise _Refusal("manifest_invalid", what)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_manifest(data: bytes, limits: Limits = Limits()) -> Manifest | Problem:
    """Validate manifest.json strictly: a Manifest, or a Problem saying what is wrong."""
    try:
        return _parse_manifest(data, limits)
    except _Refusal as refusal:
        return refusal.problem


def _parse_manifest(data: bytes, limits: Limits) -> Manifest:
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise _Refusal("manifest_invalid", "not JSON") from error
    _require(isinstance(raw, dict), "not an object")
    if raw.get("format") != FORMAT_NAME:
        raise _Refusal("foreign", "manifest format")
    version = raw.get("format_version")
    _require(_is_int(version) and version >= 1, "format_version")
    if version > FORMAT_VERSION:
        raise _Refusal("format_newer", f"format {version} > {FORMAT_VERSION}")
    engine = raw.get("engine")
    _require(isinstance(engine, str) and engine in DATABASE_MEMBERS, "engine")
    for key in ("mamori_version", "created_at"):
        _require(isinstance(raw.get(key), str) and len(raw[key]) <= 64, key)
    migrations = raw.get("migrations")
    _require(isinstance(migrations, list) and len(migrations) <= 100_000, "migrations")
    for item in migrations:
        _require(
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(part, str) and 0 < len(part) <= 255 for part in item),
            "migration entry",
        )
    entries = raw.get("members")
    _require(isinstance(entries, list) and len(entries) <= limits.max_members, "members")
    members: list[MemberRecord] = []
    for entry in entries:
        _require(isinstance(entry, dict), "member entry")
        name, size, digest = entry.get("name"), entry.get("size"), entry.get("sha256")
        _require(member_name_problem(name, limits) is None, "member name")
        _require(name not in {MANIFEST_NAME, CHECKSUM_NAME}, "member name")
        _require(_is_int(size) and size >= 0, "member size")
        _require(isinstance(digest, str) and SHA256_RE.fullmatch(digest) is not None, "sha256")
        members.append(MemberRecord(name=name, size=size, sha256=digest))
    names = [member.name for member in members]
    _require(len(set(names)) == len(names), "duplicate member")
    other_databases = set(DATABASE_MEMBERS.values()) - {DATABASE_MEMBERS[engine]}
    _require(DATABASE_MEMBERS[engine] in names, "database member")
    _require(not other_databases.intersection(names), "database member")
    return Manifest(
        format_version=version,
        mamori_version=raw["mamori_version"],
        created_at=raw["created_at"],
        engine=engine,
        migrations=tuple((app, name) for app, name in migrations),
        members=tuple(members),
    )


def _check_free_space(directory: Path, needed: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    margin = 64 * 1024**2
    if free < needed + margin:
        raise _Refusal("no_space", f"{directory}: need {needed + margin} bytes, {free} free")


def _extract_member(tar: tarfile.TarFile, info: tarfile.TarInfo, record: MemberRecord, to: Path):
    source = tar.extractfile(info)
    if source is None:
        raise _Refusal("corrupt", info.name)
    to.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd = os.open(to, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        while block := source.read(CHUNK):
            digest.update(block)
            handle.write(block)
    if digest.hexdigest() != record.sha256:
        raise _Refusal("corrupt", f"{info.name}: checksum mismatch")
    with contextlib.suppress(OSError, OverflowError, ValueError):
        os.utime(to, (info.mtime, info.mtime))


def _check_staged_sqlite(path: Path, manifest: Manifest) -> None:
    try:
        connection = sqlite3.connect(_sqlite_uri(path, "rw"), uri=True)
        try:
            _check_sqlite_integrity(connection)
            migrations = _sqlite_migrations(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise _Refusal("inconsistent", str(error)) from error
    except _Refusal as refusal:
        raise _Refusal("inconsistent", refusal.problem.detail) from refusal
    if sorted(map(tuple, migrations)) != sorted(manifest.migrations):
        raise _Refusal("inconsistent", "migrations differ from the manifest")


def _check_staged_pgdump(path: Path, target: DatabaseTarget, limits: Limits) -> None:
    args = [_pg_tool("pg_restore"), "--list", f"--file={os.devnull}", str(path)]
    _run_tool(args, target.pg_env(), "inconsistent", limits)


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
) -> _Staged:
    """Verify everything and unpack into work_dir / media_stage; touches nothing else."""
    if not archive.is_file():
        raise _Refusal("not_found", str(archive))
    file_size = archive.stat().st_size
    if file_size == 0:
        raise _Refusal("empty")
    if file_size > limits.max_archive_bytes:
        raise _Refusal("too_large", f"{file_size} bytes")
    sidecar_checked = _verify_sidecar(archive)
    _precheck_extended_headers(archive, limits)
    try:
        tar = tarfile.open(archive, mode="r:")
    except (tarfile.TarError, EOFError, ValueError, OverflowError) as error:
        raise _Refusal("unreadable", str(error)) from error
    try:
        with tar:
            members = _scan_members(tar, limits)
            _verify_whole_file(archive, members[CHECKSUM_NAME], file_size)
            manifest_info = members[MANIFEST_NAME]
            if manifest_info.size > limits.max_manifest_bytes:
                raise _Refusal("too_large", "manifest")
            manifest_file = tar.extractfile(manifest_info)
            manifest = _parse_manifest(manifest_file.read() if manifest_file else b"", limits)
            if manifest.engine != target.engine:
                raise _Refusal("engine_mismatch", f"{manifest.engine} → {target.engine}")
            known = set(known_migrations)
            newer = [
                f"{app}.{name}" for app, name in manifest.migrations if (app, name) not in known
            ]
            if newer:
                raise _Refusal("newer_schema", ", ".join(newer[:5]))
            contents = {
                name: info
                for name, info in members.items()
                if name not in {MANIFEST_NAME, CHECKSUM_NAME}
            }
            records = {record.name: record for record in manifest.members}
            if set(contents) != set(records) or any(
                contents[name].size != records[name].size for name in records
            ):
                raise _Refusal("corrupt", "entries differ from the manifest")
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
        raise _Refusal("corrupt", str(error)) from error
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
    )
    return _Staged(summary=summary, manifest=manifest, database=database, media=media_stage)


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
    limits: Limits = Limits(),
    work_dir: Path | None = None,
) -> BackupSummary | Problem:
    """Run every restore check (unpacking into a temporary folder) without changing anything."""
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
            )
            return staged.summary
    except _Refusal as refusal:
        return refusal.problem
    except OSError as error:
        return problem("io_error", str(error))


def _restore_sqlite(staged: Path, target: DatabaseTarget, limits: Limits) -> None:
    live_path = Path(target.name)
    live_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        source = sqlite3.connect(_sqlite_uri(staged, "rw"), uri=True)
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
                source.backup(live, progress=_deadline_progress(limits.lock_timeout_seconds))
            finally:
                live.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise _Refusal("restore_failed", str(error)) from error


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
    pg_restore = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(staged)]
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
            raise _Refusal("restore_failed", "pg_restore: timed out") from error
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        raise _Refusal("restore_failed", f"pg_restore: {stderr[-1500:]}")
    psql = [_pg_tool("psql"), "--no-psqlrc", "--quiet", "--no-password", "--single-transaction"]
    psql += ["--set=ON_ERROR_STOP=1", f"--file={script}"]
    _run_tool(psql, target.pg_env(), "restore_failed", limits)


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
    limits: Limits = Limits(),
    work_dir: Path | None = None,
) -> RestoreResult | Problem:
    """Verify `archive`, ask `confirm`, then replace the database and media files with it.

    Any refusal or failure before the database step leaves everything as it was; the database
    step itself is one transaction. Media files are swapped in after the database succeeded.
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
            )
            if not confirm(staged.summary):
                raise _Refusal("cancelled")
            if target.engine == "sqlite":
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
        return RestoreResult(summary=staged.summary, files_restored=staged.summary.files)
    except _Refusal as refusal:
        return refusal.problem
    except OSError as error:
        return problem("io_error", str(error))
    finally:
        if media_stage is not None and media_stage.exists():
            shutil.rmtree(media_stage, ignore_errors=True)
