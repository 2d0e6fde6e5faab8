"""Organisation-scoped reads of the registers."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from mamori.audit.models import AuditEvent
from mamori.findings.models import Finding
from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .registers import REGISTERS, RegisterSpec


def records(org: Organization, spec: RegisterSpec, params: dict[str, str]) -> QuerySet[Any]:
    rows = scoped(spec.model, org)
    if params.get("archived") == "1":
        rows = rows.filter(archived_at__isnull=False)
    else:
        rows = rows.filter(archived_at__isnull=True)
    query = params.get("q", "").strip()[:200]
    if query:
        condition = Q()
        for name in spec.search:
            condition |= Q(**{f"{name}__icontains": query})
        rows = rows.filter(condition)
    for name in spec.filters:
        value = params.get(name, "")
        if value:
            field = spec.model._meta.get_field(name)
            if isinstance(field, models.BooleanField):
                rows = rows.filter(**{name: value == "true"})
            elif value in {c[0] for c in field.choices or []}:
                rows = rows.filter(**{name: value})
    order = params.get("sort", "")
    allowed = {c for c in spec.list_columns if _is_concrete(spec, c)}
    if order.lstrip("-") in allowed:
        rows = rows.order_by(order, "pk")
    else:
        rows = rows.order_by(spec.default_order, "pk")
    related = [
        c for c in spec.list_columns if isinstance(spec.model._meta.get_field(c), models.ForeignKey)
    ]
    return rows.select_related(*related) if related else rows


def _is_concrete(spec: RegisterSpec, name: str) -> bool:
    return not isinstance(spec.model._meta.get_field(name), models.ManyToManyField)


def counts(org: Organization) -> dict[str, int]:
    return {
        key: scoped(spec.model, org).filter(archived_at__isnull=True).count()
        for key, spec in REGISTERS.items()
    }


def history(org: Organization, instance: models.Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        organization_id=org.pk,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
    ).order_by("-id")


def findings_about(org: Organization, instance: models.Model) -> QuerySet[Finding]:
    return Finding.objects.filter(
        organization=org,
        subject_type=instance._meta.label_lower,
        subject_id=str(instance.pk),
    ).order_by("status", "-severity_rank")
