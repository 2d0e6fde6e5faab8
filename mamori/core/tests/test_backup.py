"""Backup and restore: round trips on the configured engine; refused files change nothing.

Run on both engines:
    .venv/bin/pytest mamori/core/tests/test_backup.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mamori .venv/bin/pytest mamori/core/tests/test_backup.py
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import sqlite3
import sys
import tarfile
import threading
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mamori.audit.models import AuditEvent
from mamori.audit.services import record
from mamori.core import backup as engine
from mamori.core.backup import (
    BackupResult,
    BackupSummary,
    DatabaseTarget,
    Limits,
    Manifest,
    Problem,
    RestoreResult,
    create_backup,
    member_name_problem,
    parse_manifest,
    restore_backup,
    verify_backup,
    write_archive,
)
from mamori.core.commands import backup as backup_command
from mamori.core.commands import restore as restore_command

db_transactional = pytest.mark.django_db(transaction=True)


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "2026年度.pdf").write_bytes(b"%PDF-1.4 original report")
    (root / "note.txt").write_text("元のメモ / original note", encoding="utf-8")
    settings.MEDIA_ROOT = root
    return root


def usernames() -> list[str]:
    return sorted(User.objects.values_list("username", flat=True))


def media_state(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def run_backup(tmp_path: Path) -> Path:
    out = tmp_path / "backups"
    assert backup_command.main(["--output", str(out)]) == 0
    (archive,) = out.glob("*.tar")
    return archive


def current_target() -> DatabaseTarget:
    target = backup_command.default_target()
    assert isinstance(target, DatabaseTarget)
    return target


def other_engine() -> str:
    return "postgresql" if connection.vendor == "sqlite" else "sqlite"


def flip_byte(path: Path, position: int) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= 0x5A
    path.write_bytes(bytes(data))


def member_offsets(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return {info.name: info for info in tar.getmembers()}


# --------------------------------------------------------------------------- round trips


@db_transactional
def test_round_trip_restores_rows_and_files(tmp_path: Path, media_root: Path) -> None:
    User.objects.create(username="alice", email="alice@example.jp")
    User.objects.create(username="bob", email="bob@example.jp")
    original_media = media_state(media_root)
    archive = run_backup(tmp_path)

    alice = User.objects.get(username="alice")
    alice.email = "changed@example.jp"
    alice.save()
    User.objects.filter(username="bob").delete()
    User.objects.create(username="carol")
    (media_root / "note.txt").write_text("changed", encoding="utf-8")
    (media_root / "added-later.txt").write_text("new", encoding="utf-8")
    (media_root / "reports" / "2026年度.pdf").unlink()

    assert restore_command.main([str(archive), "--yes"]) == 0

    assert usernames() == ["alice", "bob"]
    assert User.objects.get(username="alice").email == "alice@example.jp"
    assert media_state(media_root) == original_media
    # The restored database keeps working for new writes.
    User.objects.create(username="dave")
    assert usernames() == ["alice", "bob", "dave"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"


@db_transactional
def test_archive_is_described_by_its_manifest_and_checksums(
    tmp_path: Path, media_root: Path
) -> None:
    record("test.before_backup")
    archive = run_backup(tmp_path)
    assert archive.name.startswith("mamori-backup-")
    assert archive.stat().st_mode & 0o077 == 0  # it holds password hashes

    sidecar = Path(f"{archive}.sha256").read_text(encoding="ascii").split()
    assert sidecar == [hashlib.sha256(archive.read_bytes()).hexdigest(), archive.name]

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        contents = {
            info.name: tar.extractfile(info).read()
            for info in tar.getmembers()
            if info.name not in {"manifest.json", "SIGNATURE", "CHECKSUM"}
        }
        signature = tar.extractfile("SIGNATURE").read()
    assert names[-3:] == ["manifest.json", "SIGNATURE", "CHECKSUM"]
    assert manifest["format"] == "mamori-backup"
    assert manifest["install_id"] == backup_command.install_key().install_id
    assert signature.startswith(b"hmac-sha256 ")
    head = AuditEvent.objects.order_by("-id").values_list("seq", "hash").first()
    assert manifest["audit_head"] == {"seq": head[0], "hash": head[1]}
    assert manifest["engine"] == connection.vendor
    assert ["auth", "0001_initial"] in manifest["migrations"]
    recorded = {member["name"]: member for member in manifest["members"]}
    assert set(recorded) == set(contents)
    assert "files/reports/2026年度.pdf" in recorded
    for name, data in contents.items():
        assert recorded[name]["size"] == len(data)
        assert recorded[name]["sha256"] == hashlib.sha256(data).hexdigest()


def _start_writer(stop: threading.Event, batches: list[int], ready: threading.Event):
    """Insert groups five per transaction until stopped (its own connection, not Django's)."""
    target = current_target()

    def write_sqlite() -> None:
        writer = sqlite3.connect(target.name, timeout=30, isolation_level=None)
        try:
            while not stop.is_set():
                writer.execute("BEGIN IMMEDIATE")
                for item in range(5):
                    writer.execute(
                        "INSERT INTO auth_group (name) VALUES (?)", (f"w{len(batches)}-{item}",)
                    )
                writer.execute("COMMIT")
                batches.append(1)
                if len(batches) >= 3:
                    ready.set()
        finally:
            writer.close()

    def write_postgres() -> None:
        import psycopg

        with psycopg.connect(**target.pg_conninfo()) as writer:
            while not stop.is_set():
                with writer.transaction():
                    for item in range(5):
                        writer.execute(
                            "INSERT INTO auth_group (name) VALUES (%s)",
                            (f"w{len(batches)}-{item}",),
                        )
                batches.append(1)
                if len(batches) >= 3:
                    ready.set()

    thread = threading.Thread(
        target=write_sqlite if target.engine == "sqlite" else write_postgres, daemon=True
    )
    thread.start()
    return thread


@db_transactional
def test_backup_while_another_connection_writes_is_consistent(
    tmp_path: Path, media_root: Path
) -> None:
    stop, ready, batches = threading.Event(), threading.Event(), []
    thread = _start_writer(stop, batches, ready)
    try:
        assert ready.wait(60), "the writer never committed"
        archive = run_backup(tmp_path)
    finally:
        stop.set()
        thread.join(60)
    assert not thread.is_alive()
    written = Group.objects.count()

    # Restore verifies the snapshot (SQLite: integrity_check; PostgreSQL: pg_restore --list).
    assert restore_command.main([str(archive), "--yes"]) == 0
    restored = Group.objects.count()
    assert restored >= 15
    assert restored % 5 == 0, "the snapshot holds a half-committed transaction"
    assert restored <= written


# --------------------------------------------------------------------------- refusals


def _damage(case: str, archive: Path, tmp_path: Path) -> Path:
    """Return a damaged or foreign file for `case` (the real archive's sidecar is removed
    unless the case is about it, so the archive's own checksums must catch the damage)."""
    members = member_offsets(archive)
    database = members[next(name for name in members if name.startswith("database."))]
    if case != "sidecar_mismatch":
        Path(f"{archive}.sha256").unlink()
    if case == "flip_database_data":
        flip_byte(archive, database.offset_data + database.size // 2)
    elif case == "flip_manifest":
        flip_byte(archive, members["manifest.json"].offset_data + 20)
    elif case == "flip_header":
        flip_byte(archive, members["manifest.json"].offset + 3)
    elif case == "flip_checksum":
        flip_byte(archive, members["CHECKSUM"].offset_data + 5)
    elif case == "flip_padding":
        flip_byte(archive, archive.stat().st_size - 700)
    elif case == "flip_last_byte":
        flip_byte(archive, archive.stat().st_size - 1)
    elif case == "truncated_half":
        archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif case == "truncated_end":
        archive.write_bytes(archive.read_bytes()[: members["CHECKSUM"].offset])
    elif case == "sidecar_mismatch":
        flip_byte(archive, database.offset_data + 1)
    elif case == "empty":
        archive.write_bytes(b"")
    elif case == "random_bytes":
        archive.write_bytes(random.Random(7).randbytes(40_000))
    elif case == "random_tar":
        archive.unlink()
        with tarfile.open(archive, "w") as tar:
            info = tarfile.TarInfo("readme.txt")
            info.size = 5
            tar.addfile(info, io.BytesIO(b"hello"))
    elif case == "tar_named_like_backup":
        archive.unlink()
        with tarfile.open(archive, "w") as tar:
            for name in ("database.sqlite3", "manifest.json", "CHECKSUM"):
                info = tarfile.TarInfo(name)
                info.size = 2
                tar.addfile(info, io.BytesIO(b"{}"))
    elif case == "random_zip":
        archive.unlink()
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("manifest.json", json.dumps({"format": "mamori-backup"}))
    else:
        raise AssertionError(case)
    return archive


REFUSALS = {
    "flip_database_data": {"corrupt"},
    "flip_manifest": {"corrupt"},
    "flip_header": {"corrupt"},
    "flip_checksum": {"corrupt"},
    "flip_padding": {"corrupt"},
    "flip_last_byte": {"corrupt"},
    "truncated_half": {"corrupt"},
    "truncated_end": {"corrupt"},
    "sidecar_mismatch": {"corrupt"},
    "empty": {"empty"},
    "random_bytes": {"unreadable"},
    "random_tar": {"foreign"},
    "tar_named_like_backup": {"corrupt"},
    "random_zip": {"unreadable"},
}


@db_transactional
@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_damaged_or_foreign_file_is_refused_and_nothing_changes(
    case: str, tmp_path: Path, media_root: Path, capsys
) -> None:
    User.objects.create(username="alice")
    archive = run_backup(tmp_path)
    User.objects.create(username="carol")
    (media_root / "later.txt").write_text("kept", encoding="utf-8")
    before_media = media_state(media_root)
    damaged = _damage(case, archive, tmp_path)
    capsys.readouterr()

    assert restore_command.main([str(damaged), "--yes"]) == 1

    err = capsys.readouterr().err
    code = err.split("Error: ", 1)[1].split()[0]
    assert code in REFUSALS[case]
    assert any("\u3040" <= ch <= "\u30ff" for ch in err), "the message is in Japanese first"
    assert usernames() == ["alice", "carol"]
    assert media_state(media_root) == before_media
    leftovers = [p.name for p in media_root.parent.iterdir() if ".restore-" in p.name]
    assert leftovers == []


def _crafted_archive(tmp_path: Path, **overrides) -> Path:
    """A well-formed archive with chosen manifest values (its database is never reached)."""
    database = tmp_path / "db.bin"
    database.write_bytes(b"not reached")
    migrations = [list(key) for key in sorted(backup_command.known_migrations())]
    fields = {
        "engine": connection.vendor,
        "migrations": migrations,
        "format_version": engine.FORMAT_VERSION,
    }
    fields.update(overrides)
    destination = tmp_path / "crafted.tar"
    write_archive(
        destination,
        database_file=database,
        media=[],
        mamori_version="9.9.9",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        **fields,
    )
    return destination


@db_transactional
@pytest.mark.parametrize("variant", ["other_engine", "newer_schema", "newer_format"])
def test_backup_from_elsewhere_is_refused(variant: str, tmp_path: Path, media_root, capsys):
    User.objects.create(username="alice")
    known = [list(key) for key in sorted(backup_command.known_migrations())]
    overrides, expected = {
        "other_engine": ({"engine": other_engine()}, "engine_mismatch"),
        "newer_schema": ({"migrations": [*known, ["core", "9999_future"]]}, "newer_schema"),
        "newer_format": ({"format_version": engine.FORMAT_VERSION + 1}, "format_newer"),
    }[variant]
    archive = _crafted_archive(tmp_path, **overrides)

    assert restore_command.main([str(archive), "--yes"]) == 1
    assert f"Error: {expected}" in capsys.readouterr().err
    assert usernames() == ["alice"]


@pytest.mark.parametrize(
    "bad_name",
    ["files/../../escaped.txt", "ABSOLUTE", "files/./x", "files//x", "elsewhere.txt"],
)
def test_unsafe_member_is_refused_before_anything_is_written(bad_name: str, tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    live = data / "live.sqlite3"
    _make_sqlite_database(live, MIGRATIONS)
    (data / "files").mkdir()
    (data / "files" / "kept.txt").write_text("kept")
    live_before = live.read_bytes()
    if bad_name == "ABSOLUTE":
        bad_name = str(tmp_path / "escaped.txt")
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        for name in ("database.sqlite3", bad_name):
            info = tarfile.TarInfo(name)
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))

    outcome = restore_backup(
        archive,
        DatabaseTarget(engine="sqlite", name=str(live)),
        media_root=data / "files",
        known_migrations=set(MIGRATIONS),
    )

    assert isinstance(outcome, Problem) and outcome.code == "unsafe_member"
    assert not (tmp_path / "escaped.txt").exists()
    assert sorted(p.name for p in data.iterdir()) == ["files", "live.sqlite3"]
    assert media_state(data / "files") == {"kept.txt": b"kept"}
    assert live.read_bytes() == live_before


@db_transactional
def test_symlink_member_is_refused(tmp_path: Path, media_root: Path, capsys) -> None:
    archive = tmp_path / "link.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo(engine.DATABASE_MEMBERS[connection.vendor])
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
        link = tarfile.TarInfo("files/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    assert restore_command.main([str(archive), "--yes"]) == 1
    assert "Error: unsafe_member" in capsys.readouterr().err
    assert not (media_root / "passwd").exists()


# --------------------------------------------------------------------------- the commands


@db_transactional
def test_restore_asks_first_and_cannot_ask_without_a_terminal(
    tmp_path: Path, media_root: Path, capsys
) -> None:
    User.objects.create(username="alice")
    archive = run_backup(tmp_path)
    User.objects.create(username="carol")

    # pytest's stdin is not a terminal: the restore cannot be confirmed and changes nothing.
    assert restore_command.main([str(archive)]) == 1
    assert "--yes" in capsys.readouterr().err
    assert usernames() == ["alice", "carol"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@db_transactional
@pytest.mark.parametrize(
    ("answer", "expected"), [("no\n", ["alice", "carol"]), ("yes\n", ["alice"])]
)
def test_restore_proceeds_only_when_the_answer_is_yes(
    answer: str, expected: list[str], tmp_path: Path, media_root: Path, monkeypatch
) -> None:
    User.objects.create(username="alice")
    archive = run_backup(tmp_path)
    User.objects.create(username="carol")
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))

    assert restore_command.main([str(archive)]) == (0 if answer.startswith("yes") else 1)
    assert usernames() == expected


@db_transactional
def test_restore_check_verifies_without_changing_anything(
    tmp_path: Path, media_root: Path, capsys
) -> None:
    User.objects.create(username="alice")
    archive = run_backup(tmp_path)
    User.objects.create(username="carol")

    assert restore_command.main([str(archive), "--check"]) == 0
    assert usernames() == ["alice", "carol"]
    flip_byte(archive, archive.stat().st_size // 3)
    assert restore_command.main([str(archive), "--check"]) == 1
    assert "Error: corrupt" in capsys.readouterr().err


@db_transactional
def test_backup_never_overwrites_an_existing_file(tmp_path: Path, media_root: Path) -> None:
    existing = tmp_path / "keep.tar"
    existing.write_bytes(b"precious")
    assert backup_command.main(["--output", str(existing)]) == 1
    assert existing.read_bytes() == b"precious"
    named = tmp_path / "new.tar"
    assert backup_command.main(["--output", str(named)]) == 0
    assert restore_command.main([str(named), "--check"]) == 0


@db_transactional
def test_two_backups_in_the_same_second_get_distinct_names(tmp_path: Path, media_root) -> None:
    target, out = current_target(), tmp_path / "out"
    now = datetime(2026, 11, 22, 1, 2, 3, tzinfo=UTC)
    first = create_backup(target, out, media_root=media_root, mamori_version="t", now=now)
    second = create_backup(target, out, media_root=media_root, mamori_version="t", now=now)
    assert isinstance(first, BackupResult) and isinstance(second, BackupResult)
    assert first.path != second.path
    assert {first.path.name, second.path.name} == {p.name for p in out.glob("*.tar")}


# --------------------------------------------------------------------------- failure during apply


@db_transactional
def test_restore_that_cannot_get_the_database_gives_up_and_keeps_the_data(
    tmp_path: Path, media_root: Path
) -> None:
    User.objects.create(username="alice")
    archive = run_backup(tmp_path)
    User.objects.create(username="carol")
    target = current_target()
    known = backup_command.known_migrations()
    before_media = media_state(media_root)

    if target.engine == "sqlite":
        holder = sqlite3.connect(target.name, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # holds the write lock
        holder.execute("INSERT INTO auth_group (name) VALUES ('uncommitted')")
        release = holder.rollback
        close = holder.close
    else:
        import psycopg

        holder = psycopg.connect(**target.pg_conninfo())
        holder.execute("LOCK TABLE auth_user IN ACCESS SHARE MODE")  # blocks DROP TABLE
        release = holder.rollback
        close = holder.close
    try:
        outcome = restore_backup(
            archive,
            target,
            media_root=media_root,
            known_migrations=known,
            limits=Limits(lock_timeout_seconds=0.3),
        )
    finally:
        release()
        close()

    assert isinstance(outcome, Problem)
    if target.engine == "sqlite":
        assert outcome.code == "locked"
    else:
        assert outcome.code == "restore_failed"
        assert "lock timeout" in outcome.detail
    assert usernames() == ["alice", "carol"]
    assert media_state(media_root) == before_media


# --------------------------------------------------------------------------- engine alone (no Django)


def _make_sqlite_database(path: Path, migrations: list[tuple[str, str]], rows: int = 3) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT)")
    db.executemany("INSERT INTO django_migrations (app, name) VALUES (?, ?)", migrations)
    db.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    db.executemany("INSERT INTO note (body) VALUES (?)", [(f"メモ {i}",) for i in range(rows)])
    db.commit()
    db.close()


MIGRATIONS = [("core", "0001_initial"), ("core", "0002_more")]


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory) -> Path:
    """A backup of a hand-made SQLite database and two media files, without its sidecar."""
    base = tmp_path_factory.mktemp("small")
    _make_sqlite_database(base / "source.sqlite3", MIGRATIONS)
    media = base / "media"
    (media / "a").mkdir(parents=True)
    (media / "a" / "x.txt").write_bytes(b"x" * 700)
    (media / "y.bin").write_bytes(bytes(range(256)))
    result = create_backup(
        DatabaseTarget(engine="sqlite", name=str(base / "source.sqlite3")),
        base / "out",
        media_root=media,
        mamori_version="test",
    )
    assert isinstance(result, BackupResult)
    result.checksum_path.unlink()
    return result.path


def test_intact_small_archive_verifies(small_archive: Path, tmp_path: Path) -> None:
    target = DatabaseTarget(engine="sqlite", name=str(tmp_path / "live.sqlite3"))
    summary = verify_backup(small_archive, target, known_migrations=set(MIGRATIONS))
    assert isinstance(summary, BackupSummary)
    assert (summary.files, summary.migrations, summary.pending_migrations) == (2, 2, 0)
    assert not (tmp_path / "live.sqlite3").exists()


@hypothesis_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_flipped_byte_is_refused(small_archive: Path, tmp_path: Path, data) -> None:
    content = bytearray(small_archive.read_bytes())
    position = data.draw(st.integers(0, len(content) - 1), label="position")
    content[position] ^= data.draw(st.integers(1, 255), label="xor")
    damaged = tmp_path / f"flip-{position}.tar"
    damaged.write_bytes(bytes(content))
    target = DatabaseTarget(engine="sqlite", name=str(tmp_path / "live.sqlite3"))

    outcome = verify_backup(damaged, target, known_migrations=set(MIGRATIONS))

    assert isinstance(outcome, Problem), f"byte {position} changed and was not noticed"
    damaged.unlink()


@hypothesis_settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fraction=st.floats(0, 1, exclude_max=True))
def test_any_truncation_is_refused(small_archive: Path, tmp_path: Path, fraction: float) -> None:
    content = small_archive.read_bytes()
    damaged = tmp_path / "truncated.tar"
    damaged.write_bytes(content[: int(len(content) * fraction)])
    target = DatabaseTarget(engine="sqlite", name=str(tmp_path / "live.sqlite3"))
    assert isinstance(verify_backup(damaged, target, known_migrations=set(MIGRATIONS)), Problem)


