"""`mamori restore FILE [--yes] [--check] [--from-install ID] [--allow-unsigned]`: verify a
backup (integrity and origin), then replace everything with it, and audit the restore.

A backup is accepted when this install signed it; one from another install only when the
operator names that install (`--from-install`), and then the restored audit trail is re-keyed
with this install's key; an unsigned (format 1) backup only with `--allow-unsigned`. A current
SQLite file that cannot be read any more is moved aside (kept) and replaced."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mamori.core.backup import BackupSummary, Problem, restore_backup, verify_backup
from mamori.core.commands.backup import (
    default_target,
    install_key,
    known_migrations,
    origin,
    print_problem,
    setup_django,
)

ORIGINS = {
    "own": "このインストールの署名を確認 / signed by this install",
    "foreign": "別のインストール（--from-install で指定） / another install, named by --from-install",
    "unsigned": "署名なし（--allow-unsigned） / not signed, allowed by --allow-unsigned",
    "unchecked": "未確認 / not checked",
}


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
            f"  作成元 / origin: {summary.install_id or '-'} — {ORIGINS[summary.origin]}",
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
        help=(
            "検証だけ行い、データは変更しない（検証の成功はバックアップ台帳に記録）/ only verify;"
            " change no data (a successful check is recorded in the backup register)"
        ),
    )
    parser.add_argument(
        "--from-install",
        metavar="ID",
        help=(
            "別のインストールのバックアップを、その ID を指定して受け入れる / accept a backup "
            "made by the install with this id (another install)"
        ),
    )
    parser.add_argument(
        "--allow-unsigned",
        action="store_true",
        help=(
            "署名のない古い形式のバックアップを受け入れる / accept an unsigned backup of the "
            "old format"
        ),
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
    accepted = origin(args.from_install, args.allow_unsigned)
    # A PostgreSQL dump is unpacked in the data folder rather than a possibly small /tmp.
    work_dir = Path(settings.DATA_DIR) / "tmp"
    if args.check:
        summary = verify_backup(
            args.file, target, known_migrations=known, work_dir=work_dir, origin=accepted
        )
        if isinstance(summary, Problem):
            print_problem(summary)
            explain_refusal(summary)
            return 1
        print("検証に成功しました / The backup verified:")
        print(describe_summary(summary))
        # A verified backup counts as a restore test of mamori's own backup row (issue 17).
        from mamori.continuity.services import record_from_cli

        record_from_cli("verify", args.file.name, summary.created_at)
        return 0
    # Our own idle connection must not hold a lock the restore has to wait for.
    connections.close_all()
    from mamori.core.storage import files_elsewhere

    # With MAMORI_STORAGE=s3 the uploaded files live in the bucket, restored from its own
    # versions or backup (README "Several nodes: shared files"); the unused local folder is left.
    elsewhere = files_elsewhere()
    media_root = Path(settings.MEDIA_ROOT) if settings.MEDIA_ROOT and not elsewhere else None
    confirm = (lambda summary: True) if args.yes else ask_confirmation
    outcome = restore_backup(
        args.file,
        target,
        media_root=media_root,
        known_migrations=known,
        confirm=confirm,
        work_dir=work_dir,
        origin=accepted,
    )
    if isinstance(outcome, Problem):
        print_problem(outcome)
        explain_refusal(outcome)
        return 1
    print("復元しました / Restored:")
    print(describe_summary(outcome.summary))
    if elsewhere:
        print(
            f"  アップロードファイルは {elsewhere} にあります。バケットの版管理やバックアップから"
            "同じ時点に戻してください（このアーカイブのファイルは復元していません）。"
            f"\n  Uploaded files are in {elsewhere}: bring the bucket back to the same moment from"
            " its versions or backup (files in this archive were not restored)."
        )
    for kept in outcome.damaged_kept:
        print(f"  壊れていたファイルを残しました / the damaged file is kept as: {kept}")
    audited = audit_restore(args.file, outcome.summary, outcome.damaged_kept)
    if not audited:
        return 1
    from mamori.continuity.services import record_from_cli

    record_from_cli("restore", args.file.name, outcome.summary.created_at)
    print(
        "  動作中の mamori serve / mamori worker は再起動してください。\n"
        "  Restart any running `mamori serve` / `mamori worker` processes."
    )
    return 0


def explain_refusal(outcome: Problem) -> None:
    if outcome.code == "foreign_install":
        print(
            f"  例 / e.g.: mamori restore … --from-install {outcome.detail}\n"
            f"  このインストールの ID / this install's id: {install_key().install_id}",
            file=sys.stderr,
        )


def audit_restore(archive: Path, summary: BackupSummary, damaged: tuple[Path, ...]) -> bool:
    """Bring the restored schema up to date, re-key another install's audit trail, and record
    the restore in the audit trail (and as a reset in the head file)."""
    from django.db import connections

    from mamori.audit.services import mark_replaced, record, rekey_chain
    from mamori.core.migrate import MigrationFailed, migrate_all_or_nothing

    connections.close_all()
    if summary.pending_migrations:
        try:
            migrate_all_or_nothing()
        except MigrationFailed as error:
            print(
                "  復元したデータベースの更新（マイグレーション）に失敗しました。"
                "`mamori manage migrate` を実行してください。\n"
                f"  Updating the restored database failed: run `mamori manage migrate`. ({error})",
                file=sys.stderr,
            )
            return False
        print(
            f"  マイグレーションを {summary.pending_migrations} 件適用しました / applied "
            f"{summary.pending_migrations} migration(s) newer than the backup"
        )
    changes = {
        "file": archive.name,
        "created_at": summary.created_at,
        "origin": summary.origin,
        "install_id": summary.install_id or "",
        "damaged_file_kept": [str(path) for path in damaged],
    }
    note = f"{archive.name} ({summary.origin}, {summary.install_id or 'unsigned'})"
    if summary.origin == "foreign":
        # Its chain was keyed by the other install: re-key it with ours, once, audited.
        result = rekey_chain("restored", note=note)
        print(
            f"  監査ログ {result.events} 件をこのインストールの鍵で再計算しました / re-keyed "
            f"{result.events} audit events with this install's key"
        )
    else:
        mark_replaced("restored", note=note)
    record("backup.restored", object_repr=archive.name, changes=changes)
    return True
