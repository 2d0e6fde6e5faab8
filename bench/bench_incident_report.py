"""Incident report export at scale: one incident with every playbook step done and a long
timeline (2,000 entries; 300 with --quick). Measures building the report data from the
database, the PDF and the Markdown rendering; the baseline is a bare read of the same timeline
rows (values_list), so the ratio says what the report costs beyond fetching its data.

    .venv/bin/python bench/bench_incident_report.py [--quick]

Runs on a fresh SQLite database in a temporary data dir. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def configure() -> None:
    os.environ["MAMORI_DATA_DIR"] = tempfile.mkdtemp(prefix="mamori-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def median_seconds(function, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    entries = 300 if args.quick else 2000
    repeat = 3 if args.quick else 5
    configure()

    from django.utils import translation

    from mamori.incidents import report, services
    from mamori.incidents.catalog import checklist_for
    from mamori.incidents.models import TimelineEntry
    from mamori.orgs.services import create_organization, create_user

    translation.activate("ja")
    owner = create_user("bench-owner@example.jp", "bench-password-42", full_name="所有 太郎")
    org = create_organization("Bench 株式会社", owner)
    incident = services.report_incident(
        None,
        org,
        title="ランサムウェア被害",
        description="朝来たらパソコンに身代金を要求する画面が出ていた",
        playbook_ids=["ransomware", "database-breach-unpatched"],
        actor=owner,
    )
    for item in checklist_for(incident.playbook_ids):
        services.set_step(None, incident, item.step_id, True, actor=owner)
    while TimelineEntry.objects.filter(incident=incident).count() < entries:
        services.add_note(None, incident, "ログを確認し、影響範囲を記録した。" * 3, actor=owner)
    count = TimelineEntry.objects.filter(incident=incident).count()

    def baseline() -> None:
        list(
            TimelineEntry.objects.filter(incident=incident).values_list(
                "pk", "created_at", "author_label", "kind", "text", "data"
            )
        )

    data = report.build(incident)
    base = median_seconds(baseline, repeat)
    build_s = median_seconds(lambda: report.build(incident), repeat)
    pdf_s = median_seconds(lambda: report.pdf(data), repeat)
    md_s = median_seconds(lambda: report.markdown(data), repeat)
    pdf_bytes = report.pdf(data)
    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages)
    total = build_s + pdf_s
    figures = {
        "name": "incident_report",
        "timeline_entries": count,
        "steps": len(data["steps"]),
        "build_ms": round(build_s * 1000, 1),
        "pdf_ms": round(pdf_s * 1000, 1),
        "markdown_ms": round(md_s * 1000, 2),
        "pdf_pages": pages,
        "pdf_kb": round(len(pdf_bytes) / 1024, 1),
        "pdf_ms_per_entry": round(pdf_s * 1000 / count, 3),
        "baseline": "bare timeline read (values_list)",
        "baseline_ms": round(base * 1000, 2),
        "ratio": round(total / base, 1) if base else None,
    }
    print(f"timeline entries        {count}")
    print(f"report data (build)     {figures['build_ms']} ms")
    print(f"PDF render              {figures['pdf_ms']} ms, {pages} pages, {figures['pdf_kb']} KB")
    print(f"Markdown render         {figures['markdown_ms']} ms")
    print(f"baseline (bare read)    {figures['baseline_ms']} ms")
    print(f"ratio (build+PDF)/base  {figures['ratio']}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
