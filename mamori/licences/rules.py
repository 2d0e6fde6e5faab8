"""Rules over published materials (handbook §9) and shadow IT (handbook §3.1).

Each returns every finding of its kind for one organisation, reading only the columns it needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils import timezone

from mamori.findings.rules import FindingSpec, Rule, Subjects, register, same, wanted
from mamori.inventory.models import Approval, Device, Ownership, Service

from .models import ATTRIBUTION, NO_DERIVATIVES, NON_COMMERCIAL, Material, Release

MATERIAL = "licences.material"


def _materials(org: Any, subjects: Subjects | None = None) -> Any:
    rows = Material.objects.filter(organization=org, archived_at__isnull=True)
    if (ids := wanted(subjects, MATERIAL)) is not None:
        rows = rows.filter(pk__in=ids)
    return rows


MATERIAL_LINKS = {MATERIAL: same(MATERIAL)}


def _material_finding(kind: str, pk: int, name: str, **params: Any) -> FindingSpec:
    return FindingSpec(
        key=f"{kind}:material:{pk}",
        subject=name,
        subject_type=MATERIAL,
        subject_id=str(pk),
        params={"material": name, **params},
        evidence=[{"kind": "material", "id": pk, "text": name}],
    )


@register
class NonCommercialUsedCommercially(Rule):
    kind = "licences.nc_commercial"
    severity = "high"
    triggers = frozenset({MATERIAL})
    links = MATERIAL_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _materials(org, subjects).filter(licence__in=NON_COMMERCIAL, commercial_use=True)
        for pk, name, licence in rows.values_list("pk", "name", "licence"):
            yield _material_finding(self.kind, pk, name, licence=licence)


@register
class NoDerivativesModified(Rule):
    kind = "licences.nd_modified"
    severity = "high"
    triggers = frozenset({MATERIAL})
    links = MATERIAL_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _materials(org, subjects).filter(licence__in=NO_DERIVATIVES, modified=True)
        for pk, name, licence in rows.values_list("pk", "name", "licence"):
            yield _material_finding(self.kind, pk, name, licence=licence)


@register
class AttributionMissing(Rule):
    kind = "licences.attribution_missing"
    severity = "medium"
    triggers = frozenset({MATERIAL})
    links = MATERIAL_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = (
            _materials(org, subjects)
            .filter(licence__in=ATTRIBUTION)
            .filter(Q(attribution="") | Q(attribution__isnull=True))
        )
        for pk, name, licence in rows.values_list("pk", "name", "licence"):
            yield _material_finding(self.kind, pk, name, licence=licence)


@register
class ModelReleaseMissing(Rule):
    kind = "licences.model_release_missing"
    severity = "high"
    triggers = frozenset({MATERIAL})
    links = MATERIAL_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        # Own photos need the consent of the people in them as much as downloaded ones.
        rows = (
            _materials(org, subjects)
            .filter(contains_person=True)
            .exclude(model_release=Release.OBTAINED)
        )
        for pk, name in rows.values_list("pk", "name"):
            yield _material_finding(self.kind, pk, name)


@register
class LicenceExpired(Rule):
    kind = "licences.licence_expired"
    severity = "high"
    triggers = frozenset({MATERIAL})
    links = MATERIAL_LINKS
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        rows = _materials(org, subjects).filter(licence_expires_on__lt=today)
        for pk, name, expired in rows.values_list("pk", "name", "licence_expires_on"):
            yield _material_finding(self.kind, pk, name, expired_on=expired.isoformat())


# --- shadow IT (handbook §3.1) -------------------------------------------------------------


@register
class UnapprovedServiceWithData(Rule):
    kind = "shadowit.unapproved_service"
    severity = "high"
    triggers = frozenset({"inventory.service"})
    links = {"inventory.service": same("inventory.service")}

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        services = Service.objects.filter(organization=org, archived_at__isnull=True)
        if (ids := wanted(subjects, "inventory.service")) is not None:
            services = services.filter(pk__in=ids)
        rows = services.exclude(approval=Approval.APPROVED).filter(
            Q(holds_personal_data=True) | Q(holds_confidential_data=True)
        )
        for pk, name, approval, personal, confidential in rows.values_list(
            "pk", "name", "approval", "holds_personal_data", "holds_confidential_data"
        ):
            data = "both" if personal and confidential else "personal" if personal else "secret"
            yield FindingSpec(
                key=f"{self.kind}:service:{pk}",
                subject=name,
                subject_type="inventory.service",
                subject_id=str(pk),
                params={"service": name, "approval": approval, "data": data},
                evidence=[{"kind": "service", "id": pk, "text": name}],
            )


@register
class ByodWithoutRules(Rule):
    kind = "shadowit.byod_without_rules"
    severity = "medium"
    triggers = frozenset({"inventory.device", "inventory.person"})
    # The person's name is in the finding: a person changed re-checks their devices.
    links = {
        "inventory.device": same("inventory.device"),
        "inventory.person": lambda org, changed: {
            "inventory.device": [
                str(pk)
                for pk in Device.objects.filter(
                    organization=org, person_id__in=[int(s) for s in changed.ids if s.isdigit()]
                ).values_list("pk", flat=True)
            ]
        },
    }

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = Device.objects.filter(
            organization=org,
            archived_at__isnull=True,
            disposed_on__isnull=True,
            ownership=Ownership.BYOD,
            byod_rules_accepted_on__isnull=True,
        )
        if (ids := wanted(subjects, "inventory.device")) is not None:
            rows = rows.filter(pk__in=ids)
        for pk, name, person in rows.values_list("pk", "name", "person__name"):
            evidence: list[dict[str, Any]] = [{"kind": "device", "id": pk, "text": name}]
            yield FindingSpec(
                key=f"{self.kind}:device:{pk}",
                subject=name,
                subject_type="inventory.device",
                subject_id=str(pk),
                params={"device": name, "person": person or "—"},
                evidence=evidence,
            )
