"""Continuity rules (issue 17): important data without a backup, backups ransomware can reach,
cloud data kept only in the cloud, backups never restored or late, and critical accounts without
a deputy or a tested escrow. Guidance: mamori/content/guidance/continuity.yaml.

Each rule reads only the columns it needs and returns every finding of its kind, or with `links`
(issue 20: incremental runs after a save) those of the given subjects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

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
from mamori.inventory.models import (
    Account,
    AccountRole,
    Device,
    DeviceKind,
    Service,
    ServiceCategory,
    Share,
)

from .models import (
    ESCROW_TEST_VALID_DAYS,
    RESTORE_TEST_VALID_DAYS,
    Backup,
    BackupLocation,
    CriticalAccount,
    EscrowPlace,
    RestoreResult,
    RestoreTest,
)

BACKUP = "continuity.backup"
CRITICAL_ACCOUNT = "continuity.criticalaccount"
RESTORE_TEST = "continuity.restoretest"
IMPORTANT_DEVICE_KINDS = (DeviceKind.NAS, DeviceKind.SERVER)
EVIDENCE_LIMIT = 20
DEVICE = "inventory.device"
SHARE = "inventory.share"
SERVICE = "inventory.service"
PERSON = "inventory.person"
ACCOUNT = "inventory.account"


def _only(rows: Any, subjects: Subjects | None, subject_type: str, field: str = "pk") -> Any:
    """Rows restricted to the subjects of one type (all of them in a full run)."""
    if (ids := wanted(subjects, subject_type)) is not None:
        rows = rows.filter(**{f"{field}__in": ids})
    return rows


def _shares_of_services(org: Any, services: list[str]) -> list[str]:
    ids = [int(s) for s in services if s.isdigit()]
    rows = Share.objects.filter(organization=org, service_id__in=ids).values_list("pk", flat=True)
    return [str(pk) for pk in rows]


def _backup_targets(org: Any, changed: Changed) -> Subjects:
    """A backup leads to what it covers, before and after the change: its device, its share,
    and the shares of its service (covered by a backup of the service they live in)."""
    devices = via(BACKUP, "device_id", DEVICE)(org, changed)[DEVICE]
    shares = via(BACKUP, "share_id", SHARE)(org, changed)[SHARE]
    services = via(BACKUP, "service_id", SERVICE)(org, changed)[SERVICE]
    return {DEVICE: devices, SHARE: shares + _shares_of_services(org, services)}


def _service_shares(org: Any, changed: Changed) -> Subjects:
    return {SHARE: _shares_of_services(org, changed.ids)}


def _backups(org: Any) -> Any:
    return Backup.objects.filter(organization=org, archived_at__isnull=True)


def _important(prefix: str = "") -> Q:
    return Q(**{f"{prefix}holds_personal_data": True}) | Q(
        **{f"{prefix}holds_confidential_data": True}
    )


@register
class NoBackup(Rule):
    """A NAS, a server or a share holding personal or confidential data that nothing backs up."""

    kind = "continuity.no_backup"
    severity = "high"
    triggers = frozenset({BACKUP, DEVICE, SHARE, SERVICE})
    links = {
        BACKUP: _backup_targets,
        DEVICE: same(DEVICE),
        SHARE: same(SHARE),
        SERVICE: _service_shares,
    }

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        backups = _backups(org)
        devices = Device.objects.filter(
            organization=org,
            archived_at__isnull=True,
            disposed_on__isnull=True,
            kind__in=IMPORTANT_DEVICE_KINDS,
        ).exclude(pk__in=backups.filter(device__isnull=False).values("device_id"))
        for pk, name in _only(devices, subjects, DEVICE).values_list("pk", "name"):
            yield self._spec("device", pk, name)
        # A share is covered by its own backup or by one of the service it lives in.
        shares = (
            _only(Share.objects.filter(organization=org, archived_at__isnull=True), subjects, SHARE)
            .filter(Q(contains_personal_data=True) | Q(contains_confidential_data=True))
            .exclude(pk__in=backups.filter(share__isnull=False).values("share_id"))
            .exclude(service_id__in=backups.filter(service__isnull=False).values("service_id"))
        )
        for pk, name in shares.values_list("pk", "name"):
            yield self._spec("share", pk, name)

    def _spec(self, kind: str, pk: int, name: str) -> FindingSpec:
        return FindingSpec(
            key=f"{self.kind}:{kind}:{pk}",
            subject=name,
            subject_type=f"inventory.{kind}",
            subject_id=str(pk),
            params={"target": name},
            evidence=[{"kind": kind, "id": pk, "text": name}],
        )


@register
class CloudOnly(Rule):
    """A cloud service holding important data with no copy outside that service (MIC case
    クラウドサービスに預けていた重要データが消えた: backup is finally the user's job)."""

    kind = "continuity.cloud_only"
    severity = "high"
    triggers = frozenset({BACKUP, SERVICE})
    links = {BACKUP: via(BACKUP, "service_id", SERVICE), SERVICE: same(SERVICE)}

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        backups = _only(
            _backups(org).filter(service__isnull=False), subjects, SERVICE, "service_id"
        )
        outside = backups.exclude(location=BackupLocation.SAME_SYSTEM).values("service_id")
        # Online banking is left out: the bank keeps the account's records by law.
        services = (
            _only(
                Service.objects.filter(organization=org, archived_at__isnull=True),
                subjects,
                SERVICE,
            )
            .filter(_important())
            .exclude(category=ServiceCategory.BANKING)
            .exclude(pk__in=outside)
        )
        inside: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for pk, service_id, name in backups.filter(location=BackupLocation.SAME_SYSTEM).values_list(
            "pk", "service_id", "name"
        ):
            inside[service_id].append({"kind": "backup", "id": pk, "text": name})
        for pk, name in services.values_list("pk", "name"):
            yield FindingSpec(
                key=f"{self.kind}:service:{pk}",
                subject=name,
                subject_type="inventory.service",
                subject_id=str(pk),
                params={"service": name},
                evidence=[{"kind": "service", "id": pk, "text": name}, *inside[pk]][
                    :EVIDENCE_LIMIT
                ],
            )


@register
class BackupNotSeparated(Rule):
    """Every copy of something sits where ransomware on it can reach too (§7.5): none offline,
    immutable, at another site or on removable media."""

    kind = "continuity.backup_not_separated"
    severity = "high"
    triggers = frozenset({BACKUP})
    # A backup's group is what it covers (its service, else its device, else its share, else
    # itself), before and after the change.
    links = {
        BACKUP: lambda org, changed: {
            SERVICE: via(BACKUP, "service_id", SERVICE)(org, changed)[SERVICE],
            DEVICE: via(BACKUP, "device_id", DEVICE)(org, changed)[DEVICE],
            SHARE: via(BACKUP, "share_id", SHARE)(org, changed)[SHARE],
            BACKUP: list(changed.ids),
        }
    }

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        groups: dict[tuple[str, int], list[tuple[int, str, str, bool]]] = defaultdict(list)
        names: dict[tuple[str, int], str] = {}
        backups = _backups(org)
        if subjects is not None:
            # Every backup of a group asked for (a group may come back larger: run_rule keeps
            # only the groups asked for).
            backups = backups.filter(
                Q(service_id__in=wanted(subjects, SERVICE))
                | Q(device_id__in=wanted(subjects, DEVICE))
                | Q(share_id__in=wanted(subjects, SHARE))
                | Q(pk__in=wanted(subjects, BACKUP))
            )
        rows = backups.values_list(
            "pk",
            "name",
            "location",
            "offline_or_immutable",
            "service_id",
            "service__name",
            "device_id",
            "device__name",
            "share_id",
            "share__name",
        )
        for pk, name, location, offline, sid, sname, did, dname, shid, shname in rows:
            if sid:
                target = ("service", sid)
                names[target] = sname
            elif did:
                target = ("device", did)
                names[target] = dname
            elif shid:
                target = ("share", shid)
                names[target] = shname
            else:
                target = ("backup", pk)
                names[target] = name
            groups[target].append((pk, name, location, offline))
        separated = {BackupLocation.OTHER_SITE.value, BackupLocation.OFFLINE_MEDIA.value}
        for (kind, pk), copies in groups.items():
            if any(offline or location in separated for _p, _n, location, offline in copies):
                continue
            if kind == "service" and all(c[2] == BackupLocation.SAME_SYSTEM for c in copies):
                continue  # the cloud-only finding says it better
            subject_type = BACKUP if kind == "backup" else f"inventory.{kind}"
            evidence = (
                [] if kind == "backup" else [{"kind": kind, "id": pk, "text": names[(kind, pk)]}]
            )
            evidence += [{"kind": "backup", "id": p, "text": n} for p, n, _l, _o in copies]
            yield FindingSpec(
                key=f"{self.kind}:{kind}:{pk}",
                subject=names[(kind, pk)],
                subject_type=subject_type,
                subject_id=str(pk),
                params={"target": names[(kind, pk)], "backups": [c[1] for c in copies]},
                evidence=evidence[:EVIDENCE_LIMIT],
            )


@register
class NoRestoreTest(Rule):
    """A backup nobody has restored from successfully in the last twelve months."""

    kind = "continuity.no_restore_test"
    severity = "medium"
    triggers = frozenset({BACKUP, RESTORE_TEST})
    links = {BACKUP: same(BACKUP), RESTORE_TEST: via(RESTORE_TEST, "backup_id", BACKUP)}
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        since = timezone.localdate() - timedelta(days=RESTORE_TEST_VALID_DAYS)
        last: dict[int, Any] = {}
        tests = RestoreTest.objects.filter(organization=org, result=RestoreResult.SUCCESS)
        for backup_id, tested_on in _only(tests, subjects, BACKUP, "backup_id").values_list(
            "backup_id", "tested_on"
        ):
            if backup_id not in last or tested_on > last[backup_id]:
                last[backup_id] = tested_on
        for pk, name in _only(_backups(org), subjects, BACKUP).values_list("pk", "name"):
            tested = last.get(pk)
            if tested is not None and tested >= since:
                continue
            yield FindingSpec(
                key=f"{self.kind}:backup:{pk}",
                subject=name,
                subject_type=BACKUP,
                subject_id=str(pk),
                params={"backup": name, "last_test": tested.isoformat() if tested else "never"},
                evidence=[{"kind": "backup", "id": pk, "text": name}],
            )


@register
class BackupOverdue(Rule):
    """The last successful run is older than the backup's schedule allows."""

    kind = "continuity.backup_overdue"
    severity = "medium"
    triggers = frozenset({BACKUP})
    links = {BACKUP: same(BACKUP)}
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        for backup in (
            _only(_backups(org), subjects, BACKUP)
            .filter(last_success_on__isnull=False)
            .only("pk", "name", "schedule", "last_success_on")
        ):
            if backup.overdue_since(today) is None:
                continue
            yield FindingSpec(
                key=f"{self.kind}:backup:{backup.pk}",
                subject=backup.name,
                subject_type=BACKUP,
                subject_id=str(backup.pk),
                params={
                    "backup": backup.name,
                    "last_run": backup.last_success_on.isoformat(),
                    "schedule": backup.schedule,
                },
                evidence=[{"kind": "backup", "id": backup.pk, "text": backup.name}],
            )


def _critical_accounts(org: Any, subjects: Subjects | None = None) -> Any:
    rows = CriticalAccount.objects.filter(organization=org, archived_at__isnull=True)
    return _only(rows, subjects, CRITICAL_ACCOUNT)


def _critical_where(field: str) -> Any:
    """A link to the critical accounts whose `field` is one of the changed records."""

    def link(org: Any, changed: Changed) -> Subjects:
        ids = [int(s) for s in changed.ids if s.isdigit()]
        rows = CriticalAccount.objects.filter(organization=org, **{f"{field}__in": ids})
        return {CRITICAL_ACCOUNT: [str(pk) for pk in rows.values_list("pk", flat=True)]}

    return link


def _critical_of_account_services(org: Any, changed: Changed) -> Subjects:
    """An account changed re-counts the administrators of its service, before and after."""
    services = via(ACCOUNT, "service_id", SERVICE)(org, changed)[SERVICE]
    return _critical_where("service_id")(org, Changed(ids=services))


CRITICAL_LINKS = {CRITICAL_ACCOUNT: same(CRITICAL_ACCOUNT)}


def _services_with_two_admins(org: Any) -> set[int]:
    """Services where two different people hold an active administrator account."""
    rows = (
        Account.objects.filter(
            organization=org,
            active=True,
            archived_at__isnull=True,
            role=AccountRole.ADMIN,
            service__isnull=False,
            person__isnull=False,
        )
        .values("service_id")
        .annotate(people=Count("person_id", distinct=True))
        .filter(people__gte=2)
    )
    return {row["service_id"] for row in rows}


@register
class NoDeputy(Rule):
    """A critical account only one person can open, with its credentials held nowhere else."""

    kind = "continuity.no_deputy"
    severity = "high"
    triggers = frozenset({CRITICAL_ACCOUNT, ACCOUNT, PERSON})
    links = {
        **CRITICAL_LINKS,
        ACCOUNT: _critical_of_account_services,
        # The administrator's name is in the evidence.
        PERSON: _critical_where("administrator_id"),
    }

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        covered = _services_with_two_admins(org)
        rows = _critical_accounts(org, subjects).filter(
            deputy__isnull=True, escrow=EscrowPlace.NONE
        )
        for pk, name, service_id, admin in rows.values_list(
            "pk", "name", "service_id", "administrator__name"
        ):
            if service_id in covered:
                continue
            yield FindingSpec(
                key=f"{self.kind}:account:{pk}",
                subject=name,
                subject_type=CRITICAL_ACCOUNT,
                subject_id=str(pk),
                params={"account": name},
                evidence=[
                    {"kind": "critical_account", "id": pk, "text": name},
                    *([{"kind": "person", "text": admin}] if admin else []),
                ],
            )


@register
class EscrowUntested(Rule):
    """A deputy or escrow exists, but nobody has checked in the last year that it works."""

    kind = "continuity.escrow_untested"
    severity = "medium"
    triggers = frozenset({CRITICAL_ACCOUNT})
    links = CRITICAL_LINKS
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        since = timezone.localdate() - timedelta(days=ESCROW_TEST_VALID_DAYS)
        rows = (
            _critical_accounts(org, subjects)
            .filter(Q(deputy__isnull=False) | ~Q(escrow=EscrowPlace.NONE))
            .filter(Q(last_access_test_on__isnull=True) | Q(last_access_test_on__lt=since))
        )
        for pk, name, tested in rows.values_list("pk", "name", "last_access_test_on"):
            yield FindingSpec(
                key=f"{self.kind}:account:{pk}",
                subject=name,
                subject_type=CRITICAL_ACCOUNT,
                subject_id=str(pk),
                params={"account": name, "last_test": tested.isoformat() if tested else "never"},
                evidence=[{"kind": "critical_account", "id": pk, "text": name}],
            )


@register
class DeputyLeft(Rule):
    """The named deputy has left the organisation (or was archived from the people register)."""

    kind = "continuity.deputy_left"
    severity = "high"
    triggers = frozenset({CRITICAL_ACCOUNT, PERSON})
    links = {**CRITICAL_LINKS, PERSON: _critical_where("deputy_id")}
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        rows = _critical_accounts(org, subjects).filter(
            Q(deputy__left_on__lte=today) | Q(deputy__archived_at__isnull=False)
        )
        for pk, name, person_id, person in rows.values_list(
            "pk", "name", "deputy_id", "deputy__name"
        ):
            yield FindingSpec(
                key=f"{self.kind}:account:{pk}",
                subject=name,
                subject_type=CRITICAL_ACCOUNT,
                subject_id=str(pk),
                params={"account": name, "person": person},
                evidence=[
                    {"kind": "critical_account", "id": pk, "text": name},
                    {"kind": "person", "id": person_id, "text": person},
                ],
            )


@register
class SecretStored(Rule):
    """Text of a critical account that looks like the password, PIN or recovery code itself.

    The form refuses such text; an import or an older record can still carry it, and mamori
    must not keep the secret (§2.2: only where it is held). The finding never repeats the text.
    """

    kind = "continuity.secret_stored"
    severity = "high"
    triggers = frozenset({CRITICAL_ACCOUNT})
    links = CRITICAL_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        from .models import looks_like_secret

        for pk, name, details, notes in _critical_accounts(org, subjects).values_list(
            "pk", "name", "escrow_details", "notes"
        ):
            if not any(looks_like_secret(text) for text in (name, details, notes)):
                continue
            shown = f"#{pk}" if looks_like_secret(name) else name
            yield FindingSpec(
                key=f"{self.kind}:account:{pk}",
                subject=shown,
                subject_type=CRITICAL_ACCOUNT,
                subject_id=str(pk),
                params={"account": shown},
                evidence=[{"kind": "critical_account", "id": pk, "text": shown}],
            )
