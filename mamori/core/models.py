"""Core models. The job queue lives in the database (see mamori.core.jobs)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", "待機中 / queued"
    RUNNING = "running", "実行中 / running"
    DONE = "done", "完了 / done"
    FAILED = "failed", "失敗 / failed"


class JobQueue(models.TextChoices):
    """Named queues, in the order a worker serving several takes them (the queue is the
    priority: within one queue, jobs run in due order). See mamori.core.jobs.handler."""

    URGENT = "urgent", _("Urgent")
    DEFAULT = "default", _("Normal")
    BULK = "bulk", _("Bulk")


# Claim order of the queues: urgent before default before bulk.
QUEUE_ORDER: tuple[str, ...] = (JobQueue.URGENT, JobQueue.DEFAULT, JobQueue.BULK)

# Statuses in which a job still holds its unique_key.
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)

LAST_ERROR_MAX_CHARS = 4000


class Job(models.Model):
    """One unit of background work; due when status is queued and run_at has passed."""

    kind = models.CharField(max_length=100)
    payload = models.JSONField(default=dict, blank=True)
    # A plain integer, not a foreign key: core must not depend on the orgs app.
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # db_default too: rows inserted by code that does not know the column yet (a process of the
    # previous release during an upgrade, raw SQL) land in the default queue.
    queue = models.CharField(
        max_length=10,
        choices=JobQueue.choices,
        default=JobQueue.DEFAULT,
        db_default=JobQueue.DEFAULT,
    )
    run_at = models.DateTimeField(
        default=timezone.now
    )  # "next run at"; see core_job_queue_claim_idx
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    leased_by = models.CharField(max_length=200, blank=True, default="")
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    # NULL (no key) never conflicts in the unique constraint below; "" would.
    unique_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    repeat_seconds = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # At most one queued or running job per key; finished rows may repeat the key.
            models.UniqueConstraint(
                fields=["unique_key"],
                condition=Q(status__in=["queued", "running"]),
                name="core_job_unique_active_key",
            ),
        ]
        indexes = [
            # Composite, not partial: SQLite cannot use a partial index when the status is a
            # bound parameter. With status and queue first, a claim for one queue walks only the
            # queued part of that queue, in due order, however much finished history or other
            # queues' work accumulates (a claim for several queues tries them in turn, see
            # mamori.core.jobclaim).
            models.Index(
                fields=["status", "queue", "run_at", "id"], name="core_job_queue_claim_idx"
            ),
            models.Index(fields=["status", "leased_until"], name="core_job_lease_expiry_idx"),
            models.Index(fields=["status", "organization_id"], name="core_job_status_org_idx"),
            # For lookups by key (the partial unique index only enforces; SQLite cannot search it).
            models.Index(fields=["unique_key"], name="core_job_unique_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} ({self.status})"

    @property
    def error_summary(self) -> str:
        """The first line of the recorded error: the exception type and message."""
        return self.last_error.strip().split("\n", 1)[0]
