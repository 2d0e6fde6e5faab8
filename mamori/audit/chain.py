"""The audit chain's arithmetic: what each event's hash covers, and how it is keyed.

Each event carries its number in the chain (`seq`, 1, 2, 3 …), the hash of the event before it
(`prev_hash`) and its own `hash` = HMAC-SHA256 over every other field, keyed with a key derived
from the install key (mamori.core.install), which is never stored in the database. Whoever can
write to the database but not read the install key can neither change an event nor re-hash the
chain after a change without `mamori audit verify` noticing.

`rekey` re-hashes a whole chain with the install key: once when upgrading from the unkeyed
chain (migration audit.0002), and after restoring a backup from another install.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

GENESIS_HASH = "0" * 64
CHAIN_KEY_PURPOSE = "audit-chain.v1"
# The table the chain lives in (read without Django by the backup engine).
TABLE = "audit_auditevent"


def chain_key() -> bytes:
    from mamori.core.install import install_identity

    return install_identity().derive(CHAIN_KEY_PURPOSE)


def _body(event: Any, *, with_seq: bool) -> dict[str, Any]:
    body = {
        "created_at": event.created_at.isoformat(),
        "organization_id": event.organization_id,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "ip": event.ip,
        "prev_hash": event.prev_hash,
    }
    if with_seq:
        body["seq"] = event.seq
    return body


def canonical(event: Any) -> bytes:
    """The bytes the hash covers: every field but the hash itself (and the row id)."""
    body = _body(event, with_seq=True)
    return json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()


def keyed_hash(event: Any, key: bytes) -> str:
    return hmac.new(key, canonical(event), hashlib.sha256).hexdigest()


def legacy_hash(event: Any) -> str:
    """The unkeyed SHA-256 of chains written before the chain was keyed (no `seq`)."""
    body = _body(event, with_seq=False)
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class RekeyResult:
    events: int
    head_seq: int
    head_hash: str
    # What checking the chain with its previous hashing found before re-keying it.
    previous_problems: int
    first_problem_id: int | None


def rekey(
    model: type[models.Model],
    key: bytes,
    *,
    previous_hash: Callable[[Any], str] | None,
    using: str = "default",
    batch: int = 1000,
) -> RekeyResult:
    """Number and re-hash every event of `model` (in id order) with `key`.

    `previous_hash` (when given) checks each event against the hashing it was written with
    before it is re-hashed, so that tampering done before the re-key is reported, not absorbed.
    Runs inside the caller's transaction. `model` may be a migration's historical model.
    """
    # A plain QuerySet: the model's own manager refuses updates (append-only).
    rows = models.QuerySet(model=model, using=using)
    expected_prev = GENESIS_HASH
    prev_hash = GENESIS_HASH
    seq = 0
    problems = 0
    first_problem: int | None = None
    last_id = 0
    while True:
        chunk = list(rows.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not chunk:
            break
        for event in chunk:
            if previous_hash is not None:
                broken = event.prev_hash != expected_prev or previous_hash(event) != event.hash
                if broken:
                    problems += 1
                    first_problem = first_problem or event.pk
                expected_prev = event.hash
            seq += 1
            event.seq = seq
            event.prev_hash = prev_hash
            event.hash = keyed_hash(event, key)
            prev_hash = event.hash
            last_id = event.pk
        rows.bulk_update(chunk, ["seq", "prev_hash", "hash"])
    return RekeyResult(
        events=seq,
        head_seq=seq,
        head_hash=prev_hash,
        previous_problems=problems,
        first_problem_id=first_problem,
    )
