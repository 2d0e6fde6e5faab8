"""The `mamori` command.

Each sub-command lives in its own module as `main(argv: list[str]) -> int`; this table is the
one place that lists them. Commands that need no database (check-mail, intel match on files)
never import Django.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("mamori.core.commands.serve", "Apply migrations and run the web app (and a worker)"),
    "worker": ("mamori.core.commands.worker", "Run background workers only"),
    "migrate": (
        "mamori.core.commands.migrate",
        "Apply database migrations (once; others starting together wait)",
    ),
    "demo": ("mamori.core.commands.demo", "Create a populated demo organisation"),
    "backup": ("mamori.core.commands.backup", "Write a consistent, checksummed backup"),
    "restore": ("mamori.core.commands.restore", "Restore a backup written by `mamori backup`"),
    "audit": ("mamori.audit.command", "Audit trail tools: `mamori audit verify`"),
    "rotate-keys": (
        "mamori.core.commands.rotate_keys",
        "Re-encrypt stored secrets from the old key to a new one",
    ),
    "check-mail": ("mamori.mailcheck.command", "Check suspicious mail files (no server needed)"),
    "smtpd": ("mamori.mailcheck.smtpd_command", "Receive mail for the check addresses and reply"),
    "intel": ("mamori.intel.command", "Import advisories and match products"),
    "manage": ("mamori.core.commands.manage", "Run a Django management command"),
}


def usage() -> str:
    lines = ["usage: mamori COMMAND [options]", "", "commands:"]
    for name, (_module, summary) in COMMANDS.items():
        lines.append(f"  {name:<12} {summary}")
    lines.append("")
    lines.append("`mamori COMMAND --help` shows the options of one command.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"mamori: unknown command {name!r}\n", file=sys.stderr)
        print(usage(), file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