def test_restore_onto_a_new_machine_creates_the_database(small_archive: Path, tmp_path) -> None:
    live = tmp_path / "new" / "data" / "mamori.sqlite3"
    media = tmp_path / "new" / "data" / "files"
    known = {*MIGRATIONS, ("core", "0003_after_backup")}
    outcome = restore_backup(
        small_archive,
        DatabaseTarget(engine="sqlite", name=str(live)),
        media_root=media,
        known_migrations=known,
    )
    assert isinstance(outcome, RestoreResult)
    assert outcome.summary.pending_migrations == 1
    db = sqlite3.connect(live)
    assert [row[0] for row in db.execute("SELECT body FROM note ORDER BY id")] == [
        "メモ 0",
        "メモ 1",
        "メモ 2",
    ]
    db.close()
    assert media_state(media) == {"a/x.txt": b"x" * 700, "y.bin": bytes(range(256))}
    assert sorted(p.name for p in media.parent.iterdir()) == ["files", "mamori.sqlite3"]


def test_backup_of_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite3"
    outcome = create_backup(
        DatabaseTarget(engine="sqlite", name=str(missing)),
        tmp_path / "out",
        media_root=None,
        mamori_version="t",
    )
    assert isinstance(outcome, Problem) and outcome.code == "database_missing"
    assert not missing.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_backup_of_an_uninitialised_database_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    outcome = create_backup(
        DatabaseTarget(engine="sqlite", name=str(empty)),
        tmp_path / "out",
        media_root=None,
        mamori_version="t",
    )
    assert isinstance(outcome, Problem) and outcome.code == "not_initialized"


