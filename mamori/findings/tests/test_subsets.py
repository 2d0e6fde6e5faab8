"""Incremental rules over subjects (issue 20): a change re-evaluates only the subjects its links
lead to, leaves other subjects' findings alone, and — over random edits — keeps the findings equal
to a full recomputation; the nightly full run reports what it had to correct."""

from __future__ import annotations

import logging
import random
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from mamori.continuity.models import Backup, CriticalAccount, RestoreTest
from mamori.core.metrics import exposition
from mamori.findings.models import Finding, RuleCorrection, Status
from mamori.findings.rules import RULES, load_rules
from mamori.findings.services import (
    _subjects,
    moved_references,
    run_rules,
    run_rules_for_changes,
    spec_digest,
)
from mamori.findings.tasks import full_run
from mamori.findings.tests.helpers import run_rule_jobs
from mamori.inventory.models import (
    Account,
    Device,
    Person,
    Service,
    Share,
    ShareGrant,
    Supplier,
)
from mamori.privacy.models import PersonalData, Supervision

LEAVER = "inventory.leaver_access"
SINGLE = "inventory.single_administrator"
PAST = date(2020, 1, 1)


def _label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _save(org: Any, obj: models.Model, **values: Any) -> dict[str, Any]:
    """Change a record as a register save does and run the rules the job would run."""
    before = type(obj)._default_manager.get(pk=obj.pk)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()
    label = _label(obj)
    return run_rules_for_changes(
        org, {label: [str(obj.pk)], **moved_references(label, before, obj)}
    )


def _drift(org: Any) -> dict[str, tuple[set[str], set[str]]]:
    """Per rule, the keys a full recomputation would open that are not stored open (or stored
    with other content), and the stored open keys it would not report."""
    load_rules()
    differences = {}
    for kind, rule in RULES.items():
        full = {}
        for spec in rule.evaluate(org):
            severity = spec.severity or rule.severity
            full[spec.key] = spec_digest(spec.subject[:300], severity, spec.params, spec.evidence)
        stored = dict(
            Finding.objects.filter(organization=org, kind=kind, status=Status.OPEN).values_list(
                "key", "digest"
            )
        )
        missing = {k for k, d in full.items() if stored.get(k) != d}
        extra = set(stored) - set(full)
        if missing or extra:
            differences[kind] = (missing, extra)
    return differences


def _age_findings(org: Any) -> None:
    """Findings last seen long ago, so a run that looks at one refreshes its last_seen."""
    Finding.objects.filter(organization=org).update(last_seen=timezone.now() - timedelta(days=2))


@pytest.mark.django_db
def test_moving_an_account_rechecks_both_people_and_no_one_else(org: Any) -> None:
    load_rules()
    a, b, c = (
        Person.objects.create(organization=org, name=n, left_on=PAST) for n in ("A", "B", "C")
    )
    moved = Account.objects.create(organization=org, person=a, username="moved")
    Account.objects.create(organization=org, person=c, username="c-login")
    run_rules(org)
    assert set(
        Finding.objects.filter(kind=LEAVER, status=Status.OPEN).values_list("subject_id", flat=True)
    ) == {str(a.pk), str(c.pk)}
    _age_findings(org)
    untouched = Finding.objects.get(kind=LEAVER, subject_id=str(c.pk))

    results = _save(org, moved, person=b)
    # A (the old person) has nothing left, B has the account now.
    assert results[LEAVER].opened == 1 and results[LEAVER].resolved == 1
    assert Finding.objects.get(kind=LEAVER, subject_id=str(a.pk)).status == Status.RESOLVED
    assert Finding.objects.get(kind=LEAVER, subject_id=str(b.pk)).status == Status.OPEN
    # C's finding was neither read into a change nor refreshed.
    again = Finding.objects.get(pk=untouched.pk)
    assert (again.last_seen, again.digest, again.status) == (
        untouched.last_seen,
        untouched.digest,
        untouched.status,
    )
    assert _drift(org) == {}


