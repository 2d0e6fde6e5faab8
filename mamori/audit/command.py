"""`mamori audit verify`: check the hash chain of the audit trail."""

from __future__ import annotations

import argparse
import os


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mamori audit")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("verify", help="verify the hash chain; exit 1 when tampering is found")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from mamori.audit.services import verify_chain

    if args.action == "verify":
        count, problems = verify_chain()
        for problem in problems:
            print(f"event {problem.event_id}: {problem.problem}")
        if problems:
            print(f"audit trail: {count} events checked, {len(problems)} problem(s) found")
            return 1
        print(f"audit trail: {count} events checked, chain intact")
    return 0