def test_media_links_are_left_out_of_the_backup(tmp_path: Path) -> None:
    _make_sqlite_database(tmp_path / "db.sqlite3", MIGRATIONS)
    media = tmp_path / "media"
    media.mkdir()
    (media / "real.txt").write_text("real")
    (media / "link.txt").symlink_to(tmp_path / "db.sqlite3")
    result = create_backup(
        DatabaseTarget(engine="sqlite", name=str(tmp_path / "db.sqlite3")),
        tmp_path / "out",
        media_root=media,
        mamori_version="t",
    )
    assert isinstance(result, BackupResult)
    assert result.skipped_files == ("link.txt",)
    with tarfile.open(result.path) as tar:
        assert "files/real.txt" in tar.getnames()
        assert "files/link.txt" not in tar.getnames()


def test_oversized_extended_header_is_refused_before_parsing(tmp_path: Path) -> None:
    archive = tmp_path / "pax.tar"
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("database.sqlite3")
        info.size = 1
        info.pax_headers = {"comment": "x" * 20_000}
        tar.addfile(info, io.BytesIO(b"x"))
    target = DatabaseTarget(engine="sqlite", name=str(tmp_path / "live.sqlite3"))
    outcome = verify_backup(archive, target, known_migrations=set(MIGRATIONS))
    assert isinstance(outcome, Problem) and outcome.code == "unsafe_member"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "/etc/passwd",
        "../x",
        "files/../x",
        "files/./x",
        "files//x",
        "files/x/",
        "files\\x",
        "files/x\x00y",
        "files/" + "a/" * 40 + "x",
        "files/" + "é" * 200,
        "other.txt",
    ],
)
def test_unsafe_names_are_named_as_unsafe(name: str) -> None:
    assert member_name_problem(name) is not None


