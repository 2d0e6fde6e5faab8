"""Continuity rules: each fires on the situation it describes and resolves when it is fixed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mamori.continuity.models import (
    Backup,
    BackupLocation,
    BackupSchedule,
    CriticalAccount,
    EscrowPlace,
    RestoreTest,
)
from mamori.findings.guidance import get_guidance
from mamori.findings.models import Finding, Status
from mamori.findings.rules import RULES
from mamori.findings.services import run_rules
from mamori.inventory.models import Account, AccountRole, Device, Person, Service, Share

pytestmark = pytest.mark.django_db


def today() -> Any:
    return timezone.localdate()


def open_findings(org: Any, kind: str) -> dict[str, Finding]:
    return {
        f.subject_id: f
        for f in Finding.objects.filter(organization=org, kind=kind, status=Status.OPEN)
    }


def check(org: Any, kind: str) -> dict[str, Finding]:
    run_rules(org)
    return open_findings(org, kind)


def test_every_continuity_rule_has_guidance_citing_the_seeds() -> None:
    kinds = [kind for kind, _rule in RULES.items() if kind.startswith("continuity.")]
    assert len(kinds) == 9
    for kind in kinds:
        guidance = get_guidance(kind)
        assert guidance is not None, kind
        assert guidance.sources, kind
        assert RULES.get(kind).triggers, kind
    # A save of a backup or a restore test re-runs the backup rules (labels as saved).
    assert RestoreTest._meta.label_lower in RULES.get("continuity.no_restore_test").triggers
    assert Backup._meta.label_lower in RULES.get("continuity.cloud_only").triggers
    assert CriticalAccount._meta.label_lower in RULES.get("continuity.no_deputy").triggers


def test_important_device_without_backup_fires_and_resolves(org: Any) -> None:
    nas = Device.objects.create(organization=org, name="NAS-01", kind="nas")
    Device.objects.create(organization=org, name="PC", kind="pc")
    Device.objects.create(organization=org, name="old", kind="server", disposed_on=today())
    found = check(org, "continuity.no_backup")
    assert set(found) == {str(nas.pk)}
    assert found[str(nas.pk)].params == {"target": "NAS-01"}
    Backup.objects.create(organization=org, name="NAS copy", device=nas)
    assert check(org, "continuity.no_backup") == {}


def test_sensitive_share_is_covered_by_its_own_or_its_services_backup(org: Any) -> None:
    drive = Service.objects.create(organization=org, name="Drive")
    share = Share.objects.create(
        organization=org, name="名簿.xlsx", service=drive, contains_personal_data=True
    )
    Share.objects.create(organization=org, name="会社案内.pdf", service=drive)
    assert set(check(org, "continuity.no_backup")) == {str(share.pk)}
    Backup.objects.create(organization=org, name="Drive export", service=drive)
    assert check(org, "continuity.no_backup") == {}


def test_cloud_service_with_data_only_inside_it(org: Any) -> None:
    m365 = Service.objects.create(organization=org, name="M365", holds_personal_data=True)
    Service.objects.create(organization=org, name="SNS")  # nothing important in it
    inside = Backup.objects.create(
        organization=org, name="recycle bin", service=m365, location=BackupLocation.SAME_SYSTEM
    )
    found = check(org, "continuity.cloud_only")
    assert set(found) == {str(m365.pk)}
    assert {"kind": "backup", "id": inside.pk, "text": "recycle bin"} in found[
        str(m365.pk)
    ].evidence
    Backup.objects.create(
        organization=org, name="export", service=m365, location=BackupLocation.OFFLINE_MEDIA
    )
    assert check(org, "continuity.cloud_only") == {}


def test_backups_all_within_reach_of_ransomware(org: Any) -> None:
    nas = Device.objects.create(organization=org, name="NAS", kind="nas")
    online = Backup.objects.create(
        organization=org, name="USB disk always on", device=nas, location=BackupLocation.SAME_SITE
    )
    free = Backup.objects.create(
        organization=org, name="紙の台帳のスキャン", location=BackupLocation.CLOUD
    )
    found = check(org, "continuity.backup_not_separated")
    assert set(found) == {str(nas.pk), str(free.pk)}
    assert found[str(nas.pk)].params["backups"] == ["USB disk always on"]
    online.offline_or_immutable = True
    online.save()
    free.location = BackupLocation.OTHER_SITE
    free.save()
    assert check(org, "continuity.backup_not_separated") == {}


def test_backup_without_a_recent_successful_restore_test(org: Any) -> None:
    backup = Backup.objects.create(organization=org, name="NAS copy")
    found = check(org, "continuity.no_restore_test")
    assert found[str(backup.pk)].params["last_test"] == "never"
    summary = get_guidance("continuity.no_restore_test").render_summary(
        found[str(backup.pk)].params, "ja"
    )
    assert "一度も行っていません" in summary
    old = today() - timedelta(days=400)
    RestoreTest.objects.create(
        organization=org, backup=backup, tested_on=old, restored="x", result="success"
    )
    RestoreTest.objects.create(
        organization=org, backup=backup, tested_on=today(), restored="x", result="failed"
    )
    found = check(org, "continuity.no_restore_test")
    assert found[str(backup.pk)].params["last_test"] == old.isoformat()
    RestoreTest.objects.create(
        organization=org, backup=backup, tested_on=today(), restored="x", result="success"
    )
    assert check(org, "continuity.no_restore_test") == {}


def test_last_run_older_than_the_schedule_allows(org: Any) -> None:
    late = Backup.objects.create(
        organization=org,
        name="daily",
        schedule=BackupSchedule.DAILY,
        last_success_on=today() - timedelta(days=3),
    )
    Backup.objects.create(
        organization=org,
        name="weekly",
        schedule=BackupSchedule.WEEKLY,
        last_success_on=today() - timedelta(days=6),
    )
    Backup.objects.create(
        organization=org,
        name="manual",
        schedule=BackupSchedule.MANUAL,
        last_success_on=today() - timedelta(days=300),
    )
    found = check(org, "continuity.backup_overdue")
    assert set(found) == {str(late.pk)}
    text = get_guidance("continuity.backup_overdue").render_summary(
        found[str(late.pk)].params, "en"
    )
    assert "should run daily" in text
    late.last_success_on = today()
    late.save()
    assert check(org, "continuity.backup_overdue") == {}


def test_critical_account_with_one_administrator_and_no_escrow(org: Any) -> None:
    owner = Person.objects.create(organization=org, name="山田")
    second = Person.objects.create(organization=org, name="佐藤")
    domain = CriticalAccount.objects.create(
        organization=org, name="ドメイン", kind="domain_registrar", administrator=owner
    )
    bank = Service.objects.create(organization=org, name="Bank")
    banking = CriticalAccount.objects.create(
        organization=org, name="Banking", service=bank, administrator=owner
    )
    assert set(check(org, "continuity.no_deputy")) == {str(domain.pk), str(banking.pk)}
    # Two people administer the bank service in the inventory: that is a deputy already.
    for who, name in ((owner, "a"), (second, "b")):
        Account.objects.create(
            organization=org, username=name, person=who, service=bank, role=AccountRole.ADMIN
        )
    domain.escrow = EscrowPlace.SEALED_SAFE
    domain.save()
    assert check(org, "continuity.no_deputy") == {}


def test_escrow_never_or_long_ago_tested(org: Any) -> None:
    deputy = Person.objects.create(organization=org, name="佐藤")
    account = CriticalAccount.objects.create(organization=org, name="M365", deputy=deputy)
    CriticalAccount.objects.create(organization=org, name="nothing at all")
    found = check(org, "continuity.escrow_untested")
    assert set(found) == {str(account.pk)}
    assert found[str(account.pk)].params["last_test"] == "never"
    account.last_access_test_on = today() - timedelta(days=366)
    account.save()
    assert set(check(org, "continuity.escrow_untested")) == {str(account.pk)}
    account.last_access_test_on = today() - timedelta(days=30)
    account.save()
    assert check(org, "continuity.escrow_untested") == {}


def test_deputy_who_has_left(org: Any) -> None:
    deputy = Person.objects.create(organization=org, name="伊藤", left_on=today())
    account = CriticalAccount.objects.create(
        organization=org, name="Password manager", deputy=deputy
    )
    found = check(org, "continuity.deputy_left")
    assert found[str(account.pk)].params == {"account": "Password manager", "person": "伊藤"}
    successor = Person.objects.create(organization=org, name="佐藤")
    account.deputy = successor
    account.save()
    assert check(org, "continuity.deputy_left") == {}


def test_other_organisations_records_are_not_seen(org: Any, members: dict[str, Any]) -> None:
    from mamori.orgs.models import Organization

    other = Organization.objects.exclude(pk=org.pk).get()
    Device.objects.create(organization=other, name="their NAS", kind="nas")
    assert check(org, "continuity.no_backup") == {}


def test_demo_fires_every_rule_with_every_placeholder_filled(settings: Any, tmp_path: Any) -> None:
    from mamori.core.demo import run

    settings.MEDIA_ROOT = tmp_path

    ctx = run()
    kinds = set()
    for finding in Finding.objects.filter(
        organization=ctx.org, kind__startswith="continuity.", status=Status.OPEN
    ):
        guidance = get_guidance(finding.guidance_key)
        assert guidance.missing_params(finding.params) == [], finding.kind
        kinds.add(finding.kind)
    # Every rule but the stored-secret one (the demo keeps no secret, even a fake one).
    assert len(kinds) == 8 and "continuity.secret_stored" not in kinds


def test_secret_in_a_record_is_a_finding_that_never_repeats_it(org: Any) -> None:
    # An import does not run the form's check: the rule catches what got in.
    account = CriticalAccount.objects.create(
        organization=org, name="Bank", escrow_details="PIN: 482913"
    )
    found = check(org, "continuity.secret_stored")
    assert set(found) == {str(account.pk)}
    assert "482913" not in str(found[str(account.pk)].params)
    assert "482913" not in str(found[str(account.pk)].evidence)
    account.escrow_details = "社長室の金庫"
    account.save()
    assert check(org, "continuity.secret_stored") == {}
