"""Payee rules: a payment account changed without the payee-change check (MIC case
「正しい取引先に送金したはずが・・・」, handbook chapter 7 §7.4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import translation

from mamori.findings.rules import FindingSpec, Rule, Subjects, register, same, wanted

from .models import Payee

PAYEE = "payees.payee"


def _payees(org: Any, subjects: Subjects | None) -> Any:
    rows = Payee.objects.filter(organization=org, archived_at__isnull=True).order_by("pk")
    if (ids := wanted(subjects, PAYEE)) is not None:
        rows = rows.filter(pk__in=ids)
    return rows


@register
class AccountUnchecked(Rule):
    kind = "payees.account_unchecked"
    severity = "high"
    triggers = frozenset({PAYEE})
    links = {PAYEE: same(PAYEE)}

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        # The digest is computed in Python, so every active payee is read; an organisation has
        # tens to a few thousand payees, and this runs in the rules job, never in a request.
        rows = _payees(org, subjects)
        for payee in rows.iterator(chunk_size=500):
            if payee.account_verified:
                continue
            text = f"{payee.name} ({payee.bank_name} {payee.masked_number()})".strip()
            yield FindingSpec(
                key=f"{self.kind}:payee:{payee.pk}",
                subject=payee.name,
                subject_type="payees.payee",
                subject_id=str(payee.pk),
                params={"payee": payee.name},
                evidence=[{"kind": "payee", "id": payee.pk, "text": text}],
            )


@register
class AccountInvalid(Rule):
    """Imports write rows without the form's checks: a malformed code or number is reported
    here with the same messages the form gives."""

    kind = "payees.account_invalid"
    severity = "medium"
    triggers = frozenset({PAYEE})
    links = {PAYEE: same(PAYEE)}

    def evaluate(self, org: Any, subjects: Subjects | None = None) -> Iterator[FindingSpec]:
        rows = _payees(org, subjects)
        for payee in rows.iterator(chunk_size=500):
            errors = payee.account_errors()
            if not errors:
                continue
            facts = []
            for name, message in errors.items():
                label = Payee._meta.get_field(name).verbose_name
                with translation.override("ja"):
                    ja = f"{label}：{message}"
                with translation.override("en"):
                    en = f"{label}: {message}"
                facts.append({"kind": "problem", "text": ja, "text_en": en})
            yield FindingSpec(
                key=f"{self.kind}:payee:{payee.pk}",
                subject=payee.name,
                subject_type="payees.payee",
                subject_id=str(payee.pk),
                params={"payee": payee.name, "count": len(errors)},
                evidence=[{"kind": "payee", "id": payee.pk, "text": payee.name}, *facts],
            )
