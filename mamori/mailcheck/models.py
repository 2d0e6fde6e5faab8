"""Checked mails (the per-organisation history), their raw bytes, and the check settings.

The verdict and signals of a checked mail stay; its raw bytes live in a separate table so that
lists never load them and the retention purge can drop them without touching the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.orgs.models import Organization


class Verdict(models.TextChoices):
    SAFE = "safe", _("Looks safe")
    CAUTION = "caution", _("Caution")
    DANGER = "danger", _("Danger")


class Source(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    SMTP = "smtp", _("Check address")
    IMAP = "imap", _("Report mailbox")
    DEMO = "demo", _("Demo")


class CheckedMail(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    source = models.CharField(_("received by"), max_length=10, choices=Source.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    from_header = models.CharField(_("from"), max_length=500, blank=True)
    from_address = models.CharField(max_length=320, blank=True, db_index=True)
    mail_date = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(max_length=500, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    score = models.PositiveSmallIntegerField(default=0)
    # Signal.to_dict() of every signal, and the engine's facts (attachments, PPAP hints).
    signals = models.JSONField(default=list, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    raw_purged_at = models.DateTimeField(null=True, blank=True)
    # Sent to the administrators (a finding for their to-do list and a mail to the owners).
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_or_clicked = models.BooleanField(default=False)
    report_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["organization", "-checked_at"])]

    def __str__(self) -> str:
        return self.subject or self.file_name or f"mail #{self.pk}"

    @property
    def has_raw(self) -> bool:
        return self.raw_purged_at is None


class RawMail(models.Model):
    """The bytes as received; deleted after MAIL_RETENTION_DAYS by the purge job."""

    mail = models.OneToOneField(
        CheckedMail, on_delete=models.CASCADE, primary_key=True, related_name="raw"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"raw of mail #{self.mail_id}"


class MailCheckSettings(models.Model):
    """One row per organisation: its own domains, its check address and its report mailbox."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="mailcheck_settings"
    )
    own_domains = models.CharField(
        _("our own mail and web domains"),
        max_length=1000,
        blank=True,
        help_text=_("Separate several with commas, e.g. example.co.jp, example.com"),
    )
    check_address = models.EmailField(
        _("check address"),
        blank=True,
        help_text=_(
            "Address staff forward suspicious mail to. Empty: the standard address shown above."
        ),
    )
    imap_enabled = models.BooleanField(_("poll a report mailbox"), default=False)
    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    imap_use_ssl = models.BooleanField(_("use TLS (IMAPS)"), default=True)
    imap_username = models.CharField(_("user name"), max_length=255, blank=True)
    # Encrypted with a key derived from SECRET_KEY (mamori.mailcheck.credentials); never shown back.
    imap_password_encrypted = models.TextField(blank=True)
    imap_folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    imap_last_polled_at = models.DateTimeField(null=True, blank=True)
    imap_last_error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"mail check settings of {self.organization}"

    @property
    def own_domain_list(self) -> list[str]:
        text = self.own_domains.replace("、", ",").replace(" ", ",")
        return [d.strip().lower().rstrip(".") for d in text.split(",") if d.strip()]
