"""Storage for security intelligence.

Advisories are public data, stored once for the whole install (not per organisation): the
normalised advisory is kept as JSON (one part per source, so a re-import of one source replaces
only its own part), with indexed columns for search and ordering. Feeds, their items, watches
and decisions belong to an organisation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.orgs.models import Organization


class Advisory(models.Model):
    advisory_id = models.CharField(max_length=64, unique=True)  # JVNDB id, else first CVE id
    cve_ids = models.TextField(blank=True)  # space-separated, for search
    jvndb_id = models.CharField(max_length=32, blank=True, db_index=True)
    title_ja = models.TextField(blank=True)
    title_en = models.TextField(blank=True)
    sources = models.CharField(max_length=64, blank=True)  # "jvn+nvd+kev"
    published = models.DateTimeField(null=True, blank=True, db_index=True)
    modified = models.DateTimeField(null=True, blank=True, db_index=True)
    cvss_score = models.FloatField(null=True, blank=True, db_index=True)
    cvss_version = models.CharField(max_length=8, blank=True)
    severity = models.CharField(max_length=10, blank=True)
    kev = models.BooleanField(default=False, db_index=True)
    kev_due_date = models.DateField(null=True, blank=True)
    data = models.JSONField(default=dict)  # advisory_to_dict of the merged advisory
    parts = models.JSONField(default=dict)  # {source: advisory_to_dict} as each source gave it
    imported_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-published", "-id"]

    def __str__(self) -> str:
        return self.advisory_id


class AdvisoryKey(models.Model):
    """Look-up rows: every CVE/JVNDB id of an advisory ("id:…") and every product it names
    ("cpe:vendor:product" or "name:compactname"), so matching loads only the candidates."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=200, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["advisory", "key"], name="intel_advisorykey_unique")
        ]

    def __str__(self) -> str:
        return self.key


class SyncState(models.Model):
    """The state of one advisory source (nvd, kev, jvn) fetched by the worker."""

    source = models.CharField(max_length=16, unique=True)
    cursor = models.CharField(max_length=64, blank=True)  # NVD: lastModified reached
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    imported = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.source


class Feed(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    preset = models.CharField(max_length=40, blank=True)  # key in presets.PRESETS, or ""
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    enabled = models.BooleanField(_("enabled"), default=True)
    interval_minutes = models.PositiveIntegerField(_("check every (minutes)"), default=60)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_warning = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    next_fetch_at = models.DateTimeField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "url"], name="intel_feed_org_url")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def warning_labels(self) -> list[str]:
        """The last fetch's warnings in the reader's language (the parser's notes are English)."""
        labels: list[str] = []
        for part in (self.last_warning or "").split("; "):
            if not part:
                continue
            for prefix, label in WARNING_LABELS:
                if part.startswith(prefix):
                    text = str(label)
                    break
            else:
                text = str(_("The feed was read, with a warning."))
            if text not in labels:
                labels.append(text)
        return labels


# The feed parser's warnings (mamori.intel.parsers.feeds) by their first words.
WARNING_LABELS = (
    (
        "recovered from",
        _("The feed has XML errors; the entries that could be read were kept."),
    ),
    (
        "repaired:",
        _("The feed has small XML errors (undefined entities or a bare &); they were repaired."),
    ),
    (
        "future dates:",
        _("Some entries were dated more than a day ahead; they are shown at the time of fetching."),
    ),
    ("too many items:", _("The feed has very many entries; only the first ones were kept.")),
)


class FeedItem(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="items")
    guid = models.CharField(max_length=500)
    title = models.CharField(max_length=500)
    link = models.URLField(max_length=1000, blank=True)
    summary = models.TextField(blank=True)
    published = models.DateTimeField(db_index=False)  # fetch time when the feed gives none
    ids = models.CharField(max_length=500, blank=True)  # CVE/JVNDB ids, space-separated
    link_key = models.CharField(max_length=300, blank=True)
    title_key = models.CharField(max_length=300, blank=True)
    # The same article seen earlier in another feed: this row is not shown on its own.
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        db_index=False,  # partial index below: almost every row is NULL here
    )
    primary = models.BooleanField(default=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "guid"], name="intel_item_feed_guid")
        ]
        indexes = [
            # The timeline: newest first within one organisation (keyset pagination). Partial,
            # because SQLite cannot seek on a bare boolean column but matches the condition.
            models.Index(
                fields=["organization", "-published", "-id"],
                condition=models.Q(primary=True),
                name="intel_item_tl_primary",
            ),
            models.Index(fields=["organization", "-published", "-id"], name="intel_item_org_tl"),
            models.Index(
                fields=["duplicate_of"],
                condition=models.Q(duplicate_of__isnull=False),
                name="intel_item_dup",
            ),
            models.Index(fields=["feed", "-published", "-id"], name="intel_item_feed_tl"),
            models.Index(fields=["organization", "link_key"], name="intel_item_link"),
            models.Index(fields=["organization", "title_key"], name="intel_item_title"),
        ]

    def __str__(self) -> str:
        return self.title


class ItemRead(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(FeedItem, on_delete=models.CASCADE, related_name="reads")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="intel_itemread_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.item_id}"


class ReadMark(models.Model):
    """ "Mark all as read": everything published up to `read_until` counts as read for this user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    read_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="intel_readmark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.read_until}"


class Watch(models.Model):
    """A keyword the organisation watches for (besides the product names of its inventory)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    keyword = models.CharField(_("keyword"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["keyword"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "keyword"], name="intel_watch_unique")
        ]

    def __str__(self) -> str:
        return self.keyword


class DecisionStatus(models.TextChoices):
    NOT_AFFECTED = "not_affected", _("Not affected")
    PATCHED = "patched", _("Patched")


class Decision(models.Model):
    """A user's word on one (software, advisory, version): kept across re-imports; a decision
    about one version never hides the advisory for another version."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    software = models.ForeignKey(
        "inventory.Software", on_delete=models.CASCADE, related_name="intel_decisions"
    )
    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="decisions")
    version = models.CharField(max_length=100, blank=True)
    status = models.CharField(_("decision"), max_length=16, choices=DecisionStatus.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["software", "advisory", "version"], name="intel_decision_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.status}: {self.software_id}/{self.advisory_id} {self.version}"