@pytest.mark.django_db
def test_single_administrator_recounts_the_old_and_new_service_only(org: Any) -> None:
    load_rules()
    one, two, other = (Service.objects.create(organization=org, name=n) for n in "XYZ")
    first = Account.objects.create(organization=org, service=one, username="a", role="admin")
    Account.objects.create(organization=org, service=one, username="b", role="admin")
    Account.objects.create(organization=org, service=other, username="c", role="admin")
    run_rules(org)
    assert Finding.objects.filter(kind=SINGLE, status=Status.OPEN).get().subject_id == str(other.pk)
    _age_findings(org)
    before = Finding.objects.get(kind=SINGLE, subject_id=str(other.pk)).last_seen

    _save(org, first, service=two)  # X keeps one admin, Y gets one
    open_now = set(
        Finding.objects.filter(kind=SINGLE, status=Status.OPEN).values_list("subject_id", flat=True)
    )
    assert open_now == {str(one.pk), str(two.pk), str(other.pk)}
    assert Finding.objects.get(kind=SINGLE, subject_id=str(other.pk)).last_seen == before
    assert _drift(org) == {}


@pytest.mark.django_db
def test_a_device_and_a_service_with_the_same_id_are_different_subjects(org: Any) -> None:
    """Subjects are (type, id): re-checking service 5 never touches device 5's finding."""
    load_rules()
    service = Service.objects.create(organization=org, name="S")
    device = Device.objects.create(organization=org, name="D", kind="pc")
    Device.objects.filter(pk=device.pk).update(id=service.pk)
    device = Device.objects.get(pk=service.pk)
    Account.objects.create(organization=org, service=service, username="s", role="admin")
    Account.objects.create(organization=org, device=device, username="d", role="admin")
    run_rules(org)
    assert Finding.objects.filter(kind=SINGLE, status=Status.OPEN).count() == 2
    _age_findings(org)
    seen = Finding.objects.get(kind=SINGLE, subject_type="inventory.device").last_seen
    _save(org, service, archived_at=timezone.now())
    assert Finding.objects.get(kind=SINGLE, subject_type="inventory.service").status == (
        Status.RESOLVED
    )
    device_finding = Finding.objects.get(kind=SINGLE, subject_type="inventory.device")
    assert device_finding.status == Status.OPEN and device_finding.last_seen == seen


