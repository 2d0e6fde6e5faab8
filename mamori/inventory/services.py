"""Changes to the registers: one transaction, one audit event, rules re-run after commit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import changed_fields, record, snapshot
from mamori.findings.services import moved_references, run_rules_after_commit
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

    if isinstance(instance, Software):
        # The version field is the truth: the CPE follows it (intel issue 13), and a new row
        # gets NVD's own vendor:product when an imported advisory names the product.
        from mamori.intel.vulnmatch import cpe_following_version, suggest_software_cpe

        if instance.cpe23:
            instance.cpe23 = cpe_following_version(instance.cpe23, instance.version)[:300]
        else:
            instance.cpe23 = suggest_software_cpe(
                instance.vendor, instance.product, instance.version
            )[:300]


def save_record(
    request: HttpRequest, org: Organization, spec: RegisterSpec, form: forms.ModelForm
) -> models.Model:
    is_new = form.instance.pk is None
    with transaction.atomic():
        before: dict[str, Any] = {}
        stored = None
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
        # The references it had before (an account's old person) are re-checked too.
        moved = moved_references(spec.label, stored, instance) if stored is not None else None
        run_rules_after_commit(org, spec.label, pks=[instance.pk], moved=moved)
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
        run_rules_after_commit(org, spec.label, pks=[instance.pk])


def apply_import(
    request: HttpRequest, org: Organization, spec: RegisterSpec, plan: Any, filename: str
) -> tuple[int, int]:
    """Save a checked import plan, all or nothing. Returns (created, updated)."""
    model = spec.model
    m2m = {
        name
        for name in spec.fields
        if isinstance(model._meta.get_field(name), models.ManyToManyField)
    }

    def attname(name: str) -> str:
        return model._meta.get_field(name).attname

    now = timezone.now()
    with transaction.atomic():
        created_objects = []
        for values in plan.creates:
            fields = {attname(k): v for k, v in values.items() if k not in m2m}
            instance = model(organization=org, created_at=now, updated_at=now, **fields)
            prepare(instance)
            created_objects.append(instance)
        model._default_manager.bulk_create(created_objects, batch_size=1000)
        for instance, values in zip(created_objects, plan.creates, strict=True):
            for name in m2m & values.keys():
                getattr(instance, name).set(values[name])
        if plan.updates:
            by_pk = model._default_manager.filter(organization=org).in_bulk(
                [pk for pk, _values in plan.updates]
            )
            changed_fields: set[str] = {"updated_at"}
            updated = []
            for pk, values in plan.updates:
                instance = by_pk[pk]
                for key, value in values.items():
                    if key in m2m:
                        getattr(instance, key).set(value)
                    else:
                        setattr(instance, attname(key), value)
                        changed_fields.add(attname(key))
                instance.updated_at = now
                updated.append(instance)
            model._default_manager.bulk_update(updated, sorted(changed_fields), batch_size=1000)
        record(
            f"{spec.label}.imported",
            request=request,
            organization=org,
            object_repr=filename[:200],
            changes={"created": len(plan.creates), "updated": len(plan.updates)},
        )
        run_rules_after_commit(org, spec.label)
    return len(plan.creates), len(plan.updates)


def apply_sharing_report(
    request: HttpRequest, org: Organization, items: list[Any], service: Any, filename: str
) -> tuple[int, int]:
    """Create or update one Share per reported item; the report's grants replace the stored
    ones (the report is the current truth). Returns (created, updated)."""
    from .models import Person, Share, ShareGrant

    people: dict[str, Person] = {}
    for person in Person.objects.filter(organization=org, archived_at__isnull=True):
        for text in (person.email, person.name):
            if text:
                people.setdefault(text.strip().casefold(), person)
    shares = list(Share.objects.filter(organization=org))
    by_url = {s.url: s for s in shares if s.url}
    by_name = {s.name.casefold(): s for s in shares}
    created = updated = 0
    now = timezone.now()
    with transaction.atomic():
        for item in items:
            share = by_url.get(item.url) if item.url else None
            share = share or by_name.get((item.name or item.path).casefold())
            owner = people.get((item.owner or "").strip().casefold())
            if share is None:
                share = Share(organization=org, created_at=now)
                created += 1
            else:
                updated += 1
            share.name = (item.name or item.path or item.url)[:300]
            share.url = item.url[:1000] if item.url else share.url
            share.scope = item.scope or share.scope
            share.owner = owner or share.owner
            share.service = service or share.service
            share.updated_at = now
            share.save()
            ShareGrant.objects.filter(share=share).delete()
            grants = []
            for who, permission in item.grants:
                person = people.get(who.strip().casefold())
                grants.append(
                    ShareGrant(
                        share=share,
                        person=person,
                        group="" if person else who[:200],
                        permission=permission or "viewer",
                    )
                )
            ShareGrant.objects.bulk_create(grants)
        record(
            "inventory.share.sharing_report_imported",
            request=request,
            organization=org,
            object_repr=filename[:200],
            changes={"created": created, "updated": updated},
        )
        run_rules_after_commit(org, "inventory.share")
    return created, updated
