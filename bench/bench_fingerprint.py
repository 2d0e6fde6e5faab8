"""Page fingerprint speed against HTML-to-text converters (issue 20, "Fingerprint").

    .venv/bin/python bench/bench_fingerprint.py [--quick] [--pages DIR ...] [--repeat N]

Per page, each comparator runs ``--repeat`` times (small pages more) in turn; its best time counts:

- ours: ``mamori.monitoring.fingerprint.fingerprint(html_bytes)`` (structure, inline-script
  analysis, visible text, software), warm: the caches a worker keeps between checks of the same
  page are filled by the first run, as on every regular check after the first;
- ours cold: the same with every cache of the monitoring engine (and urlsplit's) emptied before
  each run (the first check of a page after a worker starts); the emptying is checked once to
  leave no functools cache of the engine's modules filled;
- inscriptis: ``inscriptis.get_text(html_text)`` (the baseline; given the decoded text);
- BeautifulSoup: ``BeautifulSoup(html_bytes, "lxml").get_text()``;
- bare lxml: ``lxml.html.fromstring(html_bytes)`` and a loop over every element (the floor).

inscriptis and BeautifulSoup come with the ``bench`` extra (``pip install -e .[bench]``); a
comparator that is not installed is skipped with a message. Page classes: real pages (every
*.html under the --pages folders; by default ../shared/corpus and /work/devdata/monitoring, kept
outside the repository), the three base pages of the monitoring eval, and generated large
pages (1,000 links, 200 scripts, deep nesting, a long text). Figures are per class: total of the
per-page best times in milliseconds, and the ratio of ours to inscriptis (goal: at most 1). The
real pages used for issue 20 are the 110 saved pages of trafilatura's tests/cache (fetch
github:adbar/trafilatura and extract tests/cache outside the repository).
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lxml.html  # noqa: E402

from mamori.monitoring.fingerprint import fingerprint  # noqa: E402

DEFAULT_PAGE_DIRS = (
    Path(__file__).resolve().parents[2] / "shared" / "corpus",
    Path("/work/devdata/monitoring"),
)
PAGE_URL = "https://www.example.co.jp/"
MAX_TURNS = 60
COLD = "ours_cold"
TURN_BUDGET = 0.05  # seconds of the slowest comparator per page, for the number of turns
# Modules whose caches survive between checks in a worker (cleared for "cold"); each has a
# clear_caches(). The standard library's urlsplit keeps a cache of its own (cleared too).
ENGINE_MODULES = (
    "mamori.monitoring.fingerprint",
    "mamori.monitoring.jsscan",
    "mamori.monitoring.urlparts",
)
CHECKED_MODULES = (*ENGINE_MODULES, "mamori.monitoring.hiding", "mamori.monitoring.software")


def clear_engine_caches() -> None:
    """Empty every cache the engine keeps, and nothing else: the clearing runs just before a
    timed run, so it must not leave the processor's caches colder than a worker's would be
    (walking every module attribute for a cache_clear raised and caught hundreds of errors)."""
    for name in ENGINE_MODULES:
        importlib.import_module(name).clear_caches()
    urlsplit.cache_clear()


def check_clearing() -> None:
    """Every functools cache in the engine's modules is empty after clear_engine_caches."""
    for data in eval_pages().values():
        fingerprint(data, page_url=PAGE_URL)
    clear_engine_caches()
    for name in CHECKED_MODULES:
        for attribute, value in vars(importlib.import_module(name)).items():
            info = getattr(value, "cache_info", None)
            if callable(info) and info().currsize:
                raise SystemExit(f"{name}.{attribute} keeps a cache clear_engine_caches misses")


def real_pages(directories: list[Path]) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    for directory in directories:
        if directory.is_dir():
            for path in sorted(directory.rglob("*.htm*")):
                if path.is_file():
                    pages[path.name] = path.read_bytes()
    return pages


def eval_pages() -> dict[str, bytes]:
    from mamori.monitoring.tests.test_variants import BASE_PAGES
    from mamori.monitoring.variants import prepare

    return {name: prepare(html, 0).encode() for name, html in BASE_PAGES.items()}


def generated_pages() -> dict[str, bytes]:
    """Large pages of the shapes that cost most: many links, many scripts, deep nesting."""
    head = "<!doctype html><html><head><meta charset='utf-8'><title>生成ページ</title>"
    words = "お知らせ 営業時間 新商品 採用情報 会社概要 news products services about contact"
    links = "".join(
        f'<li class="item"><a href="{"https://partner" + str(n % 50) + ".example.org/p" if n % 3 == 0 else "/p/" + str(n)}'
        f'?ref=nav">{words.split()[n % 10]} {n}</a></li>'
        for n in range(1000)
    )
    scripts = "".join(
        f'<script src="/static/js/m{n}.js?v={n}"></script>'
        if n % 2
        else f"<script>window.q{n}=window.q{n}||[];q{n}.push(['init',{n},'id-{n:08x}']);</script>"
        for n in range(200)
    )
    deep = "".join(f'<div class="l{n}"><span>{n}</span>' for n in range(240)) + "</div>" * 240
    text = "".join(f"<p>{words} {n} {words}</p>" for n in range(3000))
    body = "<body><header><nav><ul>{}</ul></nav></header><main>{}</main></body></html>"
    return {
        "links_1000": (head + "</head>" + body.format(links, "<p>本文</p>")).encode(),
        "scripts_200": (head + scripts + "</head>" + body.format("", "<p>本文</p>")).encode(),
        "deep_nesting": (head + "</head>" + body.format("", deep)).encode(),
        "text_3000_paragraphs": (head + "</head>" + body.format("", text)).encode(),
    }