@pytest.mark.parametrize("name", ["database.sqlite3", "manifest.json", "files/報告/2026.pdf"])
def test_ordinary_names_are_safe(name: str) -> None:
    assert member_name_problem(name) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    value=json_values,
    keys=st.dictionaries(
        st.sampled_from(
            ["format", "format_version", "engine", "migrations", "members", "created_at"]
        ),
        json_values,
    ),
)
def test_manifest_parser_returns_a_value_for_any_json(value, keys) -> None:
    base = {"format": "mamori-backup", "format_version": 1, "engine": "sqlite"}
    for candidate in (value, {**base, **keys}):
        outcome = parse_manifest(json.dumps(candidate).encode())
        assert isinstance(outcome, Manifest | Problem)


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_manifest_parser_refuses_arbitrary_bytes(data: bytes) -> None:
    assert isinstance(parse_manifest(data), Problem)


def test_password_never_reaches_the_command_line() -> None:
    target = DatabaseTarget(engine="postgresql", name="db", user="u", password="s3cret")
    assert "s3cret" not in repr(target)
    assert target.pg_env()["PGPASSWORD"] == "s3cret"
    assert target.pg_conninfo()["password"] == "s3cret"


# --------------------------------------------------------------------------- origin (install key)


def _rebuild(archive: Path, tmp_path: Path, signer: engine.InstallKey | None) -> Path:
    """The archive with one file added and every checksum recomputed, as someone with write
    access to the backup (but not to the install key) would make it."""
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        tar.extractall(unpacked, filter="data")
    (unpacked / "files" / "evil.txt").parent.mkdir(parents=True, exist_ok=True)
    (unpacked / "files" / "evil.txt").write_text("planted")
    media = [
        (path.relative_to(unpacked).as_posix(), path)
        for path in sorted((unpacked / "files").rglob("*"))
        if path.is_file()
    ]
    forged = tmp_path / "forged.tar"
    digest, _size = write_archive(
        forged,
        engine=manifest["engine"],
        database_file=unpacked / engine.DATABASE_MEMBERS[manifest["engine"]],
        media=media,
        migrations=manifest["migrations"],
        mamori_version=manifest["mamori_version"],
        created_at=datetime.now(UTC),
        signer=signer,
    )
    Path(f"{forged}.sha256").write_text(f"{digest}  {forged.name}\n")
    return forged


