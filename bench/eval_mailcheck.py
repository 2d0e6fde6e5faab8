"""Mail-check verdicts on a labelled development corpus of real mail (kept outside the repository).

The corpus is a folder of folders, one per label, each holding raw mails (any file name):

    phish_en/  phish_ja/  phish_ja_urls/  spam/   mail that should be flagged (注意 or 危険)
    ham/  bounce/  feedback/                      mail that should not be flagged (bounces: never 危険)

Default location: $MAMORI_MAIL_DEVDATA, else ../devdata/mail beside the repository (its SOURCES.md
lists where each mail came from). Without the folder the script says so and exits 0.

    .venv/bin/python bench/eval_mailcheck.py [--corpus DIR] [--misses LABEL] [--signals]

Per label it prints the count, the share flagged (注意 or 危険) and the share 危険; then, treating
the phishing/spam labels as positives, recall per positive label and precision over the whole
corpus, and the false-positive rate per negative label. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mamori.mailcheck.engine import analyse  # noqa: E402

POSITIVE_PREFIXES = ("phish", "spam", "scam")
NEGATIVE = ("ham", "bounce", "feedback")


def default_corpus() -> Path:
    env = os.environ.get("MAMORI_MAIL_DEVDATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "devdata" / "mail"


def is_positive(label: str) -> bool:
    return label.startswith(POSITIVE_PREFIXES)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--misses", help="list the mails of this label that got the wrong verdict")
    parser.add_argument("--signals", action="store_true", help="signal counts per label")
    args = parser.parse_args()
    root: Path = args.corpus
    if not root.is_dir():
        print(f"no development corpus at {root}: nothing to evaluate")
        print(json.dumps({"name": "eval_mailcheck", "skipped": str(root)}))
        return 0
    analyse(b"From: warm-up@example.org\r\n\r\nx")  # catalogues load once, not in a mail's time
    stats: dict[str, collections.Counter[str]] = {}
    signal_counts: dict[str, collections.Counter[str]] = {}
    slowest = (0.0, "")
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "raw"):
        label = folder.name
        counts: collections.Counter[str] = collections.Counter()
        sigs: collections.Counter[str] = collections.Counter()
        for path in sorted(folder.iterdir()):
            if not path.is_file():
                continue
            start = time.perf_counter()
            report = analyse(path.read_bytes())
            took = time.perf_counter() - start
            if took > slowest[0]:
                slowest = (took, str(path))
            counts["n"] += 1
            counts[report.verdict] += 1
            sigs.update({s.id for s in report.signals if s.severity != "info"})
            wrong = (
                (report.verdict == "safe")
                if is_positive(label)
                else (report.verdict == "danger" or (label == "ham" and report.verdict != "safe"))
            )
            if args.misses == label and wrong:
                detail = ", ".join(f"{s.id}:{s.severity}" for s in report.signals)
                print(
                    f"MISS {path.name} [{report.verdict} {report.score}] {report.subject[:70]!r} {detail}"
                )
        stats[label] = counts
        signal_counts[label] = sigs
    print(f"corpus: {root}")
    print(f"{'label':16} {'n':>6} {'flagged':>8} {'危険':>7}")
    figures: dict[str, dict[str, float]] = {}
    for label, c in stats.items():
        n = c["n"] or 1
        flagged = (c["caution"] + c["danger"]) / n
        danger = c["danger"] / n
        figures[label] = {"n": c["n"], "flagged": round(flagged, 4), "danger": round(danger, 4)}
        print(f"{label:16} {c['n']:6d} {flagged:8.1%} {danger:7.1%}")
    tp = sum(s["caution"] + s["danger"] for lab, s in stats.items() if is_positive(lab))
    fp = sum(s["caution"] + s["danger"] for lab, s in stats.items() if not is_positive(lab))
    precision = tp / (tp + fp) if tp + fp else 0.0
    print(f"precision over the corpus (flagged = 注意 or 危険): {precision:.3f} (TP {tp}, FP {fp})")
    for label, c in stats.items():
        if is_positive(label):
            # Precision of this label against every negative mail of the corpus.
            tp_label = c["caution"] + c["danger"]
            label_precision = tp_label / (tp_label + fp) if tp_label + fp else 0.0
            figures[label]["precision"] = round(label_precision, 4)
            print(
                f"  {label}: recall {figures[label]['flagged']:.3f}, 危険 recall "
                f"{figures[label]['danger']:.3f}, precision vs all negatives {label_precision:.3f}"
            )
        else:
            print(
                f"  {label}: false-positive rate {figures[label]['flagged']:.3f} (危険 {figures[label]['danger']:.3f})"
            )
    if args.signals:
        for label, sigs in signal_counts.items():
            top = ", ".join(f"{k} {v}" for k, v in sigs.most_common(12))
            print(f"signals {label}: {top}")
    print(f"slowest mail: {slowest[0]:.3f} s {slowest[1]}")
    print(
        json.dumps(
            {
                "name": "eval_mailcheck",
                "precision": round(precision, 4),
                "labels": figures,
                "slowest_seconds": round(slowest[0], 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
