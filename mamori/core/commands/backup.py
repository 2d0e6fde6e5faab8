"""`mamori backup [--output DIR_OR_FILE]`: write a consistent, checksummed backup.

Also holds the small Django glue (database target, known migrations) that `mamori restore`
shares; the work itself is done by mamori.core.backup, which does not import Django.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from mamori.core.backup import (
    DatabaseTarget,
    InstallKey,
    Origin,
    Problem,
    create_backup,
    problem,
    read_backup_head,
)

BACKUP_KEY_PURPOSE = "backup-signature.v1"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()


def database_target(settings_dict: dict[str, Any]) -> DatabaseTarget | Problem:
    """The backup target described by one entry of settings.DATABASES."""
    engine = str(settings_dict.get("ENGINE", ""))
    options = settings_dict.get("OPTIONS") or {}
    if engine.endswith("sqlite3"):
        name = str(settings_dict.get("NAME") or "")
        if not name or name == ":memory:" or name.startswith("file:"):
            return problem("unsupported_engine", "in-memory SQLite")
        return DatabaseTarget(engine="sqlite", name=name)
    if "postgresql" in engine:
        return DatabaseTarget(
            engine="postgresql",
            name=str(settings_dict.get("NAME") or ""),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
            options=tuple((str(k), str(v)) for k, v in options.items() if isinstance(v, str | int)),
        )
    return problem("unsupported_engine", engine)


def default_target() -> DatabaseTarget | Problem:
    from django.conf import settings

    return database_target(settings.DATABASES["default"])


def install_key() -> InstallKey:
    """This install's id and backup-signing key (from the install key file, never the database)."""
    from mamori.core.install import install_identity

    identity = install_identity()
    return InstallKey(install_id=identity.install_id, key=identity.derive(BACKUP_KEY_PURPOSE))


def origin(accept_install: str | None = None, allow_unsigned: bool = False) -> Origin:
    return Origin(own=install_key(), accept_install=accept_install, allow_unsigned=allow_unsigned)


def backup_heads(folders: list[Path]) -> list[Any]:
    """The audit heads recorded in this install's signed backups found in `folders`."""
    from mamori.audit.head import Head, parse_time

    own = install_key()
    heads = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for archive in sorted(folder.glob("*.tar")):
            found = read_backup_head(archive, own)
            if found is None:
                continue
            created_at, head = found
            at = parse_time(created_at)
            if at is not None:
                heads.append(Head(seq=head.seq, hash=head.hash, at=at, source=archive.name))
    return heads


def known_migrations() -> set[tuple[str, str]]:
    """Every migration this code knows, including those a squashed migration replaces."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update((app, name) for app, name in migration.replaces)
    return known


def print_problem(outcome: Problem) -> None:
    import sys

    print(f"エラー / Error: {outcome.code}", file=sys.stderr)
    print(outcome.describe(), file=sys.stderr)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="mamori backup",
        description=(
            "データベースとアップロードファイルを、チェックサム付きの1つのファイルに保存します。"
            " / Save the database and uploaded files into one checksummed file."
        ),
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=(
            "保存先のフォルダ、または .tar で終わるファイル名（既定: データフォルダ/backups）。"
            " / A folder, or a file name ending in .tar (default: DATA_DIR/backups)."
        ),
    )
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings

    import mamori

    target = default_target()
    if isinstance(target, Problem):
        print_problem(target)
        return 1
    output = args.output or Path(settings.DATA_DIR) / "backups"
    from mamori.core.storage import files_elsewhere

    # Uploaded files in an S3 bucket are not copied here: the bucket is backed up on the object
    # store's side (README "Several nodes: shared files"); the manifest names it.
    elsewhere = files_elsewhere()
    media_root = Path(settings.MEDIA_ROOT) if settings.MEDIA_ROOT and not elsewhere else None
    outcome = create_backup(
        target,
        output,
        media_root=media_root,
        mamori_version=mamori.__version__,
        signer=install_key(),
        files_elsewhere=elsewhere,
    )
    if isinstance(outcome, Problem):
        print_problem(outcome)
        return 1
    print(f"バックアップを作成しました / Backup written: {outcome.path}")
    print(f"  sha256: {outcome.sha256}  ({outcome.size} bytes; {outcome.checksum_path.name})")
    print(f"  インストール ID / install id: {install_key().install_id} (署名済み / signed)")
    print(
        f"  データベース / database: {outcome.engine}, "
        f"マイグレーション / migrations: {outcome.migrations}, "
        f"ファイル / files: {outcome.files}"
    )
    if elsewhere:
        print(
            f"  アップロードファイルは {elsewhere} にあり、このバックアップには含まれません。"
            "バケット側（バージョニング、複製）でバックアップしてください。"
            f"\n  Uploaded files are in {elsewhere}, not in this backup:"
            " back the bucket up on the storage side (versioning, replication)."
        )
    if outcome.skipped_files:
        shown = ", ".join(outcome.skipped_files[:10])
        print(f"  対象外（リンク等） / skipped (links etc.): {shown}")
    print(
        "  このファイルにはパスワードのハッシュ等が含まれます。別の場所に安全に保管してください。"
        "\n  It holds password hashes and other secrets: keep a copy elsewhere, safely."
    )
    # Each organisation's backup register shows this run (its "mamori" row, issue 17).
    from mamori.continuity.services import record_from_cli

    record_from_cli("backup", outcome.path.name)
    return 0