@db_transactional
@pytest.mark.parametrize("claim", ["this_install", "no_signature"])
def test_backup_edited_and_rechecksummed_is_refused(
    claim: str, tmp_path: Path, media_root: Path, capsys
) -> None:
    User.objects.create(username="alice")
    archive = run_backup(tmp_path)
    User.objects.create(username="carol")
    own_id = backup_command.install_key().install_id
    signer = engine.InstallKey(own_id, b"a key guessed by the attacker" * 2)
    forged = _rebuild(archive, tmp_path, signer if claim == "this_install" else None)
    capsys.readouterr()

    assert restore_command.main([str(forged), "--yes"]) == 1
    assert restore_command.main([str(forged), "--yes", "--from-install", own_id]) == 1
    err = capsys.readouterr().err
    expected = "forged" if claim == "this_install" else "unsigned"
    assert f"Error: {expected}" in err
    assert "書き換え" in err or "署名がありません" in err
    assert usernames() == ["alice", "carol"]
    assert not (media_root / "evil.txt").exists()


@db_transactional
def test_backup_of_another_install_needs_its_id_and_is_audited(
    settings, tmp_path: Path, media_root: Path, capsys
) -> None:
    from mamori.audit.verify import verify_chain

    own_key = settings.INSTALL_KEY_FILE
    settings.INSTALL_KEY_FILE = tmp_path / "other-install" / "install_key"
    other_id = backup_command.install_key().install_id
    User.objects.create(username="from-elsewhere")
    record("other.install.event")
    foreign = run_backup(tmp_path)
    settings.INSTALL_KEY_FILE = own_key
    User.objects.filter(username="from-elsewhere").delete()
    User.objects.create(username="ours")
    capsys.readouterr()

    assert restore_command.main([str(foreign), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "Error: foreign_install" in err and f"--from-install {other_id}" in err
    assert restore_command.main([str(foreign), "--yes", "--from-install", "mi-someone-else"]) == 1
    assert usernames() == ["ours"]

    assert restore_command.main([str(foreign), "--yes", "--from-install", other_id]) == 0
    assert usernames() == ["from-elsewhere"]
    restored = AuditEvent.objects.get(action="backup.restored")
    assert restored.changes["origin"] == "foreign"
    assert restored.changes["install_id"] == other_id
    assert AuditEvent.objects.filter(action="audit.chain_rekeyed").exists()
    # The other install's chain now carries this install's key: verify is clean.
    report = verify_chain()
    assert report.intact, [p.code for p in report.problems]


@db_transactional
def test_restoring_our_own_backup_is_audited_and_the_trail_still_verifies(
    tmp_path: Path, media_root: Path
) -> None:
    from mamori.audit.verify import verify_chain

    record("before.backup")
    archive = run_backup(tmp_path)
    record("after.backup")  # rolled back by the restore: not a tampering
    assert restore_command.main([str(archive), "--yes"]) == 0

    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True))[-2:] == [
        "before.backup",
        "backup.restored",
    ]
    report = verify_chain()
    assert report.intact, [p.code for p in report.problems]
    assert report.reset is not None and report.reset.reset == "restored"


