"""Feed and JVN RDF parsing speed (mamori.intel.parsers) against feedparser on the same bytes.

Inputs: the real feeds in ../shared/corpus/feeds when present, plus generated large feeds (an RSS
2.0 feed and a JVN iPedia RDF feed with repeated sec: elements, 500 items each). Every input is
parsed `--rounds` times by our parser and by feedparser.parse (the baseline); the ratio is
ours / feedparser (below 1 = faster). feedparser drops the repeated sec: elements, so for JVN
it does less work than we do.

    .venv/bin/python bench/bench_feed_parse.py [--quick]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feedparser  # noqa: E402

from mamori.core.corpus import corpus_dir  # noqa: E402
from mamori.intel.parsers import parse_feed, parse_jvn_rdf  # noqa: E402


def big_rss(items: int) -> bytes:
    body = "".join(
        f"<item><title>Security notice {i} CVE-2024-{i:05d}</title><link>https://news.example/{i}</link>"
        f"<guid>https://news.example/{i}</guid><description>&lt;p&gt;Update {i} fixes several issues.&lt;/p&gt;</description>"
        f"<pubDate>Mon, 11 Dec 2023 15:{i % 60:02d}:00 +0900</pubDate></item>"
        for i in range(items)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>big</title><link>https://news.example/</link>{body}</channel></rss>'.encode()


def big_jvn(items: int) -> bytes:
    body = "".join(
        f'<item rdf:about="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-{i:06d}.html">'
        f"<title>製品 {i} における脆弱性</title><link>https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-{i:06d}.html</link>"
        f"<description>製品 {i} には脆弱性が存在します。</description><sec:identifier>JVNDB-2024-{i:06d}</sec:identifier>"
        f'<sec:references source="CVE" id="CVE-2024-{i:05d}">https://www.cve.org/CVERecord?id=CVE-2024-{i:05d}</sec:references>'
        f'<sec:references source="NVD" id="CVE-2024-{i:05d}">https://nvd.nist.gov/vuln/detail/CVE-2024-{i:05d}</sec:references>'
        f'<sec:cpe version="2.2" vendor="V{i}" product="P{i}">cpe:/a:v{i}:p{i}</sec:cpe>'
        f'<sec:cvss version="3.0" score="7.5" type="Base" severity="High" vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"/>'
        f"<dc:date>2024-04-01T10:00+09:00</dc:date><dcterms:issued>2024-04-01T10:00+09:00</dcterms:issued>"
        f"<dcterms:modified>2024-04-02T10:00+09:00</dcterms:modified></item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" xml:lang="ja"><channel rdf:about="https://jvndb.jvn.jp/"><title>JVNDB</title>'
        f"<link>https://jvndb.jvn.jp/</link></channel>{body}</rdf:RDF>"
    ).encode()


def timed(function, data: bytes, rounds: int) -> float:
    began = time.perf_counter()
    for _ in range(rounds):
        function(data)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=0)
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 20)
    items = 100 if args.quick else 500
    rss_inputs: list[tuple[str, bytes]] = [("generated_rss", big_rss(items))]
    jvn_inputs: list[tuple[str, bytes]] = [("generated_jvn", big_jvn(items))]
    generic = corpus_dir("feeds", "generic_rss_atom_rss-parser")
    if generic:
        rss_inputs += [(p.name, p.read_bytes()) for p in sorted(generic.iterdir())]
    jvn = corpus_dir("feeds", "jvn_rdf")
    if jvn:
        jvn_inputs += [(p.name, p.read_bytes()) for p in sorted(jvn.iterdir())]
    figures: dict[str, float] = {}
    for label, inputs, ours in (
        ("rss", rss_inputs, parse_feed),
        ("jvn", jvn_inputs, parse_jvn_rdf),
    ):
        ours_total = base_total = 0.0
        for name, data in inputs:
            ours_s = timed(ours, data, rounds)
            base_s = timed(feedparser.parse, data, rounds)
            ours_total += ours_s
            base_total += base_s
            print(
                f"{label:4} {name:34} {len(data):>9,} B  ours {ours_s / rounds * 1000:8.2f} ms  feedparser {base_s / rounds * 1000:8.2f} ms  x{ours_s / base_s:.2f}"
            )
        figures[f"{label}_ours_ms"] = round(ours_total / rounds * 1000, 2)
        figures[f"{label}_feedparser_ms"] = round(base_total / rounds * 1000, 2)
        figures[f"{label}_ratio"] = round(ours_total / base_total, 3)
        print(
            f"{label}: ours {figures[f'{label}_ours_ms']} ms vs feedparser {figures[f'{label}_feedparser_ms']} ms per pass over {len(inputs)} files (x{figures[f'{label}_ratio']})"
        )
    result = {
        "name": "feed_parse",
        "quick": args.quick,
        "rounds": rounds,
        **figures,
        "baseline": "feedparser.parse on the same bytes",
        "ratio": round(
            (figures["rss_ours_ms"] + figures["jvn_ours_ms"])
            / (figures["rss_feedparser_ms"] + figures["jvn_feedparser_ms"]),
            3,
        ),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
