"""Saving one share in a 50,000-share organisation (issue 20, "Incremental rules"): the request
time (wall and CPU) against the bare UPDATE floor, the rule job that follows (only the subjects
the saved share leads to), the old in-request full rule run for comparison, and the wall time
until the finding appears — with the workers embedded as `mamori serve` runs them (woken when the
job is due) and with a separate `mamori worker --queues urgent,default` process (polling).

    .venv/bin/python bench/bench_incremental_rules.py [--quick] [--db sqlite|postgres]

Builds the organisation of bench/bench_inventory.py (5,000 people, 20,000 accounts, 50,000
shares). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
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

    cpu_ms: list[float] = []

    def post(pk: int, name: str, public: bool) -> float:
        form = {"name": name, "scope": "public" if public else "internal", "notes": ""}
        if public:
            form["contains_personal_data"] = "on"
        cpu = time.thread_time()
        start = time.perf_counter()
        response = client.post(f"/o/{org.slug}/inventory/shares/{pk}/edit/", form)
        elapsed = (time.perf_counter() - start) * 1000
        cpu_ms.append((time.thread_time() - cpu) * 1000)
        assert response.status_code == 302, response.content[:500]
        # A browser follows the redirect and the next page shows the "Saved." message; the
        # test client does not, so the message cookie would grow with every save.
        client.cookies.pop("messages", None)
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

    job_cpu_ms: list[float] = []

    def run_job() -> float:
        Job.objects.filter(kind=RERUN, status=JobStatus.QUEUED).update(run_at=timezone.now())
        cpu = time.thread_time()
        start = time.perf_counter()
        assert jobs.run_one("bench")
        job_cpu_ms.append((time.thread_time() - cpu) * 1000)
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

    # 3. Wall time until the finding appears (and until it resolves again, before the next).
    def until(pk: int, shown: bool, start: float) -> float:
        while open_for(pk) != shown:
            time.sleep(0.01)
            if time.perf_counter() - start > 60:
                raise SystemExit("the finding did not follow within 60 s")
        return time.perf_counter() - start

    def appearances(pairs: list[tuple[int, str]]) -> list[float]:
        found = []
        for pk, name in pairs:
            start = time.perf_counter()
            post(pk, name, True)
            found.append(until(pk, True, start))
            start = time.perf_counter()
            post(pk, name, False)
            until(pk, False, start)
        return found

    sample = targets[: max(4, runs // 2)]
    # As `mamori serve` runs them: in the web process, woken when the job comes due.
    stop = threading.Event()
    threads = jobs.start_embedded_workers(stop, name="bench-embedded")
    try:
        embedded_s = appearances(sample)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    # A separate worker process on the same database, polling the urgent queue.
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("mamori")), "worker", "--queues", "urgent,default"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # started and polling
        separate_s = appearances(sample)
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    figures = {
        "db": connection.vendor,
        "shares": shares,
        "saves": len(save_ms),
        "save_request_p50_ms": round(statistics.median(save_ms), 2),
        "save_request_cpu_p50_ms": round(statistics.median(cpu_ms[: len(save_ms)]), 2),
        "bare_update_p50_ms": round(statistics.median(floor_ms), 3),
        "rule_job_p50_ms": round(statistics.median(job_ms), 2),
        "rule_job_cpu_p50_ms": round(statistics.median(job_cpu_ms), 2),
        "old_in_request_share_rules_ms": round(min(full_ms), 1),
        "finding_appears_embedded_p50_s": round(statistics.median(embedded_s), 2),
        "finding_appears_embedded_max_s": round(max(embedded_s), 2),
        "finding_appears_separate_worker_p50_s": round(statistics.median(separate_s), 2),
        "finding_appears_separate_worker_max_s": round(max(separate_s), 2),
        "debounce_s": DEBOUNCE_SECONDS,
        "urgent_poll_s": settings.JOB_URGENT_POLL_SECONDS,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    ratio = {
        "save_request_vs_bare_update": round(
            figures["save_request_p50_ms"] / figures["bare_update_p50_ms"], 1
        ),
        "rule_job_vs_old_full_share_rules": round(
            figures["rule_job_p50_ms"] / figures["old_in_request_share_rules_ms"], 3
        ),
        "embedded_appears_vs_debounce": round(
            figures["finding_appears_embedded_p50_s"] / DEBOUNCE_SECONDS, 2
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
