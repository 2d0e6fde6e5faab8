from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mamori.findings.models import Action, ActionStatus, Finding, Status
from mamori.findings.rules import RULES
from mamori.findings.services import run_rules
from mamori.inventory.models import (
    Account,
    AccountRole,
    Device,
    Ownership,
    Person,
    Service,
    Share,
    ShareGrant,
    ShareScope,
    Supplier,
)

TODAY = timezone.localdate


def kinds(org: Any, status: str = Status.OPEN) -> set[str]:
    # Continuity and training rules also look at people and devices; they have their own tests.
    return set(
        Finding.objects.filter(organization=org, status=status)
        .exclude(kind__startswith="continuity.")
        .exclude(kind__startswith="training.")
        .values_list("kind", flat=True)
    )


def only(org: Any, kind: str) -> Finding:
    return Finding.objects.get(organization=org, kind=kind)


@pytest.fixture
def base(org: Any) -> dict[str, Any]:
    service = Service.objects.create(
        organization=org, name="Google Workspace", mfa_available=True, mfa_enforced=True
    )
    alice = Person.objects.create(organization=org, name="Alice")
    bob = Person.objects.create(organization=org, name="Bob")
    # Two administrators with MFA, both reviewed: nothing to report.
    for person in (alice, bob):
        Account.objects.create(
            organization=org,
            person=person,
            service=service,
            username=person.name.lower(),
            role=AccountRole.ADMIN,
            mfa_enabled=True,
            last_reviewed_on=TODAY(),
        )
    return {"service": service, "alice": alice, "bob": bob}


@pytest.mark.django_db
def test_clean_inventory_has_no_findings(org: Any, base: dict[str, Any]) -> None:
    run_rules(org)
    assert kinds(org) == set()


@pytest.mark.django_db
def test_leaver_with_active_account_device_and_share(org: Any, base: dict[str, Any]) -> None:
    carol = Person.objects.create(
        organization=org, name="Carol", left_on=TODAY() - timedelta(days=3)
    )
    account = Account.objects.create(
        organization=org,
        person=carol,
        service=base["service"],
        username="carol",
        last_reviewed_on=TODAY(),
    )
    Device.objects.create(organization=org, name="PC-07", kind="pc", person=carol)
    share = Share.objects.create(organization=org, name="見積書フォルダ", scope=ShareScope.INTERNAL)
    ShareGrant.objects.create(share=share, person=carol, permission="editor")
    run_rules(org)
    finding = only(org, "inventory.leaver_access")
    assert finding.severity == "critical"
    assert finding.subject == "Carol"
    texts = {e["text"] for e in finding.evidence}
    assert {"carol @ Google Workspace", "PC-07", "見積書フォルダ (editor)"} == texts
    assert Action.objects.get(finding=finding).due_date == TODAY() + timedelta(days=3)

    # Fix two of three: still open, evidence shrinks; fix the last: resolved automatically.
    account.active = False
    account.save()
    Device.objects.filter(person=carol).update(person=None)
    run_rules(org)
    finding.refresh_from_db()
    assert finding.status == Status.OPEN
    assert [e["text"] for e in finding.evidence] == ["見積書フォルダ (editor)"]
    ShareGrant.objects.filter(person=carol).delete()
    run_rules(org)
    finding.refresh_from_db()
    assert finding.status == Status.RESOLVED
    assert Action.objects.get(finding=finding).status == ActionStatus.DONE

    # The problem returns: the same finding is re-opened, not duplicated.
    account.active = True
    account.save()
    run_rules(org)
    finding.refresh_from_db()
    assert finding.status == Status.OPEN
    assert finding.times_reopened == 1
    assert Finding.objects.filter(kind="inventory.leaver_access").count() == 1


@pytest.mark.django_db
def test_person_leaving_in_future_is_not_a_leaver_yet(org: Any, base: dict[str, Any]) -> None:
    dave = Person.objects.create(organization=org, name="Dave", left_on=TODAY() + timedelta(days=5))
    Account.objects.create(
        organization=org,
        person=dave,
        service=base["service"],
        username="d",
        last_reviewed_on=TODAY(),
    )
    run_rules(org)
    assert "inventory.leaver_access" not in kinds(org)


@pytest.mark.django_db
def test_admin_mfa_single_admin_and_shared_accounts(org: Any, base: dict[str, Any]) -> None:
    bank = Service.objects.create(organization=org, name="法人ネットバンク", mfa_available=True)
    Account.objects.create(
        organization=org,
        person=base["alice"],
        service=bank,
        username="keiri",
        role=AccountRole.ADMIN,
        mfa_enabled=False,
        shared=True,
        last_reviewed_on=TODAY(),
    )
    run_rules(org)
    assert kinds(org) == {
        "inventory.admin_without_mfa",
        "inventory.single_administrator",
        "inventory.shared_account",
        "inventory.service_mfa_not_enforced",
    }
    assert only(org, "inventory.single_administrator").subject == "法人ネットバンク"