def comparators() -> dict[str, Callable[[bytes, str], object]]:
    found: dict[str, Callable[[bytes, str], object]] = {
        "ours": lambda data, _text: fingerprint(data, page_url=PAGE_URL),
    }

    found[COLD] = lambda data, _text: fingerprint(data, page_url=PAGE_URL)
    try:
        from inscriptis import get_text

        found["inscriptis"] = lambda _data, text: get_text(text)
    except ImportError:
        print("inscriptis is not installed (pip install -e .[bench]): skipped", file=sys.stderr)
    try:
        from bs4 import BeautifulSoup

        found["beautifulsoup"] = lambda data, _text: BeautifulSoup(data, "lxml").get_text()
    except ImportError:
        print("beautifulsoup4 is not installed (pip install -e .[bench]): skipped", file=sys.stderr)

    def bare(data: bytes, _text: str) -> object:
        return sum(1 for _ in lxml.html.fromstring(data).iter())

    found["bare_lxml"] = bare
    return found


def best_times(
    pages: dict[str, bytes], runners: dict[str, Callable[[bytes, str], object]], repeat: int
) -> dict[str, dict[str, float]]:
    """{comparator: {page: best seconds}}; comparators take turns on each page. Small pages
    get more turns (up to MAX_TURNS, about TURN_BUDGET seconds each): on a busy machine the
    best of a few sub-millisecond runs is mostly noise."""
    times: dict[str, dict[str, float]] = {name: {} for name in runners}
    for page, data in pages.items():
        text = data.decode("utf-8", "replace")
        turn = 0
        turns = repeat
        while turn < turns:
            for name, run in runners.items():
                if name == COLD:
                    clear_engine_caches()  # not timed
                gc.disable()
                start = time.perf_counter()
                run(data, text)
                elapsed = time.perf_counter() - start
                gc.enable()
                previous = times[name].get(page)
                times[name][page] = elapsed if previous is None else min(previous, elapsed)
            if turn == 0:
                slowest = max(times[name][page] for name in runners)
                turns = max(repeat, min(MAX_TURNS, int(TURN_BUDGET / max(slowest, 1e-6))))
            turn += 1
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 real pages, 2 runs each")
    parser.add_argument("--pages", type=Path, action="append", help="folder of real HTML pages")
    parser.add_argument("--repeat", type=int, default=0)
    args = parser.parse_args()
    repeat = args.repeat or (2 if args.quick else 5)
    real = real_pages(args.pages or list(DEFAULT_PAGE_DIRS))
    if not real:
        print("no real pages found (give --pages DIR): real class skipped", file=sys.stderr)
    if args.quick:
        real = dict(list(real.items())[:20])
    classes = {"real": real, "eval": eval_pages(), "generated": generated_pages()}
    check_clearing()
    runners = comparators()
    load_before = os.getloadavg()[0]
    print(
        f"load average {load_before:.2f}; {repeat}+ runs per page (more for small ones), best counts"
    )
    print(f"{'class':<10} {'pages':>5} " + "".join(f"{name:>14}" for name in runners) + "   ratio")
    summary: dict[str, object] = {"name": "bench_fingerprint", "baseline": "inscriptis"}
    figures: dict[str, dict[str, float]] = {}
    worst: dict[str, float] = {}
    totals: dict[str, float] = dict.fromkeys(runners, 0.0)
    for label, pages in classes.items():
        if not pages:
            continue
        times = best_times(pages, runners, repeat)
        row = {name: sum(per_page.values()) * 1000 for name, per_page in times.items()}
        for name, value in row.items():
            totals[name] += value
        ratio = row["ours"] / row["inscriptis"] if "inscriptis" in row else None
        figures[label] = {name: round(value, 2) for name, value in row.items()}
        figures[label]["pages"] = len(pages)
        if ratio is not None:
            figures[label]["ratio"] = round(ratio, 3)
            figures[label]["ratio_cold"] = round(row[COLD] / row["inscriptis"], 3)
            for page in pages:
                worst[f"{label}/{page}"] = times["ours"][page] / times["inscriptis"][page]
        print(
            f"{label:<10} {len(pages):>5} "
            + "".join(f"{row[name]:>12.1f}ms" for name in runners)
            + (f"   {ratio:.2f}" if ratio is not None else "")
        )
    summary["classes"] = figures
    summary["total_ms"] = {name: round(value, 2) for name, value in totals.items()}
    if "inscriptis" in totals:
        summary["ratio"] = round(totals["ours"] / totals["inscriptis"], 3)
        summary["ratio_cold"] = round(totals[COLD] / totals["inscriptis"], 3)
        summary["ratio_worst_class"] = max(
            figures[label]["ratio"] for label in figures if "ratio" in figures[label]
        )
        slowest = sorted(worst.items(), key=lambda item: item[1], reverse=True)[:5]
        print("pages where ours/inscriptis is highest:")
        for page, value in slowest:
            print(f"  {value:6.2f}  {page}")
        summary["slowest_pages"] = {page: round(value, 2) for page, value in slowest}
    else:
        summary["ratio"] = None
    summary["ratio_to_bare_lxml"] = round(totals["ours"] / totals["bare_lxml"], 3)
    summary["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
