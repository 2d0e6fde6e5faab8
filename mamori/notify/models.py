"""Notification channels, per-user choices, the delivery log and calendar feeds (§5.2).

Channel secrets (an SMTP password, a chat webhook URL with its token) are needed to send, so
they are stored, encrypted (mamori.core.crypto); they are never shown back in full, never
written to the audit trail and never put in a message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.core.crypto import EncryptedTextField
from mamori.findings.models import Finding, Severity
from mamori.orgs.models import Organization


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat or webhook (Slack, Teams, Discord, ntfy, JSON…)")


class Digest(models.TextChoices):
    NONE = "none", _("No digest")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly (Monday)")


class Channel(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notify_channels"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=10, choices=ChannelKind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    min_severity = models.CharField(
        _("minimum severity"), max_length=10, choices=Severity.choices, default=Severity.HIGH
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    critical_in_quiet_hours = models.BooleanField(
        _("send critical alerts during quiet hours"), default=True
    )
    digest = models.CharField(
        _("digest"), max_length=10, choices=Digest.choices, default=Digest.NONE
    )
    next_digest_at = models.DateTimeField(null=True, blank=True)
    # email
    use_server_mail = models.BooleanField(_("use the server's mail settings"), default=True)
    smtp_host = models.CharField(_("SMTP server"), max_length=200, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_username = models.CharField(_("SMTP user name"), max_length=200, blank=True)
    smtp_password = EncryptedTextField(
        _("SMTP password"), max_length=200, blank=True, purpose="mamori.notify.smtp-password.v1"
    )
    smtp_starttls = models.BooleanField(_("use STARTTLS"), default=True)
    from_email = models.EmailField(_("sender address"), blank=True)
    extra_recipients = models.TextField(_("other recipients"), blank=True, max_length=2000)
    send_to_members = models.BooleanField(_("send to the organisation's members"), default=True)
    # chat / webhook
    # The URL often carries the webhook's secret token: stored encrypted, never shown in full.
    apprise_url = EncryptedTextField(
        _("service URL"), max_length=1000, blank=True, purpose="mamori.notify.chat-url.v1"
    )
    # health
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("notification channel")

    def __str__(self) -> str:
        return self.name

    @property
    def is_broken(self) -> bool:
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )

    @property
    def recipient_list(self) -> list[str]:
        text = self.extra_recipients.replace(",", "\n").replace(";", "\n")
        return [line.strip() for line in text.splitlines() if line.strip()]


class Preference(models.Model):
    """One member's opt-outs in one organisation (absent row: everything on)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preferences"
    )
    alerts = models.BooleanField(_("email me immediate alerts"), default=True)
    digests = models.BooleanField(_("email me digests"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_notify_pref")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id}"


class NotificationKind(models.TextChoices):
    ALERT = "alert", _("Alert")
    DIGEST = "digest", _("Digest")
    TEST = "test", _("Test")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    HELD = "held", _("Held for quiet hours")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    severity = models.CharField(max_length=10, blank=True)
    # Set for notices that must go out once (an incident opened, a deadline near).
    event_key = models.CharField(max_length=120, blank=True, db_index=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    recipients = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return self.subject


class CalendarFeed(models.Model):
    """A member's secret iCalendar address; only the hash of its token is stored."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar of {self.user} @ {self.organization_id}"
