"""`mamori restore FILE [--yes] [--check]`: verify a backup, then replace everything with it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mamori.core.backup import BackupSummary, Problem, restore_backup, verify_backup
from mamori.core.commands.backup import (
    default_target,
    known_migrations,
    print_problem,
    setup_django,
)


def describe_summary(summary: BackupSummary) -> str:
    sidecar = "確認済み / verified" if summary.sidecar_checked else "なし / none beside the file"
    return "\n".join(
        [
            f"  ファイル / file: {summary.path}",
            f"  作成日時 / created: {summary.created_at}  (mamori {summary.mamori_version})",
            f"  データベース / database: {summary.engine}, {summary.database_bytes} bytes",
            f"  マイグレーション / migrations: {summary.migrations}",
            f"  ファイル / files: {summary.files}",
            f"  .sha256: {sidecar}",
        ]
    )


def ask_confirmation(summary: BackupSummary) -> bool:
    print("検証に成功しました / The backup verified:")
    print(describe_summary(summary))
    if not sys.stdin.isatty():
        print(
            "確認の入力ができません。--yes を付けて実行してください。\n"
            "Cannot ask for confirmation (no terminal); run again with --yes.",
            file=sys.stderr,
        )
        return False
    print(
        "今のデータベースとアップロードファイルは、すべてこのバックアップの内容に置き換わります。\n"
        "The current database and uploaded files will ALL be replaced by this backup."
    )
    answer = input("続けるには yes と入力 / type yes to continue: ")
    return answer.strip().lower() == "yes"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="mamori restore",
        description=(
            "`mamori backup` のファイルを検証して復元します。壊れたファイルや他のファイルは拒否し、"
            "その場合は何も変更しません。 / Verify and restore a `mamori backup` file; a damaged"
            " or foreign file is refused and nothing is changed."
        ),
    )
    parser.add_argument("file", type=Path, help="バックアップファイル / the backup file")
    parser.add_argument(
        "--yes", action="store_true", help="確認を省略する / do not ask for confirmation"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="検証だけ行い、何も変更しない / only verify; change nothing",
    )
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connections

    target = default_target()
    if isinstance(target, Problem):
        print_problem(target)
        return 1
    known = known_migrations()
    # A PostgreSQL dump is unpacked in the data folder rather than a possibly small /tmp.
    work_dir = Path(settings.DATA_DIR) / "tmp"
    if args.check:
        summary = verify_backup(args.file, target, known_migrations=known, work_dir=work_dir)
        if isinstance(summary, Problem):
            print_problem(summary)
            return 1
        print("検証に成功しました / The backup verified:")
        print(describe_summary(summary))
        return 0
    # Our own idle connection must not hold a lock the restore has to wait for.
    connections.close_all()
    media_root = Path(settings.MEDIA_ROOT) if settings.MEDIA_ROOT else None
    confirm = (lambda summary: True) if args.yes else ask_confirmation
    outcome = restore_backup(
        args.file,
        target,
        media_root=media_root,
        known_migrations=known,
        confirm=confirm,
        work_dir=work_dir,
    )
    if isinstance(outcome, Problem):
        print_problem(outcome)
        return 1
    print("復元しました / Restored:")
    print(describe_summary(outcome.summary))
    print(
        "  動作中の mamori serve / mamori worker は再起動してください。\n"
        "  Restart any running `mamori serve` / `mamori worker` processes."
    )
    if outcome.summary.pending_migrations:
        print(
            f"  このバックアップの後に追加されたマイグレーションが {outcome.summary.pending_migrations}"
            " 件あります。`mamori manage migrate` を実行してください（`mamori serve` は起動時に"
            f"自動で実行します）。\n  {outcome.summary.pending_migrations} migration(s) are newer"
            " than this backup: run `mamori manage migrate` (`mamori serve` applies them when it"
            " starts)."
        )
    return 0