@db_transactional
def test_unsigned_backup_needs_allow_unsigned(tmp_path: Path, media_root: Path, capsys) -> None:
    User.objects.create(username="alice")
    target = current_target()
    result = create_backup(target, tmp_path / "old", media_root=media_root, mamori_version="1")
    assert isinstance(result, BackupResult)
    User.objects.create(username="carol")
    assert restore_command.main([str(result.path), "--yes"]) == 1
    assert "Error: unsigned" in capsys.readouterr().err
    assert restore_command.main([str(result.path), "--yes", "--allow-unsigned"]) == 0
    assert usernames() == ["alice"]
    assert AuditEvent.objects.get(action="backup.restored").changes["origin"] == "unsigned"


@db_transactional
def test_audit_verify_compares_the_head_recorded_in_backups(
    settings, tmp_path: Path, media_root: Path, capsys
) -> None:
    from mamori.audit.command import main as audit_main

    settings.AUDIT_HEAD_FILE = tmp_path / "no-head-file.log"
    for n in range(3):
        record("test.event", changes={"n": n})
    settings.AUDIT_HEAD_FILE = tmp_path / "lost-head-file.log"  # only the backup knows
    archive = run_backup(tmp_path)
    last = AuditEvent.objects.order_by("-id").first()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [last.id])
    capsys.readouterr()

    assert audit_main(["verify", "--backups", str(archive.parent)]) == 1
    out = capsys.readouterr().out
    assert f"The newest event #{last.seq} is missing" in out
    assert f"backup {archive.name}" in out
