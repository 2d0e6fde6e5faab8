"""`mamori intel …`: work on downloaded advisory files without a server or database.

    mamori intel match --cpe CPE23 [--json] FILE...
    mamori intel import FILE...

reads JVN RDF, MyJVN (XML/JSON), NVD CVE API 2.0 JSON (.json or .json.gz) and CISA KEV (JSON or
CSV) files, joins advisories about the same CVE, and prints those that affect the product
version. No Django import happens for `match`; `import` stores the advisories in the database
(set up only for that sub-command) and re-matches the organisations they concern.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mamori.intel.matching import Cpe, CpeError, Match, MatchIndex, suggest_cpe
from mamori.intel.merge import merge_advisories
from mamori.intel.model import Advisory
from mamori.intel.parsers import parse_any

MAX_FILE_BYTES = 1024 * 1024 * 1024


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mamori intel", description="Advisory tools (offline)")
    commands = parser.add_subparsers(dest="command", required=True)
    match = commands.add_parser(
        "match",
        help="print the advisories that affect one product version (in FILE(s), or, without "
        "files, among the advisories already imported)",
        description="影響を受ける脆弱性情報を表示します / Print advisories affecting a product.",
    )
    match.add_argument(
        "--cpe", help="CPE 2.3 name, e.g. cpe:2.3:a:apache:struts:2.5.30:*:*:*:*:*:*:*"
    )
    match.add_argument("--vendor", help="vendor name (when no --cpe is given)")
    match.add_argument("--product", help="product name (when no --cpe is given)")
    match.add_argument("--version", dest="product_version", default="", help="product version")
    match.add_argument("--json", action="store_true", help="print JSON")
    match.add_argument("files", nargs="*", type=Path, metavar="FILE")
    load = commands.add_parser(
        "import",
        help="store the advisories in FILE(s) (JVN, MyJVN, NVD, KEV) in the database",
        description="脆弱性情報をデータベースに取り込みます / Import advisories into the database.",
    )
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command == "match":
        return _match(args)
    if args.command == "import":
        return _import(args)
    return 2


def _read_file(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise OSError(f"larger than {MAX_FILE_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        print(f"{path}: 読み込めません / cannot read: {exc}", file=sys.stderr)
        return None


def _import(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from mamori.intel.store import ImportResult, import_advisories
    from mamori.intel.sync import rematch_after

    failed = 0
    total = ImportResult()
    for path in args.files:
        data = _read_file(path)
        if data is None:
            failed += 1
            continue
        result = parse_any(data, path.name)
        for error in result.errors:
            print(f"{path}: {error}", file=sys.stderr)
        if not result.advisories and result.errors:
            failed += 1
            continue
        stored = import_advisories(result.advisories)
        total.add(stored)
        print(
            f"{path}: {len(result.advisories)} 件読み込み / read, "
            f"新規 {stored.created} new, 更新 {stored.updated} updated, "
            f"変更なし {stored.unchanged} unchanged"
        )
    organisations = rematch_after(total, now=True)
    print(
        f"合計 / total: 新規 {total.created} new, 更新 {total.updated} updated; "
        f"再照合した組織 / organisations re-matched: {organisations}"
    )
    return 1 if failed == len(args.files) else 0


def _match(args: argparse.Namespace) -> int:
    if args.cpe:
        try:
            cpe = Cpe.parse(args.cpe)
        except CpeError as exc:
            print(f"mamori intel: CPE が不正です / bad CPE: {exc}", file=sys.stderr)
            return 2
    elif args.product:
        cpe = Cpe.parse(suggest_cpe(args.vendor or "", args.product, args.product_version))
    else:
        print(
            "mamori intel: --cpe か --product を指定してください / give --cpe or --product",
            file=sys.stderr,
        )
        return 2
    if not args.files:
        return _match_stored(args, cpe)
    advisories: list[Advisory] = []
    failed = 0
    for path in args.files:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise OSError(f"larger than {MAX_FILE_BYTES} bytes")
            data = path.read_bytes()
        except OSError as exc:
            print(f"{path}: 読み込めません / cannot read: {exc}", file=sys.stderr)
            failed += 1
            continue
        result = parse_any(data, path.name)
        for error in result.errors:
            print(f"{path}: {error}", file=sys.stderr)
        if not result.advisories and result.errors:
            failed += 1
        advisories.extend(result.advisories)
    merged = merge_advisories(advisories)
    index = MatchIndex.build(merged)
    by_id = {advisory.advisory_id: advisory for advisory in merged}
    matches = index.match(cpe)
    if args.json:
        print(json.dumps(_as_json(cpe, matches, by_id), ensure_ascii=False, indent=2))
    else:
        _print_text(cpe, matches, by_id, len(merged))
    return 1 if failed == len(args.files) else 0


def _match_stored(args: argparse.Namespace, cpe: Cpe) -> int:
    """Match against the advisories already imported (only the candidates are loaded)."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from mamori.intel.model import advisory_from_dict
    from mamori.intel.models import Advisory as StoredAdvisory
    from mamori.intel.models import AdvisoryKey
    from mamori.intel.store import cpe_key, name_keys

    keys = {cpe_key(cpe.vendor, cpe.product)} | name_keys(cpe.vendor, cpe.product)
    candidate_ids = AdvisoryKey.objects.filter(key__in=keys).values_list("advisory_id", flat=True)
    advisories = [
        advisory_from_dict(data)
        for data in StoredAdvisory.objects.filter(pk__in=candidate_ids).values_list(
            "data", flat=True
        )
    ]
    index = MatchIndex.build(advisories)
    by_id = {advisory.advisory_id: advisory for advisory in advisories}
    matches = index.match(cpe)
    if args.json:
        print(json.dumps(_as_json(cpe, matches, by_id), ensure_ascii=False, indent=2))
    else:
        _print_text(cpe, matches, by_id, StoredAdvisory.objects.count())
    return 0


