"""Website-watch accuracy on the team's labelled variant set (issue 14).

    .venv/bin/python bench/eval_monitoring.py [--pages DIR] [--verbose]

Base pages: real pages of common site types kept OUTSIDE the repository (default
/work/devdata/monitoring/*.html, see SOURCES.md there); without them the script says so and
uses the small pages of the tests. Each base page gets its moving parts
(``mamori.monitoring.variants.prepare``), then every attack and routine variant is applied and
judged by the engine in two modes:

- cold: the variant against the baseline alone (no learning);
- learned: the monitor's start-up learning first sees two more loads of the page (its moving
  parts moved), then a third load that carries the variant.

Prints the confusion table (attack/benign × none/情報/注意/危険) per variant class and per mode,
every miss, and as the last line one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mamori.monitoring.compare import Learned, compare, learn  # noqa: E402
from mamori.monitoring.fingerprint import fingerprint  # noqa: E402
from mamori.monitoring.variants import (  # noqa: E402
    ATTACK,
    LEARNED_ONLY,
    VARIANTS,
    prepare,
)

DEFAULT_DIR = Path("/work/devdata/monitoring")
LEVELS = ("none", "info", "caution", "danger")
LABELS = {"none": "none", "info": "情報", "caution": "注意", "danger": "危険"}
SITE = "www.example.co.jp"
URL = f"https://{SITE}/"


def base_pages(directory: Path) -> dict[str, str]:
    pages = {
        path.stem: path.read_bytes().decode("utf-8", "replace")
        for path in sorted(directory.glob("*.html"))
    }
    if pages:
        return pages
    from mamori.monitoring.tests.test_variants import BASE_PAGES

    print(f"no pages in {directory}: using the tests' own small pages", file=sys.stderr)
    return dict(BASE_PAGES)


def judge(base: str, variant_html: str, *, learned_mode: bool) -> str:
    baseline = fingerprint(prepare(base, 0).encode(), page_url=URL)
    profile = None
    if learned_mode:
        profile = Learned()
        for seed in (1, 2):
            profile = learn(
                baseline, fingerprint(prepare(base, seed).encode(), page_url=URL), profile,
                site_domain=SITE,
            )  # fmt: skip
    current = fingerprint(variant_html.encode(), page_url=URL)
    return compare(baseline, current, site_domain=SITE, learned=profile).level


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    pages = base_pages(args.pages)
    summary: dict[str, object] = {"name": "eval_monitoring", "pages": sorted(pages)}
    for mode in ("cold", "learned"):
        table: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        totals: dict[str, Counter[str]] = defaultdict(Counter)
        misses: list[str] = []
        for page_name, html in pages.items():
            for variant in VARIANTS:
                if mode == "cold" and variant.name in LEARNED_ONLY:
                    continue
                seed = 3 if mode == "learned" else 0
                changed = variant.apply(prepare(html, seed))
                if changed == prepare(html, seed):
                    misses.append(f"{page_name}/{variant.name}: variant did not apply")
                    continue
                level = judge(html, changed, learned_mode=mode == "learned")
                table[(variant.label, variant.kind)][level] += 1
                totals[variant.label][level] += 1
                wrong = (variant.label == ATTACK and level != "danger") or (
                    variant.label != ATTACK and level in ("caution", "danger")
                )
                if wrong or args.verbose:
                    misses.append(f"{page_name}/{variant.name}: {LABELS[level]}")
        print(f"\n== mode: {mode} ({len(pages)} base pages) ==")
        print(f"{'label':<7} {'class':<24}" + "".join(f"{LABELS[lv]:>7}" for lv in LEVELS))
        for (label, kind), counts in sorted(table.items()):
            print(f"{label:<7} {kind:<24}" + "".join(f"{counts[lv]:>7}" for lv in LEVELS))
        for label, counts in sorted(totals.items()):
            print(f"{label:<7} {'TOTAL':<24}" + "".join(f"{counts[lv]:>7}" for lv in LEVELS))
        for line in misses:
            print("  miss:" if "did not apply" not in line else "  note:", line)
        summary[mode] = {
            label: {LABELS[lv]: counts[lv] for lv in LEVELS} for label, counts in totals.items()
        }
        summary[f"{mode}_misses"] = len([m for m in misses if "did not apply" not in m])
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
