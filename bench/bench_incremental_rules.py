"""Saving one share in a 50,000-share organisation (issue 20, "Incremental rules"): the request
time against the bare UPDATE floor, the rule job that follows (only the saved share for the share
rules), the old in-request full rule run for comparison, and the wall time until the finding
appears with a real worker thread polling at its default interval.

    .venv/bin/python bench/bench_incremental_rules.py [--quick] [--db sqlite|postgres]

Builds the organisation of bench/bench_inventory.py (5,000 people, 20,000 accounts, 50,000
shares). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_inventory import analyse, build, configure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    options = parser.parse_args()
    people, accounts, shares, runs = (
        (500, 2000, 5000, 10)
        if options.quick
        else (
            5000,
            20000,
            50000,
            20,
        )
    )
    configure(options.db)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from mamori.core import jobs
    from mamori.core.models import Job, JobStatus
    from mamori.findings.models import Finding, Status
    from mamori.findings.services import run_rules
    from mamori.findings.tasks import DEBOUNCE_SECONDS, RERUN
    from mamori.inventory.models import Share

    setup_test_environment()
    org, owner = build(people, accounts, shares)
    analyse()
    run_rules(org)
    analyse()
    jobs.load_handlers()
    client = Client()
    client.force_login(owner)
    session = client.session
    session["login_at"] = timezone.now().timestamp()
    session.save()

    targets = list(
        Share.objects.filter(organization=org, contains_personal_data=False)
        .order_by("pk")
        .values_list("pk", "name")[:runs]
    )
    kind = "inventory.public_share_sensitive"

    def post(pk: int, name: str, public: bool) -> float:
        form = {"name": name, "scope": "public" if public else "internal", "notes": ""}
        if public:
            form["contains_personal_data"] = "on"
        start = time.perf_counter()
        response = client.post(f"/o/{org.slug}/inventory/shares/{pk}/edit/", form)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 302, response.content[:500]
        return elapsed

    def open_for(pk: int) -> bool:
        return Finding.objects.filter(
            organization=org, kind=kind, subject_id=str(pk), status=Status.OPEN
        ).exists()

    def bare_update(pk: int) -> float:
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE inventory_share SET scope = %s, updated_at = %s WHERE id = %s",
                ["internal", timezone.now(), pk],
            )
        return (time.perf_counter() - start) * 1000

    def run_job() -> float:
        Job.objects.filter(kind=RERUN, status=JobStatus.QUEUED).update(run_at=timezone.now())
        start = time.perf_counter()
        assert jobs.run_one("bench")
        return (time.perf_counter() - start) * 1000

    # 1. The request, then the job run by hand (the finding opens, then resolves).
    save_ms, job_ms = [], []
    for pk, name in targets:
        save_ms.append(post(pk, name, True))
        assert not open_for(pk)  # nothing evaluated inside the request
        job_ms.append(run_job())
        assert open_for(pk)
        save_ms.append(post(pk, name, False))
        job_ms.append(run_job())
        assert not open_for(pk)
    floor_ms = [bare_update(pk) for pk, _ in targets for _ in range(2)]

    # 2. What the request used to do after commit: the share rules over every share.
    full_ms = []
    for _ in range(3):
        start = time.perf_counter()
        run_rules(org, ["inventory.share"])
        full_ms.append((time.perf_counter() - start) * 1000)

    # 3. Wall time until the finding appears, a worker thread polling at the default interval.
    stop = threading.Event()
    threads = jobs.start_workers(stop, name="bench-worker")
    appear_s = []
    try:
        for pk, name in targets[: max(3, runs // 4)]:
            start = time.perf_counter()
            post(pk, name, True)
            while not open_for(pk):
                time.sleep(0.02)
                if time.perf_counter() - start > 60:
                    raise SystemExit("finding did not appear within 60 s")
            appear_s.append(time.perf_counter() - start)
            post(pk, name, False)
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    figures = {
        "db": connection.vendor,
        "shares": shares,
        "saves": len(save_ms),
        "save_request_p50_ms": round(statistics.median(save_ms), 2),
        "bare_update_p50_ms": round(statistics.median(floor_ms), 3),
        "rule_job_p50_ms": round(statistics.median(job_ms), 2),
        "old_in_request_share_rules_ms": round(min(full_ms), 1),
        "finding_appears_p50_s": round(statistics.median(appear_s), 2),
        "finding_appears_max_s": round(max(appear_s), 2),
        "debounce_s": DEBOUNCE_SECONDS,
        "worker_poll_s": settings.JOB_POLL_SECONDS,
    }
    ratio = {
        "save_request_vs_bare_update": round(
            figures["save_request_p50_ms"] / figures["bare_update_p50_ms"], 1
        ),
        "rule_job_vs_old_full_share_rules": round(
            figures["rule_job_p50_ms"] / figures["old_in_request_share_rules_ms"], 3
        ),
    }
    for key, value in {**figures, **ratio}.items():
        print(f"{key:>36}: {value}")
    print(
        json.dumps(
            {
                "name": "incremental_rules_save_one_share",
                "figures": figures,
                "baseline": "bare UPDATE of the share row (same run); the old in-request run of "
                "the share rules over every share (same run)",
                "ratio": ratio,
            }
        )
    )


if __name__ == "__main__":
    main()