@pytest.mark.django_db
def test_shares_devices_and_suppliers(org: Any, base: dict[str, Any]) -> None:
    old = TODAY() - timedelta(days=400)
    Share.objects.create(
        organization=org,
        name="顧客名簿.xlsx",
        scope=ShareScope.ANYONE_WITH_LINK,
        contains_personal_data=True,
        created_on=old,
    )
    Share.objects.create(
        organization=org,
        name="expired link",
        scope=ShareScope.PUBLIC,
        contains_personal_data=True,
        expires_on=TODAY() - timedelta(days=1),
    )
    Device.objects.create(
        organization=org,
        name="私物スマホ",
        kind="smartphone",
        ownership=Ownership.BYOD,
        disk_encryption=True,
        screen_lock=None,
        last_updated_on=TODAY(),
    )
    Device.objects.create(
        organization=org,
        name="XP-PC",
        kind="pc",
        os_supported=False,
        last_updated_on=TODAY() - timedelta(days=500),
    )
    Device.objects.create(organization=org, name="old NAS", kind="nas", disposed_on=TODAY())
    Supplier.objects.create(
        organization=org,
        name="給与計算代行",
        handles_personal_data=True,
        servers_abroad=True,
        next_audit_on=TODAY() - timedelta(days=1),
    )
    run_rules(org)
    assert kinds(org) == {
        "inventory.public_share_sensitive",
        "inventory.old_link_share",
        "inventory.byod_unprotected",
        "inventory.device_os_unsupported",
        "inventory.device_not_updated",
        "inventory.disposal_without_erasure",
        "inventory.supplier_no_security_clauses",
        "inventory.supplier_audit_overdue",
        "inventory.supplier_abroad_unreviewed",
        # The personal phone has no BYOD rules accepted either (shadow IT, mamori.licences).
        "shadowit.byod_without_rules",
    }
    assert only(org, "inventory.public_share_sensitive").subject == "顧客名簿.xlsx"
    assert only(org, "inventory.byod_unprotected").params["missing"] == ["screen_lock"]


@pytest.mark.django_db
def test_unreviewed_accounts_grouped_per_service(org: Any, base: dict[str, Any]) -> None:
    for n in range(3):
        Account.objects.create(organization=org, service=base["service"], username=f"u{n}")
    run_rules(org)
    finding = only(org, "inventory.account_not_reviewed")
    assert finding.params["count"] == 3
    assert finding.subject == "Google Workspace"


@pytest.mark.django_db
def test_accepted_risk_stays_accepted_until_expiry(org: Any, base: dict[str, Any]) -> None:
    Account.objects.create(
        organization=org,
        service=base["service"],
        username="shared",
        shared=True,
        last_reviewed_on=TODAY(),
    )
    run_rules(org)
    finding = only(org, "inventory.shared_account")
    finding.status = Status.ACCEPTED
    finding.accepted_until = TODAY() + timedelta(days=10)
    finding.save()
    run_rules(org)
    finding.refresh_from_db()
    assert finding.status == Status.ACCEPTED
    Finding.objects.filter(pk=finding.pk).update(accepted_until=TODAY() - timedelta(days=1))
    run_rules(org)
    finding.refresh_from_db()
    assert finding.status == Status.OPEN


@pytest.mark.django_db
def test_rules_are_scoped_to_their_organisation(
    org: Any, base: dict[str, Any], members: Any
) -> None:
    from mamori.orgs.models import Organization

    other = Organization.objects.get(name="Other Org")
    Account.objects.create(organization=other, username="x", shared=True, last_reviewed_on=TODAY())
    run_rules(org)
    assert kinds(org) == set()
    run_rules(other)
    assert kinds(other) == {"inventory.shared_account"}


INVENTORY_RULES = [(kind, rule) for kind, rule in RULES.items() if kind.startswith("inventory.")]


def test_every_inventory_rule_has_triggers() -> None:
    assert len(INVENTORY_RULES) == 15
    for _kind, rule in INVENTORY_RULES:
        assert rule.triggers


@pytest.mark.django_db
def test_rule_params_fill_every_guidance_placeholder(org: Any, base: dict[str, Any]) -> None:
    from mamori.findings.guidance import get_guidance

    left = Person.objects.create(organization=org, name="L", left_on=TODAY() - timedelta(days=1))
    lone = Service.objects.create(organization=org, name="y", mfa_available=True)
    Account.objects.create(
        organization=org,
        person=left,
        username="l",
        role=AccountRole.ADMIN,
        mfa_enabled=False,
        shared=True,
        service=lone,
    )
    Share.objects.create(
        organization=org,
        name="s",
        scope=ShareScope.PUBLIC,
        contains_personal_data=True,
        created_on=TODAY() - timedelta(days=400),
    )
    Device.objects.create(
        organization=org,
        name="d",
        kind="pc",
        ownership=Ownership.BYOD,
        os_supported=False,
        last_updated_on=TODAY() - timedelta(days=400),
        disposed_on=None,
    )
    Device.objects.create(organization=org, name="gone", kind="pc", disposed_on=TODAY())
    Supplier.objects.create(
        organization=org,
        name="x",
        handles_personal_data=True,
        servers_abroad=True,
        next_audit_on=TODAY() - timedelta(days=1),
    )
    run_rules(org)
    seen = set()
    for finding in Finding.objects.filter(organization=org):
        guidance = get_guidance(finding.guidance_key)
        assert guidance is not None, finding.kind
        assert guidance.missing_params(finding.params) == [], finding.kind
        seen.add(finding.kind)
    assert len({kind for kind in seen if kind.startswith("inventory.")}) == len(INVENTORY_RULES)


@pytest.mark.django_db
def test_demo_fills_every_register_and_triggers_every_rule() -> None:
    from mamori.core.demo import run

    ctx = run()
    fired = set(Finding.objects.filter(organization=ctx.org).values_list("kind", flat=True))
    inventory_kinds = {kind for kind, _rule in RULES.items() if kind.startswith("inventory.")}
    assert inventory_kinds <= fired
    from mamori.inventory.registers import REGISTERS

    for spec in REGISTERS.values():
        assert spec.model.objects.filter(organization=ctx.org).exists(), spec.key
