"""Findings (what is wrong) and actions (what to do about it, by whom, by when).

Every check in mamori — an inventory rule, a questionnaire answer, a matched vulnerability, a
changed web page, a dangerous mail — produces a Finding identified by a stable key within its
organisation, so the same problem is one row however often it is seen.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.orgs.models import Organization


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
# Default days to fix, by severity (an organisation may change them).
DEFAULT_DUE_DAYS = {"critical": 3, "high": 14, "medium": 30, "low": 90}


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Risk accepted")
    RESOLVED = "resolved", _("Resolved")


class Finding(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="findings"
    )
    kind = models.CharField(_("kind"), max_length=80, db_index=True)
    key = models.CharField(max_length=200)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    # Orders the lists: higher first (kept in the row so lists sort in the database).
    severity_rank = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    subject = models.CharField(_("subject"), max_length=300)
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    guidance_key = models.CharField(max_length=80)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    times_reopened = models.PositiveIntegerField(default=0)
    accepted_reason = models.TextField(_("reason"), blank=True)
    accepted_until = models.DateField(_("accepted until"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A copy of the action's due date (services.py keeps the two equal), so the findings list and
    # the to-do list read their first page in index order instead of sorting every open row
    # across the join with Action.
    due_date = models.DateField(null=True, blank=True)
    # A copy of the action's status (kept equal by services.py like due_date), so the to-do
    # count, the overdue tile and the list rows are read from this table's indexes alone.
    action_status = models.CharField(max_length=12, default="todo")
    # ... and of the action's owner, so a list row needs no join with Action.
    action_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A hash of what the check last reported (subject, severity, params, evidence): a re-run
    # compares it instead of loading every finding's JSON.
    digest = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="one_finding_per_key")
        ]
        indexes = [
            # The lists' order (severity, then due date) and the counts by severity_rank.
            models.Index(
                fields=["organization", "status", "-severity_rank", "due_date", "id"],
                name="finding_list_order",
            ),
            models.Index(fields=["organization", "kind", "status"]),
            # The to-do count and the overdue count (open findings whose action is not done,
            # due before today): index-only, without the join with Action.
            models.Index(
                fields=["organization", "status", "action_status", "due_date"],
                name="finding_todo",
            ),
            # A rule re-evaluating some subjects reads only their findings.
            models.Index(fields=["organization", "kind", "subject_id"], name="finding_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.severity_rank = SEVERITY_RANK.get(self.severity, 0)
        if kwargs.get("update_fields") is not None and "severity" in kwargs["update_fields"]:
            kwargs["update_fields"] = [*kwargs["update_fields"], "severity_rank"]  # type: ignore[list-item]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def is_overdue(self) -> bool:
        """As Action.is_overdue, from the finding's own copies (no join)."""
        return (
            self.action_status != ActionStatus.DONE
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


class ActionStatus(models.TextChoices):
    TODO = "todo", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Action(models.Model):
    """What to do about one finding: owner, due date, progress, comments."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="actions")
    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="action")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        verbose_name=_("assigned to"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.TODO
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status", "due_date"])]

    def __str__(self) -> str:
        return f"action for {self.finding}"

    @property
    def is_overdue(self) -> bool:
        return self.status != ActionStatus.DONE and self.due_date < timezone.localdate()


class ActionComment(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:50]


class DuePolicy(models.Model):
    """An organisation's own days-to-fix per severity (defaults apply when absent)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="due_policy"
    )
    critical_days = models.PositiveSmallIntegerField(_("critical"), default=3)
    high_days = models.PositiveSmallIntegerField(_("high"), default=14)
    medium_days = models.PositiveSmallIntegerField(_("medium"), default=30)
    low_days = models.PositiveSmallIntegerField(_("low"), default=90)

    def __str__(self) -> str:
        return f"due policy of {self.organization}"


def default_due(
    org: Organization, severity: str, today: date | None = None, guidance_key: str = ""
) -> date:
    """The organisation's own days for this severity if it set them; otherwise the guidance's
    days for this kind of finding; otherwise the defaults by severity."""
    today = today or timezone.localdate()
    policy = DuePolicy.objects.filter(organization=org).first()
    days: int | None = None
    if policy is not None:
        days = getattr(policy, f"{severity}_days", None)
    if days is None and guidance_key:
        from .guidance import get_guidance

        guidance = get_guidance(guidance_key)
        if guidance is not None:
            days = guidance.due_days_for(severity)
    if days is None:
        days = DEFAULT_DUE_DAYS.get(severity, 30)
    return today + timedelta(days=days)


class RuleCorrection(models.Model):
    """What the nightly full run had to change for one rule in one organisation although no
    date had passed: an incremental run missed a change (a bug; exported as a metric)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=80)
    opened = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind}: +{self.opened} ~{self.reopened} -{self.resolved}"
