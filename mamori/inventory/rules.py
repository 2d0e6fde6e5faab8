"""Inventory rules (issue: inventory and the findings spine). Each returns every finding of its
kind for one organisation, or with `links` (issue 20) those of the given subjects; queries read
only the columns they need, so a rule stays fast on tens of thousands of rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from mamori.findings.rules import (
    Changed,
    FindingSpec,
    Rule,
    Subjects,
    register,
    same,
    via,
    wanted,
)

from .lifecycle import end_of_support
from .models import (
    Account,
    AccountRole,
    Device,
    DeviceKind,
    Ownership,
    Person,
    Service,
    Share,
    ShareGrant,
    ShareScope,
    Supplier,
)

EVIDENCE_LIMIT = 50  # items listed in one finding's evidence; the count says how many in all
OPEN_SCOPES = (ShareScope.PUBLIC, ShareScope.ANYONE_WITH_LINK)


def _evidence(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return items[:EVIDENCE_LIMIT]


def _account_text(username: str, service: str | None, device: str | None) -> str:
    where = service or device
    return f"{username} @ {where}" if where else username


PERSON = "inventory.person"
ACCOUNT = "inventory.account"
DEVICE = "inventory.device"
SERVICE = "inventory.service"
SHARE = "inventory.share"
SUPPLIER = "inventory.supplier"


def _grant_holders(org: Any, changed: Changed) -> Subjects:
    """A share's grants lead to the people they name (a share archived frees its grants)."""
    ids = [int(s) for s in changed.ids if s.isdigit()]
    people = ShareGrant.objects.filter(
        share__organization=org, share_id__in=ids, person__isnull=False
    ).values_list("person_id", flat=True)
    return {PERSON: sorted({str(p) for p in people})}


@register
class LeaverAccess(Rule):
    kind = "inventory.leaver_access"
    severity = "critical"
    triggers = frozenset({PERSON, ACCOUNT, DEVICE, SHARE})
    links = {
        PERSON: same(PERSON),
        ACCOUNT: via(ACCOUNT, "person_id", PERSON),
        DEVICE: via(DEVICE, "person_id", PERSON),
        SHARE: _grant_holders,
    }
    dated = True  # a leaving date reached

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        people = Person.objects.filter(
            organization=org, archived_at__isnull=True, left_on__lte=today
        )
        if (ids := wanted(subjects, PERSON)) is not None:
            people = people.filter(pk__in=ids)
        leavers = dict(people.values_list("pk", "name"))
        if not leavers:
            return
        items: dict[int, list[dict[str, Any]]] = defaultdict(list)
        accounts = Account.objects.filter(
            organization=org, active=True, archived_at__isnull=True, person_id__in=leavers
        ).values_list("person_id", "pk", "username", "service__name", "device__name")
        for person_id, pk, username, service, device in accounts:
            items[person_id].append(
                {"kind": "account", "id": pk, "text": _account_text(username, service, device)}
            )
        devices = Device.objects.filter(
            organization=org,
            archived_at__isnull=True,
            disposed_on__isnull=True,
            person_id__in=leavers,
        ).values_list("person_id", "pk", "name")
        for person_id, pk, name in devices:
            items[person_id].append({"kind": "device", "id": pk, "text": name})
        grants = ShareGrant.objects.filter(
            share__organization=org, share__archived_at__isnull=True, person_id__in=leavers
        ).values_list("person_id", "share_id", "share__name", "permission")
        for person_id, share_id, name, permission in grants:
            items[person_id].append(
                {"kind": "share_grant", "id": share_id, "text": f"{name} ({permission})"}
            )
        for person_id, found in items.items():
            name = leavers[person_id]
            yield FindingSpec(
                key=f"{self.kind}:person:{person_id}",
                subject=name,
                subject_type="inventory.person",
                subject_id=str(person_id),
                params={
                    "person": name,
                    "count": len(found),
                    "items": [i["text"] for i in found],
                },
                evidence=_evidence(found),
            )


