"""`mamori migrate`: apply database migrations all-or-nothing, once, then exit.

For several machines or containers: run it once per upgrade (or as a one-shot service before
the others start) and start the web processes with `mamori serve --no-migrate`. Several started
together take turns (mamori.core.migrate_lock); the later ones find nothing left and exit 0.
`--check` changes nothing: exit 1 when migrations are waiting, listing them.
"""

from __future__ import annotations

import argparse
import os
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mamori migrate",
        description="データベースを更新します / Apply database migrations.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="変更せず、未適用の更新があれば終了コード 1 / change nothing; exit 1 when some wait",
    )
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from mamori.core.dbcheck import startup_problem

    problem = startup_problem()  # a damaged SQLite file: say what to do instead of migrating
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    if options.check:
        from mamori.core.migrate import pending_migrations

        pending = pending_migrations()
        for name in pending:
            print(name)
        print(f"mamori: {len(pending)} migration(s) not applied", file=sys.stderr)
        return 1 if pending else 0
    from mamori.core.migrate_lock import migrate_locked

    status = migrate_locked(out=sys.stdout, err=sys.stderr)
    if status == 0:
        print("mamori: データベースは最新です / the database is up to date")
    return status
