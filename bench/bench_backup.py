"""Backup, verify and restore of a ~100 MB SQLite database, beside a plain file copy of the
same file (the baseline) measured in the same run.

    .venv/bin/python bench/bench_backup.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mamori.core.backup import (  # noqa: E402 - after the path is set
    BackupResult,
    BackupSummary,
    DatabaseTarget,
    RestoreResult,
    create_backup,
    restore_backup,
    verify_backup,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    rows = 10_000 if parser.parse_args().quick else 100_000
    base = Path(tempfile.mkdtemp(prefix="mamori-bench-backup-"))
    source = base / "live.sqlite3"
    db = sqlite3.connect(source)
    db.execute("pragma journal_mode=wal")
    db.execute("create table django_migrations(id integer primary key, app, name)")
    db.execute("insert into django_migrations(app, name) values ('core', '0001')")
    db.execute("create table t(id integer primary key, body text)")
    blob = "あ" * 300
    db.executemany("insert into t(body) values (?)", ((blob + str(i),) for i in range(rows)))
    db.commit()
    db.close()
    size_mb = source.stat().st_size / 1e6

    start = time.perf_counter()
    shutil.copyfile(source, base / "copy.sqlite3")
    copy_s = time.perf_counter() - start

    target = DatabaseTarget("sqlite", str(source))
    known = {("core", "0001")}
    start = time.perf_counter()
    result = create_backup(target, base / "out", media_root=None, mamori_version="bench")
    backup_s = time.perf_counter() - start
    assert isinstance(result, BackupResult), result
    start = time.perf_counter()
    summary = verify_backup(result.path, target, known_migrations=known)
    verify_s = time.perf_counter() - start
    assert isinstance(summary, BackupSummary), summary
    start = time.perf_counter()
    restored = restore_backup(result.path, target, media_root=None, known_migrations=known)
    restore_s = time.perf_counter() - start
    assert isinstance(restored, RestoreResult), restored
    shutil.rmtree(base)

    print(
        f"database {size_mb:.1f} MB; plain copy {copy_s:.3f}s; backup {backup_s:.3f}s; "
        f"verify {verify_s:.3f}s; restore {restore_s:.3f}s"
    )
    print(
        json.dumps(
            {
                "name": "backup_sqlite",
                "database_mb": round(size_mb, 1),
                "backup_s": round(backup_s, 3),
                "verify_s": round(verify_s, 3),
                "restore_s": round(restore_s, 3),
                "baseline": "plain file copy of the same database",
                "baseline_s": round(copy_s, 3),
                "ratio": round(backup_s / copy_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