@register
class AdminWithoutMfa(Rule):
    kind = "inventory.admin_without_mfa"
    severity = "high"
    triggers = frozenset({ACCOUNT})
    links = {ACCOUNT: same(ACCOUNT)}

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = Account.objects.filter(
            organization=org, active=True, archived_at__isnull=True, role=AccountRole.ADMIN
        ).filter(Q(mfa_enabled=False) | Q(mfa_enabled__isnull=True))
        if (ids := wanted(subjects, ACCOUNT)) is not None:
            rows = rows.filter(pk__in=ids)
        for pk, username, service, device, person, mfa in rows.values_list(
            "pk", "username", "service__name", "device__name", "person__name", "mfa_enabled"
        ):
            text = _account_text(username, service, device)
            yield FindingSpec(
                key=f"{self.kind}:account:{pk}",
                subject=text,
                subject_type="inventory.account",
                subject_id=str(pk),
                params={"account": text, "person": person or "", "mfa": mfa},
                evidence=[{"kind": "account", "id": pk, "text": text}],
            )


@register
class ServiceMfaNotEnforced(Rule):
    kind = "inventory.service_mfa_not_enforced"
    severity = "medium"
    triggers = frozenset({SERVICE})
    links = {SERVICE: same(SERVICE)}

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = Service.objects.filter(
            organization=org, archived_at__isnull=True, mfa_available=True
        ).exclude(mfa_enforced=True)
        if (ids := wanted(subjects, SERVICE)) is not None:
            rows = rows.filter(pk__in=ids)
        for pk, name in rows.values_list("pk", "name"):
            yield FindingSpec(
                key=f"{self.kind}:service:{pk}",
                subject=name,
                subject_type="inventory.service",
                subject_id=str(pk),
                params={"service": name},
                evidence=[{"kind": "service", "id": pk, "text": name}],
            )


@register
class SingleAdministrator(Rule):
    kind = "inventory.single_administrator"
    severity = "medium"
    triggers = frozenset({ACCOUNT, SERVICE, DEVICE})
    # Per service and per device: an account changed re-counts its place, before and after.
    links = {
        SERVICE: same(SERVICE),
        DEVICE: same(DEVICE),
        ACCOUNT: lambda org, changed: {
            **via(ACCOUNT, "service_id", SERVICE)(org, changed),
            **via(ACCOUNT, "device_id", DEVICE)(org, changed),
        },
    }

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        admins = Account.objects.filter(
            organization=org, active=True, archived_at__isnull=True, role=AccountRole.ADMIN
        )
        for target in ("service", "device"):
            places = admins
            if (ids := wanted(subjects, f"inventory.{target}")) is not None:
                if not ids:
                    continue
                places = admins.filter(**{f"{target}_id__in": ids})
            rows = (
                places.filter(
                    **{f"{target}__isnull": False, f"{target}__archived_at__isnull": True}
                )
                .values(f"{target}_id", f"{target}__name")
                .annotate(n=Count("id"))
                .filter(n=1)
            )
            for row in rows:
                pk, name = row[f"{target}_id"], row[f"{target}__name"]
                yield FindingSpec(
                    key=f"{self.kind}:{target}:{pk}",
                    subject=name,
                    subject_type=f"inventory.{target}",
                    subject_id=str(pk),
                    params={"target": name},
                    evidence=[{"kind": target, "id": pk, "text": name}],
                )


@register
class SharedAccount(Rule):
    kind = "inventory.shared_account"
    severity = "medium"
    triggers = frozenset({ACCOUNT})
    links = {ACCOUNT: same(ACCOUNT)}

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = Account.objects.filter(
            organization=org, active=True, archived_at__isnull=True, shared=True
        )
        if (ids := wanted(subjects, ACCOUNT)) is not None:
            rows = rows.filter(pk__in=ids)
        for pk, username, service, device in rows.values_list(
            "pk", "username", "service__name", "device__name"
        ):
            text = _account_text(username, service, device)
            yield FindingSpec(
                key=f"{self.kind}:account:{pk}",
                subject=text,
                subject_type="inventory.account",
                subject_id=str(pk),
                params={"account": text},
                evidence=[{"kind": "account", "id": pk, "text": text}],
            )


