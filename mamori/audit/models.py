"""The audit trail: append-only, numbered, keyed hash-chained events.

Each event stores its number and the hash of the previous one; its own hash is an HMAC keyed
with the install key (mamori.audit.chain), so a modified row breaks its own hash, a deleted row
leaves a gap, and re-hashing needs a key the database does not hold. The newest head is also
recorded outside the database (mamori.audit.head); `mamori audit verify` checks both. Actor and
organisation are stored as plain values (not foreign keys) so that deleting a user or an
organisation never rewrites history.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mamori.audit.chain import GENESIS_HASH, canonical, chain_key, keyed_hash

__all__ = ["GENESIS_HASH", "AuditEvent"]


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(_("time"), db_index=True)
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("who"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # 1, 2, 3 … in the order events were appended; a gap means deleted events.
    seq = models.PositiveBigIntegerField(_("number"), unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization_id", "-id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but the hash itself."""
        return canonical(self)

    def compute_hash(self, key: bytes | None = None) -> str:
        return keyed_hash(self, key if key is not None else chain_key())
