"""Rules after a change run in a debounced job, over the changed records only where a rule can
(issue 20, "Incremental rules"); the nightly full run is the safety net and logs what it had to
change."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mamori.core import jobs
from mamori.core.models import Job, JobStatus
from mamori.findings.models import Finding, Status
from mamori.findings.rules import RULES, load_rules
from mamori.findings.services import run_rules, run_rules_for_changes
from mamori.findings.tasks import RERUN, merge_changes, queue_rules
from mamori.findings.tests.helpers import run_rule_jobs
from mamori.inventory.models import Share

PUBLIC = "inventory.public_share_sensitive"
OLD_LINK = "inventory.old_link_share"


def _share_form(share: Share, **changes: Any) -> dict[str, Any]:
    data = {
        "name": share.name,
        "service": "",
        "url": share.url,
        "owner": "",
        "scope": share.scope,
        "created_on": share.created_on.isoformat() if share.created_on else "",
        "expires_on": "",
        "notes": "",
    }
    if share.contains_personal_data:
        data["contains_personal_data"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def _shares(org: Any, n: int) -> list[Share]:
    return Share.objects.bulk_create(
        [
            Share(
                organization=org,
                name=f"共有 {i:05d}",
                scope="internal",
                created_on=date(2026, 1, 1),
            )
            for i in range(n)
        ]
    )


def _open(kind: str) -> set[str]:
    return set(
        Finding.objects.filter(kind=kind, status=Status.OPEN).values_list("subject_id", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_saving_a_share_queues_a_job_that_opens_and_resolves_its_finding(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    share, other = _shares(org, 2)
    url = f"/o/{org.slug}/inventory/shares/{share.pk}/edit/"
    response = editor.post(
        url, _share_form(share, scope="anyone_with_link", contains_personal_data="on")
    )
    assert response.status_code == 302
    # Nothing evaluated inside the request: one queued run naming the saved share.
    assert not Finding.objects.filter(kind=PUBLIC).exists()
    job = Job.objects.get(kind=RERUN, status=JobStatus.QUEUED)
    assert job.organization_id == org.pk
    assert job.payload == {"changes": {"inventory.share": [str(share.pk)]}}
    assert run_rule_jobs() == 1
    assert _open(PUBLIC) == {str(share.pk)}

    # Back to internal: the next run resolves it.
    share.refresh_from_db()
    editor.post(url, _share_form(share, scope="internal", contains_personal_data="on"))
    assert run_rule_jobs() == 1
    assert _open(PUBLIC) == set()
    assert Finding.objects.get(kind=PUBLIC).status == Status.RESOLVED
    assert Job.objects.filter(kind=RERUN, status=JobStatus.DONE).count() == 2


@pytest.mark.django_db(transaction=True)
def test_save_request_costs_the_same_whatever_the_number_of_shares(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])

    def save_one() -> list[str]:
        run_rule_jobs()  # each save then queues a fresh run (rather than joining one)
        share = Share.objects.filter(organization=org).order_by("pk").first()
        assert share is not None
        with CaptureQueriesContext(connection) as context:
            response = editor.post(
                f"/o/{org.slug}/inventory/shares/{share.pk}/edit/",
                _share_form(share, scope="public", contains_personal_data="on"),
            )
        assert response.status_code == 302
        return [q["sql"] for q in context.captured_queries]

    _shares(org, 3)
    save_one()  # the first request of a session does some one-off work
    few = save_one()
    _shares(org, 60)
    many = save_one()
    assert len(few) == len(many), (few, many)
    # No rule ran in the request: no finding was read or written there.
    assert not any("findings_finding" in sql for sql in many)


@pytest.mark.django_db(transaction=True)
def test_saves_within_the_delay_share_one_run(org: Any) -> None:
    a, b, c = _shares(org, 3)
    queue_rules(org.pk, {"inventory.share": [str(a.pk)]})
    queue_rules(org.pk, {"inventory.share": [str(b.pk)], "inventory.person": ["7"]})
    queue_rules(org.pk, {"inventory.share": [str(a.pk)]})
    job = Job.objects.get(kind=RERUN)
    assert job.payload["changes"] == {
        "inventory.share": sorted([str(a.pk), str(b.pk)]),
        "inventory.person": ["7"],
    }
    # Once the run has started, a later change gets a run of its own (the running one may
    # have read the data before it).
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    later = queue_rules(org.pk, {"inventory.share": [str(c.pk)]})
    assert later.pk != job.pk and later.payload["changes"] == {"inventory.share": [str(c.pk)]}
    # An import (no ids) means every share.
    assert merge_changes({"inventory.share": ["1"]}, {"inventory.share": None}) == {
        "inventory.share": None
    }


@pytest.mark.django_db
def test_incremental_run_reads_only_the_changed_shares_and_agrees_with_a_full_run(
    org: Any,
) -> None:
    load_rules()
    shares = _shares(org, 30)
    exposed = shares[:10]
    Share.objects.filter(pk__in=[s.pk for s in exposed]).update(
        scope="public", contains_personal_data=True
    )
    run_rules(org, ["inventory.share"])
    assert _open(PUBLIC) == {str(s.pk) for s in exposed}

    # Two shares change: one closed, one opened.
    closed, opened = exposed[0], shares[20]
    Share.objects.filter(pk=closed.pk).update(scope="private")
    Share.objects.filter(pk=opened.pk).update(scope="public", contains_personal_data=True)
    with CaptureQueriesContext(connection) as context:
        results = run_rules_for_changes(org, {"inventory.share": [str(closed.pk), str(opened.pk)]})
    assert results[PUBLIC].opened == 1 and results[PUBLIC].resolved == 1
    finding_reads = [
        q["sql"]
        for q in context.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "findings_finding"' in q["sql"]
        and PUBLIC in q["sql"]
    ]
    # sync read the two subjects' findings (keys and states only, no JSON columns).
    assert finding_reads, context.captured_queries
    for sql in finding_reads:
        assert '"subject_id" IN' in sql
        assert '"evidence"' not in sql and '"params"' not in sql
    assert _open(PUBLIC) == {str(s.pk) for s in exposed[1:]} | {str(opened.pk)}
    # The full run finds nothing more to change.
    full = run_rules(org, ["inventory.share"])
    assert not full[PUBLIC].changed and not full[OLD_LINK].changed


@pytest.mark.django_db
def test_nightly_run_corrects_and_logs_what_an_incremental_run_missed(
    org: Any, caplog: pytest.LogCaptureFixture
) -> None:
    load_rules()
    (share,) = _shares(org, 1)
    # Changed behind mamori's back (no save service, so no incremental run).
    Share.objects.filter(pk=share.pk).update(scope="public", contains_personal_data=True)
    assert not Finding.objects.filter(kind=PUBLIC).exists()
    jobs.load_handlers()
    nightly = jobs.enqueue("findings.run_all_rules")
    Job.objects.filter(pk=nightly.pk).update(run_at="2000-01-01T00:00:00Z")
    with caplog.at_level(logging.INFO, logger="mamori.findings"):
        assert jobs.run_one("test-worker")
    assert _open(PUBLIC) == {str(share.pk)}
    assert any(PUBLIC in r.getMessage() and "opened 1" in r.getMessage() for r in caplog.records)
    assert RULES.get(PUBLIC).links
