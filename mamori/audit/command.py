"""`mamori audit verify`: check the audit trail's keyed hash chain and compare it with the heads
recorded outside the database (the head file and this install's backups)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def _bilingual(render) -> list[str]:  # type: ignore[no-untyped-def]
    from django.utils import translation

    lines = []
    for language in ("ja", "en"):
        with translation.override(language):
            lines.append(render())
    return [lines[0]] if lines[0] == lines[1] else [lines[0], f"  {lines[1]}"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="mamori audit",
        description="監査ログの検証 / Audit trail tools.",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    verify = sub.add_parser(
        "verify",
        help=(
            "改ざん・削除を検査（見つかれば終了コード 1） / verify the chain and the recorded "
            "heads; exit 1 when tampering is found"
        ),
    )
    verify.add_argument(
        "--backups",
        type=Path,
        action="append",
        help=(
            "バックアップのフォルダ（既定: データフォルダ/backups） / a folder of backups whose "
            "recorded heads are compared too (default: DATA_DIR/backups)"
        ),
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from mamori.audit.verify import verify_chain
    from mamori.core.commands.backup import backup_heads

    folders = args.backups or [Path(settings.DATA_DIR) / "backups"]
    report = verify_chain(extra_heads=backup_heads(folders))
    for item in [*report.problems, *report.warnings]:
        for line in _bilingual(item.text):
            print(line)
    if report.problems:
        for line in _bilingual(
            lambda: (
                ngettext(
                    "Audit trail: %(events)s events checked; %(count)s problem found.",
                    "Audit trail: %(events)s events checked; %(count)s problems found.",
                    len(report.problems),
                )
                % {"events": report.events, "count": len(report.problems)}
            )
        ):
            print(line)
        return 1
    for line in _bilingual(
        lambda: (
            _(
                "Audit trail: %(events)s events checked, compared with %(heads)s recorded heads; "
                "intact."
            )
            % {"events": report.events, "heads": report.heads_checked}
        )
    ):
        print(line)
    return 0
