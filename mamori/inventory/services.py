"""Changes to the registers: one transaction, one audit event, rules re-run after commit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import changed_fields, record, snapshot
from mamori.findings.services import run_rules_after_commit
from mamori.orgs.models import Organization

from .registers import RegisterSpec


def _fields_snapshot(instance: models.Model, spec: RegisterSpec) -> dict[str, Any]:
    data = snapshot(instance, [f for f in spec.fields if _is_concrete(instance, f)])
    for name in spec.fields:
        if not _is_concrete(instance, name) and instance.pk is not None:
            data[name] = sorted(str(v) for v in getattr(instance, name).all())
    return data


def _is_concrete(instance: models.Model, name: str) -> bool:
    field = instance._meta.get_field(name)
    return not isinstance(field, models.ManyToManyField)


def _attname(instance: models.Model, name: str) -> str:
    return instance._meta.get_field(name).attname


def prepare(instance: models.Model) -> None:
    """Fill derived values before saving (a suggested CPE name for software)."""
    from .models import Software

    if isinstance(instance, Software) and not instance.cpe23:
        from mamori.intel.matching import suggest_cpe

        instance.cpe23 = suggest_cpe(instance.vendor, instance.product, instance.version)


def save_record(
    request: HttpRequest, org: Organization, spec: RegisterSpec, form: forms.ModelForm
) -> models.Model:
    is_new = form.instance.pk is None
    with transaction.atomic():
        before: dict[str, Any] = {}
        if not is_new:
            stored = type(form.instance)._default_manager.get(pk=form.instance.pk)
            before = _fields_snapshot(stored, spec)
        instance = form.save(commit=False)
        instance.organization = org
        instance.updated_at = timezone.now()
        prepare(instance)
        instance.save()
        form.save_m2m()
        after = _fields_snapshot(instance, spec)
        record(
            f"{spec.label}.{'created' if is_new else 'updated'}",
            request=request,
            organization=org,
            obj=instance,
            changes=after if is_new else changed_fields(before, after),
        )
        run_rules_after_commit(org, spec.label)
    return instance


def set_archived(
    request: HttpRequest, org: Organization, spec: RegisterSpec, instance: Any, archived: bool
) -> None:
    with transaction.atomic():
        instance.archived_at = timezone.now() if archived else None
        instance.updated_at = timezone.now()
        instance.save(update_fields=["archived_at", "updated_at"])
        record(
            f"{spec.label}.{'archived' if archived else 'restored'}",
            request=request,
            organization=org,
            obj=instance,
        )
        run_rules_after_commit(org, spec.label)
