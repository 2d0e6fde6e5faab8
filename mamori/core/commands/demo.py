"""`mamori demo`: create (or reset) the demo organisation and print its sign-in details."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str]) -> int:
    argparse.ArgumentParser(
        prog="mamori demo",
        description="デモ用の組織を作成します（再実行でリセット） / Create or reset the demo organisation.",
    ).parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from django.conf import settings

    from mamori.core.demo import run
    from mamori.core.i18n import compile_catalogs
    from mamori.core.migrate import MigrationFailed, migrate_all_or_nothing

    compile_catalogs()
    try:
        migrate_all_or_nothing()
    except MigrationFailed as error:
        print(f"mamori demo: migration failed, nothing changed: {error}", file=sys.stderr)
        return 1
    # Demo mails (invitations, alerts) stay in memory: never sent, never dumped as MIME here.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ctx = run()
    print(f"デモ組織を作成しました / demo organisation ready: {ctx.org.name}")
    print(f"  {settings.BASE_URL}/o/{ctx.org.slug}/")
    print("ログイン情報 / sign-in details (passwords change each time `mamori demo` runs):")
    for role, user in ctx.users.items():
        print(f"  {role:<7} {user.email:<26} {ctx.passwords[role]}")
    for note in ctx.notes:
        print(f"  - {note}")
    print("`mamori serve` を起動してブラウザで開いてください / start `mamori serve` and sign in.")
    print(
        "  別のポートで起動した場合はそのポートを開いてください / "
        "if you serve on another port (--port), open that port instead."
    )
    return 0
