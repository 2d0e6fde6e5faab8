"""Owner views at scale: the assessments dashboard tiles and the management report (HTML data
and one-page PDF) for an organisation with 20,000 findings and 2,000 completed assessments.

Baselines measured in the same run: a bare aggregate over the same findings (what any tile must
at least cost) and a bare reportlab PDF of one Japanese paragraph (what any PDF must cost).

    .venv/bin/python bench/bench_assessments.py [--quick]

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
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


def build(findings: int, assessments: int):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from mamori.assessments.models import Assessment, AssessmentStatus
    from mamori.findings.models import Action, Finding
    from mamori.orgs.services import create_organization, create_user

    owner = create_user("bench-owner@example.jp", "bench-password-42")
    org = create_organization("Bench 株式会社", owner)
    today = timezone.localdate()
    severities = ("critical", "high", "medium", "low")
    statuses = ("open", "open", "accepted", "resolved")
    rows = Finding.objects.bulk_create(
        [
            Finding(
                organization=org,
                kind="bench.kind",
                key=f"bench:{i}",
                severity=severities[i % 4],
                severity_rank=4 - i % 4,
                status=statuses[i % 4],
                subject=f"問題 {i}",
                guidance_key="assessment.weak_answer",
                accepted_until=today + timedelta(days=i % 60) if i % 4 == 2 else None,
                resolved_at=timezone.now() if i % 4 == 3 else None,
            )
            for i in range(findings)
        ],
        batch_size=2000,
    )
    Action.objects.bulk_create(
        [
            Action(organization=org, finding=f, due_date=today + timedelta(days=i % 90 - 30))
            for i, f in enumerate(rows)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    Assessment.objects.bulk_create(
        [
            Assessment(
                organization=org,
                questionnaire_id=("ipa_basic", "bcp", "handbook", "personal_data")[i % 4],
                status=AssessmentStatus.COMPLETED,
                completed_at=now - timedelta(hours=i),
                percent=float(30 + i % 70),
            )
            for i in range(assessments)
        ],
        batch_size=2000,
    )
    from mamori.orgs.models import Membership

    return org, Membership.objects.get(organization=org, user=owner)


def p50(function, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    findings, assessments, runs = (2_000, 200, 5) if args.quick else (20_000, 2_000, 15)
    configure()
    from django.db.models import Count, Q
    from django.utils import translation

    from mamori.assessments.report import build_report, render_report_pdf
    from mamori.assessments.tiles import tiles
    from mamori.findings.models import Finding
    from mamori.reports.pdf import build_pdf, paragraph

    org, membership = build(findings, assessments)
    translation.activate("ja")
    report = build_report(org, "ja")

    def bare_aggregate() -> None:
        Finding.objects.filter(organization=org).aggregate(n=Count("id", filter=Q(status="open")))

    figures = {
        "tiles_ms_p50": p50(lambda: [str(t.label) for t in tiles(org, membership)], runs),
        "report_build_ms_p50": p50(lambda: build_report(org, "ja"), runs),
        "report_pdf_ms_p50": p50(lambda: render_report_pdf(report), runs),
        "bare_aggregate_ms_p50": p50(bare_aggregate, runs),
        "bare_pdf_ms_p50": p50(lambda: build_pdf([paragraph("情報セキュリティ月次報告")]), runs),
    }
    ratio_tiles = figures["tiles_ms_p50"] / figures["bare_aggregate_ms_p50"]
    ratio_pdf = figures["report_pdf_ms_p50"] / figures["bare_pdf_ms_p50"]
    for name, value in figures.items():
        print(f"{name:24s} {value:9.2f} ms")
    print(f"tiles / bare aggregate    {ratio_tiles:9.2f}x")
    print(f"report PDF / bare PDF     {ratio_pdf:9.2f}x")
    print(
        json.dumps(
            {
                "name": "assessments",
                "findings": findings,
                "assessments": assessments,
                **{k: round(v, 3) for k, v in figures.items()},
                "baseline": "bare aggregate over the findings; bare one-paragraph reportlab PDF",
                "ratio": round(ratio_tiles, 2),
                "ratio_pdf": round(ratio_pdf, 2),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
