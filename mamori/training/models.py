"""Training records per person and targeted-mail drills (handbook §7.9, MIC case 標的型攻撃).

A drill keeps its state on the row (draft → approved → sending → sent); every transition is a
service call with one audit event. Each recipient carries an unguessable token that appears in
the drill mail's links, its tracking pixel, the attachment's link and the admin-visible
X-Mamori-Drill header, so opens, clicks and the forward to the check address find their row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.inventory.models import Person, Register
from mamori.orgs.models import Organization


class TrainingKind(models.TextChoices):
    COURSE = "course", _("Course or briefing")
    ELEARNING = "elearning", _("E-learning")
    DRILL_REVIEW = "drill_review", _("Follow-up after a mail drill")
    OTHER = "other", _("Other")


class TrainingRecord(Register):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="training_records", verbose_name=_("person")
    )
    title = models.CharField(_("what"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=12, choices=TrainingKind.choices, default=TrainingKind.COURSE
    )
    taken_on = models.DateField(_("when"), null=True, blank=True)
    completed = models.BooleanField(_("completed"), default=False)
    due_on = models.DateField(_("to be done by"), null=True, blank=True)

    class Meta:
        ordering = ["-taken_on", "title"]
        indexes = [models.Index(fields=["organization", "person", "completed"])]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self) -> str:
        return f"{self.title} ({self.person})"


class DrillTemplate(models.TextChoices):
    MEETING = "meeting", _("Materials for the next meeting (after a holiday)")
    CONTRACT = "contract", _("Final check of the contract (attachment)")
    SUSPENSION = "suspension", _("Account suspension notice")


class DrillStatus(models.TextChoices):
    DRAFT = "draft", _("Draft: waiting for an owner's approval")
    APPROVED = "approved", _("Approved: waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Sending failed")


class Drill(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    template = models.CharField(_("scenario"), max_length=12, choices=DrillTemplate.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DrillStatus.choices, default=DrillStatus.DRAFT
    )
    # Clicks this soon after delivery are a machine's (link scanners open links on arrival).
    scanner_window_seconds = models.PositiveIntegerField(default=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return self.name


class DrillRecipient(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    department = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=5, default="ja")
    token = models.CharField(max_length=64, unique=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    attachment_opened_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    machine_events = models.PositiveIntegerField(default=0)
    send_error = models.CharField(max_length=300, blank=True)
    training = models.ForeignKey(
        TrainingRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["department", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["drill", "email"], name="training_recipient_once")
        ]

    def __str__(self) -> str:
        return self.name


class EventKind(models.TextChoices):
    OPEN = "open", _("Opened")
    CLICK = "click", _("Clicked the link")
    ATTACHMENT = "attachment", _("Opened the attachment's link")


class DrillEvent(models.Model):
    """Every request to a tracking address, kept even when a machine made it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(DrillRecipient, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    user_agent = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Empty: a person. Otherwise why it was attributed to a machine (scanners.REASONS).
    machine_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
