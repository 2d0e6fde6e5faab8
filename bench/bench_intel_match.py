"""Advisory import and matching at NVD scale (mamori.intel), against json.load of the same data.

Generates a synthetic NVD-sized set (default 340,000 CVEs with about 650,000 cpeMatch criteria
carrying realistic version ranges and vendor version styles such as 8u301, 12.5(1)su8, 1.0.2k),
written as NVD CVE API 2.0 JSON in yearly-feed-sized chunks, and an inventory of 2,000 items.
Measures:

* import: parse_nvd over every chunk, beside json.loads of the same bytes (baseline);
* full match: MatchIndex.build + match of every inventory item (target < 30 s on one core);
* incremental: match_advisory of 1,000 new advisories against the inventory (target < 5 ms
  each), beside json.loads of those advisories.

    .venv/bin/python bench/bench_intel_match.py [--quick]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mamori.intel.matching import Inventory, InventoryItem, MatchIndex, match_advisory  # noqa: E402
from mamori.intel.parsers import parse_nvd  # noqa: E402

WORDS = "alpha beta cloud data edge file gate hub info jet key link mail net office pay query router server task user view web xml zone".split()


def make_products(rng: random.Random, count: int) -> list[tuple[str, str, int]]:
    products = []
    for i in range(count):
        vendor = f"{rng.choice(WORDS)}{i // 8}"
        product = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}{i}"
        products.append((vendor, product, rng.randrange(5)))  # version style
    return products


def make_version(rng: random.Random, style: int) -> str:
    major, minor, patch = rng.randrange(1, 15), rng.randrange(0, 20), rng.randrange(0, 40)
    if style == 0:
        return f"{major}.{minor}.{patch}"
    if style == 1:
        return f"{major}.{minor}.{patch}.{rng.randrange(0, 9)}"
    if style == 2:
        return f"{major}u{rng.randrange(1, 400)}"
    if style == 3:
        return f"{major}.{minor}({rng.randrange(1, 5)})su{rng.randrange(1, 12)}"
    return f"{major}.{minor}.{patch}{rng.choice('abcdefghijk')}"


def make_match(rng: random.Random, product: tuple[str, str, int]) -> dict:
    vendor, name, style = product
    base = f"cpe:2.3:a:{vendor}:{name}"
    roll = rng.random()
    if roll < 0.08:
        return {"vulnerable": True, "criteria": f"{base}:*:*:*:*:*:*:*:*"}
    if roll < 0.35:
        version = make_version(rng, style).replace("(", "\\(").replace(")", "\\)")
        return {"vulnerable": True, "criteria": f"{base}:{version}:*:*:*:*:*:*:*"}
    low, high = sorted((make_version(rng, style), make_version(rng, style)))
    match = {"vulnerable": True, "criteria": f"{base}:*:*:*:*:*:*:*:*"}
    if rng.random() < 0.6:
        match["versionStartIncluding"] = low
    match["versionEndExcluding" if rng.random() < 0.8 else "versionEndIncluding"] = high
    return match


def make_record(rng: random.Random, number: int, products, weights) -> dict:
    count = rng.choices((0, 1, 2, 3, 4, 6), (0.12, 0.35, 0.25, 0.14, 0.09, 0.05))[0]
    chosen = rng.choices(products, cum_weights=weights, k=count)
    matches = [make_match(rng, product) for product in chosen]
    year = 1999 + number % 26
    record = {
        "id": f"CVE-{year}-{number:06d}",
        "sourceIdentifier": "cve@mitre.org",
        "published": f"{year}-0{1 + number % 9}-1{number % 9}T10:15:07.110",
        "lastModified": "2025-01-10T10:00:00.000",
        "vulnStatus": "Analyzed",
        "descriptions": [
            {
                "lang": "en",
                "value": f"A flaw in component {number} allows remote attackers to {rng.choice(WORDS)} via crafted {rng.choice(WORDS)} requests.",
            }
        ],
        "metrics": {
            "cvssMetricV31": [
                {
                    "source": "nvd@nist.gov",
                    "type": "Primary",
                    "cvssData": {
                        "version": "3.1",
                        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                        "baseScore": round(rng.uniform(2, 10), 1),
                        "baseSeverity": "HIGH",
                    },
                }
            ]
        },
        "references": [
            {
                "url": f"https://vendor.example/advisory/{number}",
                "source": "cve@mitre.org",
                "tags": ["Vendor Advisory"],
            }
        ],
    }
    if matches:
        record["configurations"] = [
            {"nodes": [{"operator": "OR", "negate": False, "cpeMatch": matches}]}
        ]
    return record


def page(records: list[dict]) -> bytes:
    return json.dumps(
        {
            "resultsPerPage": len(records),
            "startIndex": 0,
            "totalResults": len(records),
            "format": "NVD_CVE",
            "version": "2.0",
            "vulnerabilities": [{"cve": r} for r in records],
        }
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    cves, products_n, items_n, new_n, chunk = (
        (20_000, 2_000, 200, 100, 5_000) if args.quick else (340_000, 30_000, 2_000, 1_000, 14_000)
    )
    rng = random.Random(5)
    products = make_products(rng, products_n)
    weights, total = [], 0.0
    for i in range(len(products)):
        total += 1.0 / (i + 1) ** 0.8  # a few products (kernels, browsers) have most CVEs
        weights.append(total)

    json_seconds = parse_seconds = 0.0
    advisories = []
    criteria_total = 0
    data_bytes = 0
    for start in range(0, cves, chunk):
        data = page(
            [make_record(rng, n, products, weights) for n in range(start, min(cves, start + chunk))]
        )
        data_bytes += len(data)
        gc.collect()
        began = time.perf_counter()
        loaded = json.loads(data)
        json_seconds += time.perf_counter() - began
        del loaded
        gc.collect()
        began = time.perf_counter()
        result = parse_nvd(data)
        parse_seconds += time.perf_counter() - began
        advisories.extend(result.advisories)
        criteria_total += sum(len(a.criteria) for a in result.advisories)
    print(
        f"synthetic NVD: {len(advisories):,} CVEs, {criteria_total:,} criteria, {data_bytes / 1e6:,.0f} MB JSON"
    )
    print(
        f"import: json.loads {json_seconds:.2f} s, parse_nvd {parse_seconds:.2f} s (x{parse_seconds / json_seconds:.2f})"
    )

    gc.collect()
    began = time.perf_counter()
    index = MatchIndex.build(advisories)
    build_seconds = time.perf_counter() - began
    inventory = []
    for i in range(items_n):
        vendor, name, style = (
            rng.choices(products, cum_weights=weights)[0]
            if rng.random() < 0.7
            else (f"unknown{i}", f"tool{i}", 0)
        )
        inventory.append(
            InventoryItem(
                f"item-{i}", f"cpe:2.3:a:{vendor}:{name}:{make_version(rng, style)}:*:*:*:*:*:*:*"
            )
        )
    began = time.perf_counter()
    matches = index.match_all(inventory)
    match_seconds = time.perf_counter() - began
    print(
        f"index build {build_seconds:.2f} s ({index.criteria_count:,} criteria); full match of {items_n:,} items {match_seconds:.2f} s, {len(matches):,} matches"
    )

    new_records = [make_record(rng, cves + n, products, weights) for n in range(new_n)]
    new_data = page(new_records)
    began = time.perf_counter()
    json.loads(new_data)
    new_json_seconds = time.perf_counter() - began
    new_advisories = parse_nvd(new_data).advisories
    prepared = Inventory(inventory)
    began = time.perf_counter()
    new_matches = sum(len(match_advisory(a, prepared)) for a in new_advisories)
    incremental_seconds = time.perf_counter() - began
    per_ms = incremental_seconds / max(1, len(new_advisories)) * 1000
    print(
        f"incremental: {len(new_advisories):,} new advisories in {incremental_seconds * 1000:.1f} ms ({per_ms:.3f} ms each, {new_matches} matches); json.loads of them {new_json_seconds * 1000:.1f} ms"
    )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "name": "intel_match",
        "quick": args.quick,
        "cves": len(advisories),
        "criteria": criteria_total,
        "inventory_items": items_n,
        "json_mb": round(data_bytes / 1e6, 1),
        "baseline": "json.loads of the same JSON",
        "baseline_import_s": round(json_seconds, 3),
        "import_s": round(parse_seconds, 3),
        "import_ratio": round(parse_seconds / json_seconds, 2),
        "index_build_s": round(build_seconds, 3),
        "full_match_s": round(match_seconds, 3),
        "full_match_with_build_s": round(match_seconds + build_seconds, 3),
        "full_match_ratio": round((match_seconds + build_seconds) / json_seconds, 2),
        "matches": len(matches),
        "incremental_ms_per_advisory": round(per_ms, 4),
        "baseline_incremental_json_ms": round(new_json_seconds * 1000, 3),
        "incremental_ratio": round(incremental_seconds / new_json_seconds, 2),
        "ratio": round(parse_seconds / json_seconds, 2),
        "target_full_match_s": 30,
        "target_incremental_ms": 5,
        "max_rss_mb": round(rss_mb),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
