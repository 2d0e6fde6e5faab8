"""`mamori rotate-keys`: re-encrypt every stored secret from the old key to the new one.

Two ways (stop `mamori serve` and the workers first; start them again afterwards):

* ``mamori rotate-keys --generate`` — the key lives in the data directory (no
  MAMORI_SECRET_KEY): a new key is made, every secret re-encrypted to it, then the key file is
  replaced. The old key is not kept.
* with MAMORI_SECRET_KEY set to the NEW key and the old one in MAMORI_SECRET_KEY_FALLBACKS (or in
  a file given with ``--old-key-file``): ``mamori rotate-keys`` re-encrypts to the new key; then
  remove the fallback.

Sessions are signed with the key too: everyone signs in again after a rotation.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path


def _write_key(path: Path, key: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o600)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="mamori rotate-keys",
        description="保存している秘密情報を新しい鍵で暗号化し直します / Re-encrypt every stored "
        "secret (channel passwords and webhook URLs, the report mailbox password, TOTP seeds) "
        "from the old key to the new one.",
    )
    parser.add_argument(
        "--generate",
        action="store_true",
        help="新しい鍵を作り、データフォルダの鍵を置き換えます / make a new key and replace the "
        "key file in the data directory (only when MAMORI_SECRET_KEY is not set)",
    )
    parser.add_argument(
        "--old-key-file",
        type=Path,
        help="古い鍵を書いたファイル / a file holding the old key (in addition to "
        "MAMORI_SECRET_KEY_FALLBACKS)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="数えるだけで書き換えません / count only"
    )
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from django.conf import settings

    from mamori.core.rotate import rotate

    old_keys = list(settings.SECRET_KEY_FALLBACKS or [])
    if options.old_key_file is not None:
        try:
            old_keys.append(options.old_key_file.read_text().strip())
        except OSError as error:
            print(
                f"mamori rotate-keys: 古い鍵を読めません / cannot read the old key: {error}",
                file=sys.stderr,
            )
            return 2
    key_file = Path(settings.DATA_DIR) / "secret_key"
    new_key = settings.SECRET_KEY
    pending: Path | None = None
    if options.generate:
        if os.environ.get("MAMORI_SECRET_KEY", "").strip():
            print(
                "mamori rotate-keys: MAMORI_SECRET_KEY が設定されています。新しい鍵をそこに設定し、"
                "古い鍵を MAMORI_SECRET_KEY_FALLBACKS に入れて --generate なしで実行してください / "
                "MAMORI_SECRET_KEY is set: put the new key there, the old one in "
                "MAMORI_SECRET_KEY_FALLBACKS, and run without --generate.",
                file=sys.stderr,
            )
            return 2
        old_keys.insert(0, settings.SECRET_KEY)
        new_key = secrets.token_urlsafe(50)
        if not options.dry_run:
            # Written first: should anything fail after the database commit, the key is on disk.
            pending = key_file.with_name("secret_key.new")
            _write_key(pending, new_key)
    report = rotate(new_key, old_keys, dry_run=options.dry_run)
    if pending is not None:
        os.replace(pending, key_file)
    for column in report.columns:
        print(
            f"{column.label}: 再暗号化 rotated {column.rotated}, 暗号化 encrypted "
            f"{column.encrypted_plain}, 変更不要 already current {column.current}, "
            f"読めない unreadable {column.unreadable}"
        )
    if report.stale_recovery_codes:
        print(
            f"回復コード {report.stale_recovery_codes} 件は古い鍵のままです（作り直すまで古い鍵を "
            f"MAMORI_SECRET_KEY_FALLBACKS に残すと使えます） / {report.stale_recovery_codes} "
            "recovery code(s) were made under an old key: they work while that key stays in "
            "MAMORI_SECRET_KEY_FALLBACKS; their users should make new ones."
        )
    if report.unreadable:
        print(
            "読めない値があります: 正しい古い鍵を指定して再実行してください / some values could "
            "not be read with any key given: run again with the right old key.",
            file=sys.stderr,
        )
        return 1
    if options.dry_run:
        print("(dry run: nothing was written)")
    elif options.generate:
        print(
            "新しい鍵に切り替えました。mamori を再起動してください / switched to the new key: "
            "restart mamori."
        )
    return 0