@pytest.mark.django_db(transaction=True)
def test_editing_an_account_through_the_form_moves_the_leaver_finding(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    """The whole path: the edit form, the queued job with the old person in its payload, the
    job run by a worker."""
    load_rules()
    a = Person.objects.create(organization=org, name="A", left_on=PAST)
    b = Person.objects.create(organization=org, name="B", left_on=PAST)
    account = Account.objects.create(organization=org, person=a, username="login")
    run_rules(org)
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/inventory/accounts/{account.pk}/edit/",
        {"person": b.pk, "username": "login", "role": "user", "active": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    from mamori.core.models import Job

    payload = Job.objects.get(kind="findings.rerun_rules").payload["changes"]
    assert payload["inventory.account"] == [str(account.pk)]
    assert payload["inventory.account@person_id"] == [str(a.pk)]
    assert run_rule_jobs() == 1
    assert set(
        Finding.objects.filter(kind=LEAVER, status=Status.OPEN).values_list("subject_id", flat=True)
    ) == {str(b.pk)}


def _world(org: Any, rng: random.Random) -> dict[str, list[models.Model]]:
    today = timezone.localdate()
    people = [
        Person.objects.create(
            organization=org, name=f"人 {i}", left_on=PAST if i % 3 == 0 else None
        )
        for i in range(6)
    ]
    services = [
        Service.objects.create(
            organization=org,
            name=f"Service {i}",
            mfa_available=True,
            mfa_enforced=i % 2 == 0,
            holds_personal_data=i % 2 == 1,
        )
        for i in range(4)
    ]
    devices = [
        Device.objects.create(
            organization=org,
            name=f"Device {i}",
            kind=("nas", "pc", "server", "smartphone")[i],
            person=people[i],
            ownership="byod" if i == 3 else "company",
            auto_update=True,
        )
        for i in range(4)
    ]
    accounts = [
        Account.objects.create(
            organization=org,
            username=f"user{i}",
            person=rng.choice(people),
            service=services[i % 4] if i % 3 else None,
            device=devices[i % 4] if i % 3 == 0 else None,
            role="admin" if i % 2 else "user",
            mfa_enabled=i % 4 == 1,
            shared=i == 5,
            last_reviewed_on=today,
        )
        for i in range(12)
    ]
    shares = [
        Share.objects.create(
            organization=org,
            name=f"共有 {i}",
            service=services[i % 4],
            scope=("public", "internal", "anyone_with_link")[i % 3],
            contains_personal_data=i % 2 == 0,
            created_on=today,
        )
        for i in range(6)
    ]
    for i, share in enumerate(shares):
        ShareGrant.objects.create(share=share, person=people[i % 6], permission="viewer")
    suppliers = [
        Supplier.objects.create(
            organization=org,
            name=f"委託先 {i}",
            handles_personal_data=True,
            subcontracting_allowed=i == 1,
            servers_abroad=i == 2,
        )
        for i in range(3)
    ]
    supervisions = [
        Supervision.objects.create(organization=org, supplier=suppliers[0]),
    ]
    backups = [
        Backup.objects.create(organization=org, name="NAS copy", device=devices[0]),
        Backup.objects.create(organization=org, name="Drive copy", service=services[1]),
        Backup.objects.create(organization=org, name="Share copy", share=shares[0]),
    ]
    RestoreTest.objects.create(
        organization=org, backup=backups[0], tested_on=today, result="success"
    )
    critical = [
        CriticalAccount.objects.create(
            organization=org,
            name=f"重要 {i}",
            service=services[i],
            administrator=people[i],
            deputy=people[i + 2] if i else None,
        )
        for i in range(3)
    ]
    entries = [
        PersonalData.objects.create(
            organization=org, name="顧客名簿", purpose="", owner=people[1], sensitive=True
        ),
        PersonalData.objects.create(organization=org, name="社員名簿", purpose="人事", owner=None),
    ]
    entries[0].shares.set([shares[0], shares[2]])
    return {
        "person": people,
        "service": services,
        "device": devices,
        "account": accounts,
        "share": shares,
        "supplier": suppliers,
        "supervision": supervisions,
        "backup": backups,
        "critical": critical,
        "entry": entries,
    }


def _edit(world: dict[str, list[models.Model]], rng: random.Random) -> tuple[Any, dict[str, Any]]:
    """One random change a register form could make."""
    people, services, devices = world["person"], world["service"], world["device"]
    archive = rng.choice([None, timezone.now()])
    choices: dict[str, Any] = {
        "person": lambda: {"left_on": rng.choice([None, PAST]), "archived_at": archive},
        "service": lambda: {
            "mfa_enforced": rng.choice([True, False]),
            "holds_personal_data": rng.choice([True, False]),
            "approval": rng.choice(["approved", "not_approved"]),
            "archived_at": rng.choice([None, None, archive]),
        },
        "device": lambda: {
            "person": rng.choice([*people, None]),
            "disposed_on": rng.choice([None, None, PAST]),
            "ownership": rng.choice(["byod", "company"]),
            "disk_encryption": rng.choice([True, None]),
        },
        "account": lambda: {
            "person": rng.choice([*people, None]),
            "service": rng.choice([*services, None]),
            "device": rng.choice([*devices, None]),
            "role": rng.choice(["admin", "user"]),
            "mfa_enabled": rng.choice([True, False, None]),
            "shared": rng.choice([True, False]),
            "active": rng.choice([True, True, False]),
        },
        "share": lambda: {
            "scope": rng.choice(["public", "internal", "anyone_with_link", "private"]),
            "contains_personal_data": rng.choice([True, False]),
            "service": rng.choice([*services, None]),
            "archived_at": rng.choice([None, None, archive]),
        },
        "supplier": lambda: {
            "security_clauses": rng.choice([True, False]),
            "subcontracting_allowed": rng.choice([True, False]),
            "servers_abroad": rng.choice([True, False]),
        },
        "supervision": lambda: {
            "supplier": rng.choice(
                [s for s in world["supplier"] if not hasattr(s, "supervision")]
                or [world["supervision"][0].supplier]
            ),
            "clause_purpose": rng.choice([True, False]),
            "archived_at": rng.choice([None, archive]),
        },
        "backup": lambda: {
            "device": rng.choice([*devices, None]),
            "service": rng.choice([*services, None]),
            "share": rng.choice([*world["share"], None]),
            "location": rng.choice(["same_system", "other_site", "cloud"]),
        },
        "critical": lambda: {
            "service": rng.choice([*services, None]),
            "deputy": rng.choice([*people, None]),
            "escrow": rng.choice(["none", "sealed_safe"]),
        },
        "entry": lambda: {
            "purpose": rng.choice(["", "販売"]),
            "owner": rng.choice([*people, None]),
            "foreign_transfer": rng.choice([True, False]),
        },
    }
    register = rng.choice(sorted(choices))
    obj = rng.choice(world[register])
    values = choices[register]()
    chosen = dict(rng.sample(sorted(values.items(), key=lambda kv: kv[0]), rng.randint(1, 2)))
    return obj, chosen


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edits_keep_the_findings_equal_to_a_full_run(org: Any, seed: int) -> None:
    load_rules()
    rng = random.Random(seed)
    world = _world(org, rng)
    run_rules(org)
    assert _drift(org) == {}
    for step in range(40):
        obj, values = _edit(world, rng)
        if isinstance(obj, Supervision):
            # One supervision per supplier: refresh the cached reverse side before choosing.
            for supplier in world["supplier"]:
                supplier.refresh_from_db()
        _age_findings(org)
        before = type(obj)._default_manager.get(pk=obj.pk)
        results = _save(org, obj, **values)
        assert _drift(org) == {}, (step, obj, values)
        # Rules re-checked over subjects touched no finding of another subject.
        label = _label(obj)
        changes = {label: [str(obj.pk)], **moved_references(label, before, obj)}
        aged = timezone.now() - timedelta(days=1)
        for finding in Finding.objects.filter(organization=org).exclude(last_seen__lt=aged):
            rule = RULES.get(finding.kind)
            assert label in rule.triggers, (step, finding.kind, label)
            subjects = _subjects(org, rule, changes, [label], {})
            if subjects is None:
                continue  # a full run of that rule
            assert finding.subject_id in subjects.get(finding.subject_type, []), (
                step,
                finding.kind,
                finding.subject_type,
                finding.subject_id,
                subjects,
                results,
            )
    # What the incremental runs left is what the nightly run finds: nothing to correct.
    assert full_run(org) == 0
    assert not RuleCorrection.objects.exists()


@pytest.mark.django_db
def test_nightly_run_reports_a_missed_change_as_a_correction(
    org: Any, caplog: pytest.LogCaptureFixture
) -> None:
    load_rules()
    rng = random.Random(7)
    world = _world(org, rng)
    run_rules(org)
    with caplog.at_level(logging.INFO, logger="mamori.findings"):
        assert full_run(org) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]

    # An account made a shared one behind mamori's back: no incremental run saw it.
    account = world["account"][0]
    Account.objects.filter(pk=account.pk).update(shared=True, active=True, archived_at=None)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mamori.findings"):
        assert full_run(org) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("inventory.shared_account opened 1" in m for m in warnings), warnings
    correction = RuleCorrection.objects.get()
    assert (correction.kind, correction.opened, correction.organization_id) == (
        "inventory.shared_account",
        1,
        org.pk,
    )
    assert "\nmamori_rule_corrections_total 1\n" in exposition()
    # Corrected now: the next night has nothing to say.
    assert full_run(org) == 0
