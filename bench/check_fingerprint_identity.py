"""Fingerprints of an earlier version and of this checkout compared, case by case.

    git worktree add /tmp/fp-ref <commit>
    .venv/bin/python bench/check_fingerprint_identity.py --ref /tmp/fp-ref [--pages DIR ...]

A change meant to make the fingerprint faster must not change what it finds: a stored baseline
would then differ from the next check and raise an alert. Each version runs in its own process
(its own imports) over the same cases, made once by this checkout: every real page (*.htm* under --pages; by default as in
bench_fingerprint.py), the generated large pages, the monitoring eval's base pages with 40
prepared variants each, and every monitoring variant applied to the base pages and to every 4th
real page (seeds 0 and 3), each with three page URLs and with and without ignore selectors.
Prints the number of cases and of differences (with the fields that differ for the first ten);
exits 1 when any differ. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PAGE_URLS = ("https://www.example.co.jp/", "http://[::1]:8000/x/", "")
SELECTORS = (".ad", "#news", "header nav")


def cases(pages_dirs: list[Path]) -> dict[str, bytes]:
    import bench_fingerprint as bench

    from mamori.monitoring import variants
    from mamori.monitoring.tests.test_variants import BASE_PAGES

    real = bench.real_pages(pages_dirs)
    found: dict[str, bytes] = {**real, **bench.generated_pages(), **bench.eval_pages()}
    for name, html in BASE_PAGES.items():
        for seed in range(40):
            found[f"{name}-{seed}"] = variants.prepare(html, seed).encode()
    sources = dict(BASE_PAGES)
    sources.update({k: v.decode("utf-8", "replace") for k, v in list(real.items())[::4]})
    for name, html in sources.items():
        for variant in variants.VARIANTS:
            for seed in (0, 3):
                changed = variant.apply(variants.prepare(html, seed))
                found[f"{name}/{variant.name}/{seed}"] = changed.encode()
    return found


def fingerprints(cases_file: Path, out: Path) -> None:
    """In the process of one version: every case's fingerprint, pickled to `out`."""
    from mamori.monitoring.fingerprint import fingerprint

    pages: dict[str, bytes] = pickle.loads(cases_file.read_bytes())  # noqa: S301 (ours)
    result: dict[tuple[str, str, bool], dict[str, object]] = {}
    for name, data in pages.items():
        for url in PAGE_URLS:
            for selectors in (SELECTORS, ()):
                found = fingerprint(data, page_url=url, ignore_selectors=selectors)
                result[(name, url, bool(selectors))] = found.to_dict()
    out.write_bytes(pickle.dumps(result))


def run_version(root: Path, cases_file: Path, out: Path) -> None:
    """fingerprints() in a fresh interpreter that imports mamori from `root`."""
    code = (
        "import sys; from pathlib import Path;"
        f"sys.path[:0] = [{str(root)!r}, {str(HERE / 'bench')!r}];"
        "import check_fingerprint_identity as c;"
        f"c.fingerprints(Path({str(cases_file)!r}), Path({str(out)!r}))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", type=Path, required=True, help="checkout of the earlier version")
    parser.add_argument("--pages", type=Path, action="append", help="folder of real HTML pages")
    args = parser.parse_args()
    sys.path[:0] = [str(HERE), str(HERE / "bench")]
    import bench_fingerprint as bench

    pages_dirs = args.pages or list(bench.DEFAULT_PAGE_DIRS)
    with tempfile.TemporaryDirectory() as folder:
        # The cases are made once, by this checkout, so both versions see the same bytes.
        cases_file = Path(folder) / "cases.pickle"
        cases_file.write_bytes(pickle.dumps(cases(pages_dirs)))
        old, new = Path(folder) / "old.pickle", Path(folder) / "new.pickle"
        run_version(args.ref.resolve(), cases_file, old)
        run_version(HERE, cases_file, new)
        before = pickle.loads(old.read_bytes())  # noqa: S301 (written by this script just now)
        after = pickle.loads(new.read_bytes())  # noqa: S301
    differ = [key for key in before if before[key] != after.get(key)]
    for key in differ[:10]:
        fields = [f for f in before[key] if before[key][f] != after[key].get(f)]
        print(f"differs: {key}: {', '.join(fields)}")
    print(f"{len(before)} cases, {len(differ)} differ")
    print(
        json.dumps(
            {"name": "check_fingerprint_identity", "cases": len(before), "differ": len(differ)}
        )
    )
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