def _open_shares(org: Any, subjects: Subjects | None = None) -> Any:
    today = timezone.localdate()
    rows = Share.objects.filter(
        organization=org, archived_at__isnull=True, scope__in=OPEN_SCOPES
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    if (ids := wanted(subjects, SHARE)) is not None:
        # Only the changed shares (incremental run after a save; see findings.tasks).
        rows = rows.filter(pk__in=ids)
    return rows


@register
class PublicShareSensitive(Rule):
    kind = "inventory.public_share_sensitive"
    severity = "high"
    triggers = frozenset({SHARE})
    links = {SHARE: same(SHARE)}
    dated = True  # a share's expiry date passed

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _open_shares(org, subjects).filter(
            Q(contains_personal_data=True) | Q(contains_confidential_data=True)
        )
        for pk, name, scope, service, url in rows.values_list(
            "pk", "name", "scope", "service__name", "url"
        ):
            yield FindingSpec(
                key=f"{self.kind}:share:{pk}",
                subject=name,
                subject_type="inventory.share",
                subject_id=str(pk),
                params={"share": name, "scope": scope, "service": service or ""},
                evidence=[{"kind": "share", "id": pk, "text": name, "url": url}],
            )


@register
class OldLinkShare(Rule):
    kind = "inventory.old_link_share"
    severity = "low"
    triggers = frozenset({SHARE})
    links = {SHARE: same(SHARE)}
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        days = settings.LINK_SHARE_MAX_DAYS
        cutoff = timezone.localdate() - timedelta(days=days)
        rows = _open_shares(org, subjects).filter(created_on__lt=cutoff)
        for pk, name, created in rows.values_list("pk", "name", "created_on"):
            yield FindingSpec(
                key=f"{self.kind}:share:{pk}",
                subject=name,
                subject_type="inventory.share",
                subject_id=str(pk),
                params={"share": name, "days": days, "created": created.isoformat()},
                evidence=[{"kind": "share", "id": pk, "text": name}],
            )


def _devices(org: Any, subjects: Subjects | None) -> Any:
    rows = Device.objects.filter(organization=org, archived_at__isnull=True)
    if (ids := wanted(subjects, DEVICE)) is not None:
        rows = rows.filter(pk__in=ids)
    return rows


def _active_devices(org: Any, subjects: Subjects | None = None) -> Any:
    return _devices(org, subjects).filter(disposed_on__isnull=True)


DEVICE_LINKS = {DEVICE: same(DEVICE)}


@register
class ByodUnprotected(Rule):
    kind = "inventory.byod_unprotected"
    severity = "high"
    triggers = frozenset({DEVICE})
    links = DEVICE_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = (
            _active_devices(org, subjects)
            .filter(ownership=Ownership.BYOD)
            .exclude(disk_encryption=True, screen_lock=True)
        )
        for pk, name, encryption, lock in rows.values_list(
            "pk", "name", "disk_encryption", "screen_lock"
        ):
            missing = [
                label
                for label, value in (("disk_encryption", encryption), ("screen_lock", lock))
                if value is not True
            ]
            yield FindingSpec(
                key=f"{self.kind}:device:{pk}",
                subject=name,
                subject_type="inventory.device",
                subject_id=str(pk),
                params={"device": name, "missing": missing},
                evidence=[{"kind": "device", "id": pk, "text": name, "missing": missing}],
            )


@register
class DeviceOsUnsupported(Rule):
    kind = "inventory.device_os_unsupported"
    severity = "high"
    triggers = frozenset({DEVICE})
    links = DEVICE_LINKS
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        # Marked unsupported by a person, or past its vendor's end of support in the dated
        # lifecycle table (Windows 10 ended 2025-10-14 whether or not anyone typed it).
        today = timezone.localdate()
        rows = _active_devices(org, subjects).filter(Q(os_supported=False) | ~Q(os_name=""))
        for pk, name, os_name, os_version, marked in rows.values_list(
            "pk", "name", "os_name", "os_version", "os_supported"
        ):
            ended = end_of_support(os_name, os_version)
            past = ended is not None and ended.ends <= today
            if marked is not False and not past:
                continue
            os_text = f"{os_name} {os_version}".strip()
            evidence: list[dict[str, Any]] = [
                {"kind": "device", "id": pk, "text": f"{name} ({os_text})"}
            ]
            if past and ended is not None:
                evidence.append(
                    {
                        "kind": "lifecycle",
                        "id": ended.ends.isoformat(),
                        "text": f"{ended.family} {ended.version}: {ended.ends.isoformat()} "
                        f"（{ended.source}、{ended.checked_on.isoformat()} 確認）",
                        "text_en": f"{ended.family} {ended.version}: {ended.ends.isoformat()} "
                        f"({ended.source}, checked {ended.checked_on.isoformat()})",
                    }
                )
            yield FindingSpec(
                key=f"{self.kind}:device:{pk}",
                subject=name,
                subject_type="inventory.device",
                subject_id=str(pk),
                params={"device": name, "os": os_text},
                evidence=evidence,
            )


UPDATABLE_KINDS = (
    DeviceKind.PC,
    DeviceKind.SMARTPHONE,
    DeviceKind.TABLET,
    DeviceKind.SERVER,
    DeviceKind.NAS,
    DeviceKind.ROUTER,
    DeviceKind.CAMERA,
)


@register
class DeviceNotUpdated(Rule):
    kind = "inventory.device_not_updated"
    severity = "medium"
    triggers = frozenset({DEVICE})
    links = DEVICE_LINKS
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        days = settings.DEVICE_UPDATE_MAX_DAYS
        cutoff = timezone.localdate() - timedelta(days=days)
        rows = (
            _active_devices(org, subjects)
            .filter(kind__in=UPDATABLE_KINDS)
            .filter(
                Q(last_updated_on__lt=cutoff) | Q(last_updated_on__isnull=True, auto_update=False)
            )
        )
        for pk, name, last in rows.values_list("pk", "name", "last_updated_on"):
            yield FindingSpec(
                key=f"{self.kind}:device:{pk}",
                subject=name,
                subject_type="inventory.device",
                subject_id=str(pk),
                params={"device": name, "days": days, "last": last.isoformat() if last else ""},
                evidence=[{"kind": "device", "id": pk, "text": name}],
            )


@register
class DisposalWithoutErasure(Rule):
    kind = "inventory.disposal_without_erasure"
    severity = "high"
    triggers = frozenset({DEVICE})
    links = DEVICE_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _devices(org, subjects).filter(disposed_on__isnull=False, erasure_method="")
        for pk, name, disposed in rows.values_list("pk", "name", "disposed_on"):
            yield FindingSpec(
                key=f"{self.kind}:device:{pk}",
                subject=name,
                subject_type="inventory.device",
                subject_id=str(pk),
                params={"device": name, "disposed": disposed.isoformat()},
                evidence=[{"kind": "device", "id": pk, "text": name}],
            )


def _suppliers(org: Any, subjects: Subjects | None = None) -> Any:
    rows = Supplier.objects.filter(organization=org, archived_at__isnull=True)
    if (ids := wanted(subjects, SUPPLIER)) is not None:
        rows = rows.filter(pk__in=ids)
    return rows


def _unsupervised(org: Any, subjects: Subjects | None = None) -> Any:
    """Suppliers without an active contractor-supervision record: one that has one is judged by
    the privacy rules on that record (its clauses, audits and countries), not twice."""
    return _suppliers(org, subjects).exclude(
        supervision__pk__isnull=False, supervision__archived_at__isnull=True
    )


SUPPLIER_TRIGGERS = frozenset({SUPPLIER, "privacy.supervision"})
# A supervision record added, archived or moved changes which rules judge its supplier.
SUPPLIER_LINKS = {
    SUPPLIER: same(SUPPLIER),
    "privacy.supervision": via("privacy.supervision", "supplier_id", SUPPLIER),
}


def _supplier_specs(
    kind: str, rows: Iterable[tuple[int, str]], **params: Any
) -> Iterator[FindingSpec]:
    for pk, name in rows:
        yield FindingSpec(
            key=f"{kind}:supplier:{pk}",
            subject=name,
            subject_type="inventory.supplier",
            subject_id=str(pk),
            params={"supplier": name, **params},
            evidence=[{"kind": "supplier", "id": pk, "text": name}],
        )


@register
class SupplierNoSecurityClauses(Rule):
    kind = "inventory.supplier_no_security_clauses"
    severity = "high"
    triggers = SUPPLIER_TRIGGERS
    links = SUPPLIER_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _unsupervised(org, subjects).filter(
            handles_personal_data=True, security_clauses=False
        )
        return _supplier_specs(self.kind, rows.values_list("pk", "name"))


@register
class SupplierAuditOverdue(Rule):
    kind = "inventory.supplier_audit_overdue"
    severity = "medium"
    triggers = SUPPLIER_TRIGGERS
    links = SUPPLIER_LINKS
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        rows = _unsupervised(org, subjects).filter(next_audit_on__lt=today)
        for pk, name, due in rows.values_list("pk", "name", "next_audit_on"):
            yield from _supplier_specs(self.kind, [(pk, name)], due=due.isoformat())


@register
class SupplierAbroadUnreviewed(Rule):
    kind = "inventory.supplier_abroad_unreviewed"
    severity = "medium"
    triggers = SUPPLIER_TRIGGERS
    links = SUPPLIER_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _unsupervised(org, subjects).filter(servers_abroad=True, abroad_reviewed=False)
        return _supplier_specs(self.kind, rows.values_list("pk", "name"))


@register
class AccountNotReviewed(Rule):
    """Grouped by service or device: one finding lists that place's unreviewed accounts."""

    kind = "inventory.account_not_reviewed"
    severity = "low"
    triggers = frozenset({"inventory.account"})
    # No links: accounts on neither a service nor a device share one finding without a subject.
    dated = True

    def evaluate(self, org: Any) -> Iterator[FindingSpec]:
        cutoff = timezone.localdate() - timedelta(days=settings.ACCOUNT_REVIEW_MAX_DAYS)
        rows = Account.objects.filter(
            organization=org, active=True, archived_at__isnull=True
        ).filter(Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lt=cutoff))
        groups: dict[tuple[str, int], dict[str, Any]] = {}
        for pk, username, service_id, service, device_id, device in rows.values_list(
            "pk", "username", "service_id", "service__name", "device_id", "device__name"
        ).order_by("pk"):
            if service_id:
                group = ("service", service_id, service)
            elif device_id:
                group = ("device", device_id, device)
            else:
                group = ("none", 0, "")
            entry = groups.setdefault(group[:2], {"name": group[2], "items": []})
            entry["items"].append({"kind": "account", "id": pk, "text": username})
        for (target, target_id), entry in groups.items():
            yield FindingSpec(
                key=f"{self.kind}:{target}:{target_id}",
                subject=entry["name"] or "—",
                subject_type=f"inventory.{target}" if target != "none" else "",
                subject_id=str(target_id) if target != "none" else "",
                params={
                    "target": entry["name"] or "—",
                    "count": len(entry["items"]),
                    "months": settings.ACCOUNT_REVIEW_MAX_DAYS // 30,
                },
                evidence=_evidence(entry["items"]),
            )
