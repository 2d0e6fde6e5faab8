"""Writing to the audit trail. Every service that changes data calls `record` inside its
transaction, so the event and the change commit or roll back together."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import GENESIS_HASH, AuditEvent

# Any constant; PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_ID = 4_242_001


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address. Behind a proxy, settings decide whether X-Forwarded-For is trusted."""
    if request is None:
        return None
    from django.conf import settings

    candidate = request.META.get("REMOTE_ADDR", "")
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            candidate = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    organization: Any = None,
    obj: models.Model | None = None,
    object_repr: str | None = None,
    changes: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the chain."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    org_id = getattr(organization, "pk", organization)
    event = AuditEvent(
        created_at=timezone.now(),
        organization_id=org_id,
        actor_id=getattr(actor, "pk", None),
        actor_label=(getattr(actor, "email", "") or getattr(actor, "username", ""))[:254]
        if actor is not None
        else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj else "")[:300],
        changes=_jsonable(changes or {}),
        ip=ip if ip is not None else client_ip(request),
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS_HASH
        event.hash = event.compute_hash()
        event.save()
    return event


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for the fields whose value differs."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    names = fields or [f.attname for f in instance._meta.concrete_fields if not f.primary_key]
    return {name: _jsonable(getattr(instance, name)) for name in names}


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str


def verify_chain() -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain; return (events checked, problems found)."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    count = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if event.prev_hash != expected_prev:
            problems.append(
                ChainProblem(event.id, "link broken: an earlier event was deleted or altered")
            )
        if event.compute_hash() != event.hash:
            problems.append(ChainProblem(event.id, "content altered: hash does not match"))
        expected_prev = event.hash
    return count, problems
