"""Writing to the audit trail. Every service that changes data calls `record` inside its
transaction, so the event and the change commit or roll back together."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from . import head as head_file
from .chain import GENESIS_HASH, RekeyResult, chain_key, rekey
from .models import AuditEvent

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
        last = AuditEvent.objects.order_by("-id").values_list("seq", "hash").first()
        event.seq, event.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        event.hash = event.compute_hash()
        event.save()
        head_file.append_on_commit(event.seq, event.hash)
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


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


def current_head() -> tuple[int, str]:
    """(number, hash) of the newest event; (0, GENESIS_HASH) when the trail is empty."""
    last = AuditEvent.objects.order_by("-id").values_list("seq", "hash").first()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)


def rekey_chain(reason: str, note: str = "", **event: Any) -> RekeyResult:
    """Re-hash the whole chain with this install's key (e.g. after restoring another install's
    backup, whose chain was keyed with that install's key), record that in the head file as a
    reset, and audit it."""
    with transaction.atomic():
        _lock_chain()
        result = rekey(AuditEvent, chain_key(), previous_hash=None)
        head_file.append_on_commit(result.head_seq, result.head_hash, reset=reason, note=note)
        changes = {"events": result.events, "reason": reason, "note": note}
        record("audit.chain_rekeyed", changes=changes, **event)
    return result


def mark_replaced(reason: str, note: str = "") -> None:
    """The database was replaced (a restore): the chain now ends where the restored one did.
    Recorded as a reset in the head file, so that older heads are not compared any more."""
    seq, hash_ = current_head()
    head_file.append(seq, hash_, reset=reason, note=note)
