"""Rules over contractor supervision and the personal-data register.

A supplier with a supervision record is judged by that record (its six contract clauses, its
audit rows, its processing countries); the inventory's coarser supplier rules
(inventory.supplier_no_security_clauses / _audit_overdue / _abroad_unreviewed) leave such a
supplier to these rules, so one problem gives one finding.

Incremental runs (issue 20): each rule's `links` lead a changed record (an audit row, a supplier,
a person, a share) to the supervision records, suppliers or personal-data entries it concerns.
A personal-data entry changed names contractors through a many-to-many field whose old values
the save does not carry, so the two rules that read it run over the whole organisation then.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import Max, Q
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
from mamori.inventory.models import ShareScope, Supplier

from .models import CLAUSE_FIELDS, PersonalData, Supervision

AUDIT_MAX_DAYS = 365
# A share "open beyond the organisation": anyone on the web, anyone with the link, partners.
OUTSIDE_SCOPES = (ShareScope.PUBLIC, ShareScope.ANYONE_WITH_LINK, ShareScope.PARTNERS)
SUPERVISION_TRIGGERS = frozenset(
    {"privacy.supervision", "privacy.supervisionaudit", "inventory.supplier"}
)
PERSONAL_DATA_TRIGGERS = frozenset({"privacy.personaldata"})
SUPERVISION = "privacy.supervision"
AUDIT = "privacy.supervisionaudit"
SUPPLIER = "inventory.supplier"
PERSONAL_DATA = "privacy.personaldata"


def _where(model: Any, field: str, subject_type: str) -> Any:
    """A link to the records of `model` whose `field` is one of the changed records."""

    def link(org: Any, changed: Changed) -> Subjects:
        ids = [int(s) for s in changed.ids if s.isdigit()]
        rows = model.objects.filter(organization=org, **{f"{field}__in": ids})
        return {subject_type: [str(pk) for pk in rows.values_list("pk", flat=True)]}

    return link


SUPERVISION_LINKS = {
    SUPERVISION: same(SUPERVISION),
    AUDIT: via(AUDIT, "supervision_id", SUPERVISION),
    SUPPLIER: _where(Supervision, "supplier_id", SUPERVISION),
}


def _supervisions(org: Any, subjects: Subjects | None = None) -> Any:
    rows = Supervision.objects.filter(
        organization=org, archived_at__isnull=True, supplier__archived_at__isnull=True
    ).select_related("supplier")
    if (ids := wanted(subjects, SUPERVISION)) is not None:
        rows = rows.filter(pk__in=ids)
    return rows


def _entrusted_personal(org: Any, subjects: Subjects | None = None) -> Any:
    """Supervised suppliers that hold our personal data: said on the record, on the supplier,
    or because a personal-data entry names them as its contractor."""
    named = PersonalData.objects.filter(organization=org, archived_at__isnull=True).values(
        "contractors"
    )
    return _supervisions(org, subjects).filter(
        Q(entrusts_personal_data=True)
        | Q(supplier__handles_personal_data=True)
        | Q(supplier_id__in=named)
    )


def _supervision_spec(kind: str, s: Supervision, **params: Any) -> FindingSpec:
    return FindingSpec(
        key=f"{kind}:supervision:{s.pk}",
        subject=s.supplier.name,
        subject_type="privacy.supervision",
        subject_id=str(s.pk),
        params={"supplier": s.supplier.name, **params},
        evidence=[{"kind": "supervision", "id": s.pk, "text": s.supplier.name}],
    )


@register
class ClausesMissing(Rule):
    kind = "privacy.contract_clauses_missing"
    severity = "high"
    triggers = SUPERVISION_TRIGGERS | PERSONAL_DATA_TRIGGERS
    links = SUPERVISION_LINKS  # none for a personal-data entry: then a full run

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        missing_any = Q()
        for name in CLAUSE_FIELDS:
            missing_any |= Q(**{name: False})
        for s in _entrusted_personal(org, subjects).filter(missing_any).distinct():
            missing = s.missing_clauses
            yield _supervision_spec(self.kind, s, missing=missing, count=len(missing))


@register
class CertificationExpired(Rule):
    kind = "privacy.certification_expired"
    severity = "medium"
    triggers = SUPERVISION_TRIGGERS
    links = SUPERVISION_LINKS
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        rows = _supervisions(org, subjects).filter(certification_expires_on__lt=today)
        for s in rows:
            assert s.certification_expires_on is not None
            yield _supervision_spec(self.kind, s, expired=s.certification_expires_on.isoformat())


@register
class NoRecentAudit(Rule):
    kind = "privacy.contractor_not_audited"
    severity = "medium"
    triggers = SUPERVISION_TRIGGERS | PERSONAL_DATA_TRIGGERS
    links = SUPERVISION_LINKS  # none for a personal-data entry: then a full run
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        cutoff = timezone.localdate() - timedelta(days=AUDIT_MAX_DAYS)
        rows = (
            _entrusted_personal(org, subjects).distinct().annotate(last=Max("audits__audited_on"))
        )
        for s in rows:
            # The supplier register's own "last audit" date counts as well as audit rows.
            dates = [d for d in (s.last, s.supplier.last_audit_on) if d is not None]
            last = max(dates) if dates else None
            if last is not None and last >= cutoff:
                continue
            yield _supervision_spec(
                self.kind, s, last=last.isoformat() if last else "", months=AUDIT_MAX_DAYS // 30
            )


@register
class AbroadRegimeUnrecorded(Rule):
    kind = "privacy.contractor_abroad_regime_unrecorded"
    severity = "medium"
    triggers = SUPERVISION_TRIGGERS
    links = SUPERVISION_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _supervisions(org, subjects).filter(
            Q(supplier__servers_abroad=True) | ~Q(processing_countries="")
        )
        for s in rows:
            if s.foreign_regime.strip() and (s.countries or not s.supplier.servers_abroad):
                continue
            yield _supervision_spec(
                self.kind, s, countries=s.countries or ["unknown"], approved=s.offshore_approved
            )


@register
class ReentrustmentUnapproved(Rule):
    """The supplier register says re-subcontracting is allowed; nobody approved it."""

    kind = "privacy.reentrustment_unapproved"
    severity = "medium"
    triggers = SUPERVISION_TRIGGERS
    links = {
        SUPPLIER: same(SUPPLIER),
        SUPERVISION: via(SUPERVISION, "supplier_id", SUPPLIER),
        AUDIT: lambda org, changed: {},  # audits do not change it
    }

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        suppliers = Supplier.objects.filter(organization=org)
        if (ids := wanted(subjects, SUPPLIER)) is not None:
            suppliers = suppliers.filter(pk__in=ids)
        rows = (
            suppliers.filter(archived_at__isnull=True, subcontracting_allowed=True)
            .exclude(supervision__reentrustment_approved=True, supervision__archived_at=None)
            .values_list("pk", "name")
        )
        for pk, name in rows:
            yield FindingSpec(
                key=f"{self.kind}:supplier:{pk}",
                subject=name,
                subject_type="inventory.supplier",
                subject_id=str(pk),
                params={"supplier": name},
                evidence=[{"kind": "supplier", "id": pk, "text": name}],
            )


# --- the personal-data register ------------------------------------------------------------


def _entries(org: Any, subjects: Subjects | None = None) -> Any:
    rows = PersonalData.objects.filter(organization=org, archived_at__isnull=True)
    if (ids := wanted(subjects, PERSONAL_DATA)) is not None:
        rows = rows.filter(pk__in=ids)
    return rows


ENTRY_LINKS = {PERSONAL_DATA: same(PERSONAL_DATA)}


def _entry_spec(kind: str, pk: int, name: str, **params: Any) -> FindingSpec:
    return FindingSpec(
        key=f"{kind}:personaldata:{pk}",
        subject=name,
        subject_type="privacy.personaldata",
        subject_id=str(pk),
        params={"data": name, **params},
        evidence=[{"kind": "personal_data", "id": pk, "text": name}],
    )


@register
class NoPurposeOrOwner(Rule):
    kind = "privacy.data_without_purpose_or_owner"
    severity = "medium"
    triggers = PERSONAL_DATA_TRIGGERS | {"inventory.person"}
    links = {**ENTRY_LINKS, "inventory.person": _where(PersonalData, "owner_id", PERSONAL_DATA)}

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _entries(org, subjects).filter(
            Q(purpose="") | Q(owner__isnull=True) | Q(owner__archived_at__isnull=False)
        )
        for pk, name, purpose, owner_id, owner_archived in rows.values_list(
            "pk", "name", "purpose", "owner_id", "owner__archived_at"
        ):
            missing = []
            if not purpose.strip():
                missing.append("purpose")
            if owner_id is None or owner_archived is not None:
                missing.append("owner")
            if missing:
                yield _entry_spec(self.kind, pk, name, missing=missing)


@register
class SensitiveOnOpenShare(Rule):
    kind = "privacy.sensitive_data_open_share"
    severity = "critical"
    triggers = PERSONAL_DATA_TRIGGERS | {"inventory.share"}
    # A share's own save does not change which entries name it (the entry's save does).
    links = {**ENTRY_LINKS, "inventory.share": _where(PersonalData, "shares", PERSONAL_DATA)}
    dated = True  # a share's expiry date passed

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        rows = (
            _entries(org, subjects)
            .filter(
                sensitive=True,
                shares__archived_at__isnull=True,
                shares__scope__in=OUTSIDE_SCOPES,
            )
            .filter(Q(shares__expires_on__isnull=True) | Q(shares__expires_on__gte=today))
            .values_list("pk", "name", "shares__pk", "shares__name", "shares__scope")
            .order_by("pk", "shares__pk")
        )
        grouped: dict[int, dict[str, Any]] = {}
        for pk, name, share_id, share, scope in rows:
            entry = grouped.setdefault(pk, {"name": name, "shares": [], "scopes": []})
            entry["shares"].append({"kind": "share", "id": share_id, "text": share})
            entry["scopes"].append(scope)
        for pk, entry in grouped.items():
            spec = _entry_spec(
                self.kind,
                pk,
                entry["name"],
                shares=[s["text"] for s in entry["shares"]],
                scope=entry["scopes"][0],
            )
            yield FindingSpec(**{**spec.__dict__, "evidence": spec.evidence + entry["shares"]})


@register
class ForeignTransferUnrecorded(Rule):
    kind = "privacy.foreign_transfer_unrecorded"
    severity = "high"
    triggers = PERSONAL_DATA_TRIGGERS
    links = ENTRY_LINKS

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _entries(org, subjects).filter(foreign_transfer=True)
        for pk, name, consent, informed, regime, countries in rows.values_list(
            "pk", "name", "foreign_consent", "foreign_info_given", "foreign_regime",
            "foreign_countries",
        ):  # fmt: skip
            missing = []
            if not countries.strip():
                missing.append("countries")
            if not consent:
                missing.append("consent")
            if not regime.strip() or not informed:
                missing.append("regime")
            if missing:
                yield _entry_spec(self.kind, pk, name, missing=missing, countries=countries)


@register
class RetentionPassed(Rule):
    kind = "privacy.retention_passed"
    severity = "medium"
    triggers = PERSONAL_DATA_TRIGGERS
    links = ENTRY_LINKS
    dated = True

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        today = timezone.localdate()
        rows = _entries(org, subjects).filter(retain_until__lt=today)
        for pk, name, until in rows.values_list("pk", "name", "retain_until"):
            yield _entry_spec(self.kind, pk, name, until=until.isoformat())
