"""Watched pages, the fingerprints of their fetches and the changes awaiting review (§7.7).

A page keeps its approved baseline fingerprint and the state of each check (reachability,
certificate, headers); findings are derived from that state (see services.sync_findings).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.orgs.models import Organization

from .fingerprint import Fingerprint


class PageState(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    OK = "ok", _("No change")
    CHANGED = "changed", _("Changed (caution)")
    DANGER = "danger", _("Suspicious change (danger)")
    UNREACHABLE = "unreachable", _("Unreachable")


class WatchedPage(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="watched_pages"
    )
    website = models.ForeignKey(
        "inventory.Website",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="watched_pages",
        verbose_name=_("website in the inventory"),
    )
    url = models.URLField(_("URL"), max_length=500)
    interval_minutes = models.PositiveIntegerField(_("check every (minutes)"), default=60)
    expected_keywords = models.TextField(_("expected words"), blank=True, max_length=2000)
    ignore_selectors = models.TextField(_("ignored regions"), blank=True, max_length=5000)
    enabled = models.BooleanField(_("monitoring on"), default=True)
    state = models.CharField(
        _("state"), max_length=12, choices=PageState.choices, default=PageState.PENDING
    )
    baseline = models.JSONField(null=True, blank=True)
    baseline_at = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(default=0)
    # Consecutive failed fetches: the page counts as unreachable from the second (confirmed).
    failures = models.PositiveSmallIntegerField(default=0)
    problem = models.JSONField(null=True, blank=True)
    header_issues = models.JSONField(default=list, blank=True)
    # When a page response was last read (its headers judged); None: never fetched successfully.
    headers_checked_at = models.DateTimeField(null=True, blank=True)
    # Moving parts learned from the first checks after the baseline (compare.Learned).
    learned = models.JSONField(default=dict, blank=True)
    learn_checks_left = models.PositiveSmallIntegerField(default=0)
    # CMS, plugins and themes read from the page: ["kind|name|version", …] (software.Component).
    software = models.JSONField(default=list, blank=True)
    redirect_issue = models.JSONField(null=True, blank=True)
    redirect_checked_at = models.DateTimeField(null=True, blank=True)
    certificate = models.JSONField(null=True, blank=True)
    cert_checked_at = models.DateTimeField(null=True, blank=True)
    pending_change = models.OneToOneField(
        "PageChange", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["url"]
        indexes = [models.Index(fields=["organization", "state"])]
        verbose_name = _("watched page")
        verbose_name_plural = _("watched pages")

    def __str__(self) -> str:
        return self.url

    @property
    def keyword_list(self) -> list[str]:
        return [line.strip() for line in self.expected_keywords.splitlines() if line.strip()]

    @property
    def selector_list(self) -> list[str]:
        return [line.strip() for line in self.ignore_selectors.splitlines() if line.strip()]

    @property
    def job_key(self) -> str:
        return f"monitoring.page:{self.pk}"

    def baseline_fingerprint(self) -> Fingerprint | None:
        return Fingerprint.from_dict(self.baseline) if self.baseline else None


class Snapshot(models.Model):
    """One fetch. The full fingerprint is kept only when the page differs from the previous
    snapshot (enough for diffs); unchanged fetches keep the hashes alone."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(WatchedPage, on_delete=models.CASCADE, related_name="snapshots")
    fetched_at = models.DateTimeField(default=timezone.now)
    status = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    structure_sha256 = models.CharField(max_length=64, blank=True)
    text_sha256 = models.CharField(max_length=64, blank=True)
    fingerprint = models.JSONField(null=True, blank=True)
    level = models.CharField(max_length=10, default="none")
    # Information-level reasons (a library update, a new partner link): kept in the history.
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        indexes = [models.Index(fields=["page", "-fetched_at"])]

    def __str__(self) -> str:
        return f"{self.page_id} @ {self.fetched_at:%Y-%m-%d %H:%M}"


class ChangeStatus(models.TextChoices):
    OPEN = "open", _("Awaiting review")
    APPROVED = "approved", _("Approved as the new baseline")
    SUPERSEDED = "superseded", _("Replaced by a later change")


class PageChange(models.Model):
    """A difference from the approved baseline that someone has to look at."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(WatchedPage, on_delete=models.CASCADE, related_name="changes")
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+")
    baseline = models.JSONField()
    detected_at = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=10)
    reasons = models.JSONField(default=list)
    status = models.CharField(
        max_length=12, choices=ChangeStatus.choices, default=ChangeStatus.OPEN
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]

    def __str__(self) -> str:
        return f"{self.level} change of {self.page_id}"

    @property
    def reason_list(self) -> list[dict[str, Any]]:
        return [item for item in self.reasons if isinstance(item, dict)]
