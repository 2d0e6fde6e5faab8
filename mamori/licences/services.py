"""Shadow IT: a sign-in report's apps become apps to review; reviewing one adds it to the
services register (approved, under review or not approved) or dismisses it. Each change is one
transaction with one audit event; the rules re-run after commit."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.findings.services import run_rules_after_commit
from mamori.inventory.models import Service, ServiceCategory
from mamori.orgs.models import Organization

from .models import DiscoveredApp
from .signin_reports import SigninReport, _fold


class ReviewError(Exception):
    """A review step that cannot be done (the message is shown to the user)."""


def _aware(value: datetime | None) -> datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def _host(url: str) -> str:
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _known_services(org: Organization) -> tuple[dict[str, Service], dict[str, Service]]:
    by_name: dict[str, Service] = {}
    by_host: dict[str, Service] = {}
    for service in Service.objects.filter(organization=org, archived_at__isnull=True):
        by_name.setdefault(_fold(service.name), service)
        host = _host(service.url)
        if host:
            by_host.setdefault(host, service)
    return by_name, by_host


def import_signin_report(
    request: HttpRequest | None, org: Organization, report: SigninReport, filename: str
) -> dict[str, int]:
    """Record the report's apps that the register does not name. Returns counts: new (first
    seen), updated (seen before, still to review or dismissed), known (in the register)."""
    by_name, by_host = _known_services(org)
    existing = {_fold(a.name): a for a in DiscoveredApp.objects.filter(organization=org)}
    counts = {"new": 0, "updated": 0, "known": 0}
    now = timezone.now()
    with transaction.atomic():
        for app in report.apps:
            host = _host(app.homepage)
            service = by_name.get(_fold(app.name)) or (by_host.get(host) if host else None)
            if service is not None:
                counts["known"] += 1
                continue
            found = existing.get(_fold(app.name))
            if found is None:
                found = DiscoveredApp(organization=org, name=app.name, created_at=now)
                counts["new"] += 1
            else:
                counts["updated"] += 1
            found.app_id = app.app_id or found.app_id
            found.source = report.source
            found.users = max(found.users, app.user_count)
            sample = sorted({*found.user_sample.split(", "), *app.user_sample} - {""})
            found.user_sample = ", ".join(sample[:10])[:1000]
            # The same report imported twice must not double the count: keep the larger.
            found.sign_ins = max(found.sign_ins, app.sign_ins)
            first, last = _aware(app.first_seen), _aware(app.last_seen)
            if first and (found.first_seen is None or first < found.first_seen):
                found.first_seen = first
            if last and (found.last_seen is None or last > found.last_seen):
                found.last_seen = last
            found.updated_at = now
            found.save()
        record(
            "licences.signin_report_imported",
            request=request,
            organization=org,
            object_repr=filename[:200],
            changes={**counts, "source": report.source, "rows": report.preview.total_rows},
        )
    return counts


def add_to_register(
    request: HttpRequest | None,
    org: Organization,
    app: DiscoveredApp,
    approval: str,
    *,
    personal_data: bool = False,
    confidential_data: bool = False,
) -> Service:
    """The reviewed app becomes a service in the register with the decided approval."""
    if not app.is_open:
        raise ReviewError("already reviewed")
    with transaction.atomic():
        locked = DiscoveredApp.objects.select_for_update().get(pk=app.pk, organization=org)
        if not locked.is_open:
            raise ReviewError("already reviewed")
        service = Service.objects.filter(
            organization=org, archived_at__isnull=True, name__iexact=locked.name
        ).first()
        if service is None:
            service = Service.objects.create(
                organization=org,
                name=locked.name,
                category=ServiceCategory.OTHER,
                approval=approval,
                holds_personal_data=personal_data,
                holds_confidential_data=confidential_data,
                notes=_notes(locked),
            )
        else:
            service.approval = approval
            service.holds_personal_data = service.holds_personal_data or personal_data
            service.holds_confidential_data = service.holds_confidential_data or confidential_data
            service.updated_at = timezone.now()
            service.save()
        locked.service = service
        locked.updated_at = timezone.now()
        locked.save(update_fields=["service", "updated_at"])
        record(
            "licences.discovered_app_added",
            request=request,
            organization=org,
            object_repr=locked.name,
            changes={
                "approval": approval,
                "personal_data": personal_data,
                "confidential_data": confidential_data,
            },
        )
        run_rules_after_commit(org, "inventory.service")
    return service


def _notes(app: DiscoveredApp) -> str:
    # Identifiers only: notes are shown as they are, in whichever language the reader uses.
    lines: list[str] = []
    if app.app_id:
        lines.append(f"ID: {app.app_id}")
    if app.user_sample:
        lines.append(app.user_sample)
    return "\n".join(lines)[:5000]


def dismiss(request: HttpRequest | None, org: Organization, app: DiscoveredApp) -> None:
    """Nothing to register (a test sign-in, a personal app without company data)."""
    with transaction.atomic():
        updated = DiscoveredApp.objects.filter(
            pk=app.pk, organization=org, service__isnull=True, dismissed_at__isnull=True
        ).update(dismissed_at=timezone.now(), updated_at=timezone.now())
        if not updated:
            raise ReviewError("already reviewed")
        record(
            "licences.discovered_app_dismissed",
            request=request,
            organization=org,
            object_repr=app.name,
        )
