"""`mamori check-mail PATH...`: check mail files from the command line, no database needed.

Reads .eml files, Outlook .msg files, mbox files and Maildir folders (directories are searched
recursively). Prints a table (Japanese by default, `--lang en`) or one JSON object per message
(`--json`). Exit status: 0 all safe, 1 caution, 2 danger, 3 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import csv
import json
import mailbox
import os
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .engine import Context, Report, analyse
from .engine.model import VERDICT_LABELS, VERDICT_RANK
from .ppap import pair
from .reply import SEVERITY_LABELS

EXIT_USAGE = 3
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_FILES = 100_000

TEXTS: dict[str, dict[str, str]] = {
    "header": {"ja": "判定      スコア  件名", "en": "Verdict   Score  Subject"},
    "from": {"ja": "差出人", "en": "From"},
    "file": {"ja": "ファイル", "en": "File"},
    "summary": {
        "ja": "{n} 通を検査: 危険 {d} / 注意 {c} / 安全そう {s}",
        "en": "{n} message(s): danger {d} / caution {c} / safe {s}",
    },
    "unreadable": {"ja": "読み取れません", "en": "cannot read"},
    "ppap": {
        "ja": "PPAP（パスワード付きZIPとパスワードの別送）",
        "en": "PPAP (password zip + password mail)",
    },
    "no_subject": {"ja": "（件名なし）", "en": "(no subject)"},
}


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mamori check-mail",
        description="不審メールを検査します / Check suspicious mail files "
        "(.eml, .msg, mbox, Maildir). Exit: 0 safe, 1 caution, 2 danger, 3 usage/unreadable.",
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="files, directories, mbox or Maildir; - for stdin"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per message per line")
    parser.add_argument(
        "--lang", choices=("ja", "en"), default="ja", help="table language (default ja)"
    )
    parser.add_argument(
        "--trusted-domains",
        default="",
        metavar="A,B",
        help="own and partner domains, comma-separated",
    )
    parser.add_argument("--contacts", metavar="FILE", help="CSV of name,address of known contacts")
    return parser


def read_contacts(path: str) -> dict[str, list[str]]:
    contacts: dict[str, list[str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) < 2 or not row[0].strip() or "@" not in row[1]:
                continue  # header line or blank
            contacts.setdefault(row[0].strip(), []).append(row[1].strip().lower())
    return contacts


def _is_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def iter_messages(path: Path, errors: list[str]) -> Iterator[tuple[str, bytes]]:
    """(name, raw bytes) for every message under path; unreadable inputs go to errors."""
    if str(path) == "-":  # one mail piped in, e.g. from a mail client's "pipe to command"
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            errors.append(f"stdin: larger than {MAX_FILE_BYTES} bytes")
        elif data:
            yield "stdin", data
        else:
            errors.append("stdin: empty")
        return
    if path.is_dir():
        if _is_maildir(path):
            try:
                box = mailbox.Maildir(str(path), factory=None, create=False)
                for key in sorted(box.keys()):
                    yield f"{path}:{key}", box.get_bytes(key)
            except Exception as exc:
                errors.append(f"{path}: {exc}")
            return
        count = 0
        for child in sorted(path.rglob("*")):
            if child.is_file() and not any(
                p.startswith(".") for p in child.relative_to(path).parts
            ):
                count += 1
                if count > MAX_FILES:
                    errors.append(f"{path}: more than {MAX_FILES} files")
                    return
                yield from iter_messages(child, errors)
        return
    if not path.is_file():
        errors.append(f"{path}: not found")
        return
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            errors.append(f"{path}: larger than {MAX_FILE_BYTES} bytes")
            return
        if _is_mbox(path):
            box = mailbox.mbox(str(path), factory=None, create=False)
            for index, key in enumerate(box.keys()):
                yield f"{path}#{index + 1}", box.get_bytes(key)
            return
        yield str(path), path.read_bytes()
    except OSError as exc:
        errors.append(f"{path}: {exc.strerror or exc}")


def _pad(text: str, width: int) -> str:
    """Left-justify by display columns: Japanese characters take two."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def _print_table(reports: list[Report], lang: str, stream: TextIO) -> None:
    print(TEXTS["header"][lang], file=stream)
    print("-" * 60, file=stream)
    for report in reports:
        label = VERDICT_LABELS[report.verdict][lang]
        subject = report.subject or TEXTS["no_subject"][lang]
        print(f"{_pad(label, 10)}{report.score:>5}  {subject}", file=stream)
        print(f"{'':16}{TEXTS['from'][lang]}: {report.from_}", file=stream)
        print(f"{'':16}{TEXTS['file'][lang]}: {report.source_name}", file=stream)
        for signal in report.signals:
            severity = SEVERITY_LABELS.get(signal.severity, SEVERITY_LABELS["info"])[lang]
            title = signal.title.get(lang) or signal.id
            print(f"{'':16}- [{severity}] {title}: {signal.evidence}", file=stream)
            print(f"{'':18}→ {signal.advice.get(lang, '')}", file=stream)
        print("", file=stream)


def main(argv: list[str]) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of ours.
        sys.stdout = open(os.devnull, "w")  # stays open: Python flushes stdout at exit
        return 0


def _main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"mamori check-mail: {exc}", file=sys.stderr)
        parser.print_usage(sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    contacts: dict[str, list[str]] = {}
    if args.contacts:
        try:
            contacts = read_contacts(args.contacts)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            print(f"mamori check-mail: --contacts {args.contacts}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    trusted = [d.strip() for d in args.trusted_domains.split(",") if d.strip()]
    context = Context(trusted_domains=trusted, known_contacts=contacts)
    errors: list[str] = []
    reports: list[Report] = []
    out = sys.stdout
    for raw_path in args.paths:
        for name, raw in iter_messages(Path(raw_path), errors):
            report = analyse(raw, context)
            report.source_name = name
            reports.append(report)
            if args.json:
                out.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    pairs = pair(reports)
    if args.json:
        for found in pairs:
            out.write(json.dumps({"ppap_pair": found.to_dict()}, ensure_ascii=False) + "\n")
    else:
        _print_table(reports, args.lang, out)
        for found in pairs:
            print(
                f"{TEXTS['ppap'][args.lang]}: {found.sender} ({found.password.source_name})",
                file=out,
            )
            print(f"  {found.explanation[args.lang]}", file=out)
        counts = {v: sum(1 for r in reports if r.verdict == v) for v in VERDICT_RANK}
        print(
            TEXTS["summary"][args.lang].format(
                n=len(reports), d=counts["danger"], c=counts["caution"], s=counts["safe"]
            ),
            file=out,
        )
    for error in errors:
        print(f"mamori check-mail: {TEXTS['unreadable'][args.lang]}: {error}", file=sys.stderr)
    if errors or not reports:
        return EXIT_USAGE
    return max(VERDICT_RANK[r.verdict] for r in reports)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