def _advisory_json(advisory: Advisory) -> dict:
    best = advisory.best_cvss()
    return {
        "id": advisory.advisory_id,
        "cve": advisory.cve_ids,
        "jvndb": advisory.jvndb_id,
        "title": {"ja": advisory.title_ja, "en": advisory.title_en},
        "cvss": (
            {
                "version": best.version,
                "score": best.score,
                "vector": best.vector,
                "severity": best.severity,
            }
            if best
            else None
        ),
        "kev": (
            {
                "date_added": advisory.kev.date_added.isoformat()
                if advisory.kev.date_added
                else None,
                "due_date": advisory.kev.due_date.isoformat() if advisory.kev.due_date else None,
                "ransomware": advisory.kev.ransomware,
            }
            if advisory.kev
            else None
        ),
        "published": advisory.published.isoformat() if advisory.published else None,
        "sources": advisory.source.split("+"),
        "references": [
            {"url": r.url, "name": r.name, "source": r.source} for r in advisory.references
        ],
    }


def _as_json(cpe: Cpe, matches: list[Match], by_id: dict[str, Advisory]) -> dict:
    return {
        "cpe": cpe.format(),
        "matches": [
            {
                "advisory": _advisory_json(by_id[m.advisory_id]),
                "confidence": m.confidence,
                "kind": m.kind,
                "reason": m.reason,
                "criterion": (
                    {
                        "cpe23": m.criterion.cpe23,
                        "version_start_including": m.criterion.version_start_including,
                        "version_start_excluding": m.criterion.version_start_excluding,
                        "version_end_including": m.criterion.version_end_including,
                        "version_end_excluding": m.criterion.version_end_excluding,
                        "platforms": m.criterion.platforms,
                    }
                    if m.criterion
                    else None
                ),
            }
            for m in matches
        ],
    }


def _key_references(advisory: Advisory) -> list[str]:
    """Reference URLs with the public bodies (JVN, NVD, CISA, CVE) first."""

    def rank(url: str) -> int:
        if "/cwe/" in url or "cwe.mitre.org" in url:
            return 8  # weakness classes are background, not the advisory
        for position, marker in enumerate(
            ("jvndb.jvn.jp", "jvn.jp/", "nvd.nist.gov", "cisa.gov", "cve.org")
        ):
            if marker in url:
                return position
        return 9

    urls = list(dict.fromkeys([advisory.link, *(r.url for r in advisory.references)]))
    return sorted((u for u in urls if u), key=rank)


def _print_text(cpe: Cpe, matches: list[Match], by_id: dict[str, Advisory], total: int) -> None:
    print(f"{cpe.format()}")
    print(f"該当 {len(matches)} 件 / {len(matches)} matching of {total} advisories")
    for match in matches:
        advisory = by_id[match.advisory_id]
        best = advisory.best_cvss()
        score = f"CVSS {best.version} {best.score} {best.severity}" if best else "CVSS -"
        kev = ""
        if advisory.kev:
            due = advisory.kev.due_date.isoformat() if advisory.kev.due_date else "?"
            kev = f"  KEV (期限/due {due})"
        print()
        print(f"* {advisory.advisory_id}  [{match.confidence}]  {score}{kev}")
        ids = ", ".join([*advisory.cve_ids, *([advisory.jvndb_id] if advisory.jvndb_id else [])])
        print(f"  ids: {ids}")
        if advisory.title_ja:
            print(f"  {advisory.title_ja}")
        if advisory.title_en:
            print(f"  {advisory.title_en}")
        print(f"  理由: {match.reason['ja']}")
        print(f"  why:  {match.reason['en']}")
        for url in _key_references(advisory)[:6]:
            print(f"  - {url}")
