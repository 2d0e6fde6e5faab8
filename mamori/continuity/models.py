"""Continuity registers (issue 17): backups with their restore tests, and critical accounts with
their deputy and credential escrow (handbook §2.2, §7.5; MIC case クラウドサービスに預けていた
重要データが消えた).

Both registers follow the inventory's pattern (organisation, archived rather than deleted) and
are served by the generic register views (`registers.py`). A restore test is a child record of a
backup, never edited afterwards: it is evidence.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.inventory.models import Account, Device, Person, Register, Service, Share
from mamori.orgs.models import Organization

# The backup row mamori keeps about itself in every organisation (see own_backups.py).
MAMORI_BACKUP_NAME = "mamori"
RESTORE_TEST_VALID_DAYS = 365
ESCROW_TEST_VALID_DAYS = 365


class BackupLocation(models.TextChoices):
    SAME_SYSTEM = "same_system", _("On the same system or service (versions, recycle bin)")
    SAME_SITE = "same_site", _("Another device on the same site")
    OTHER_SITE = "other_site", _("Another site")
    CLOUD = "cloud", _("Another cloud service")
    OFFLINE_MEDIA = "offline_media", _("Offline media (disconnected disk, tape)")


# Copies a ransomware attack on the protected system cannot reach or rewrite (§7.5, and the
# MIC cloud case's 「取得対象と切り離された環境」).
SEPARATED_LOCATIONS = frozenset({BackupLocation.OTHER_SITE, BackupLocation.OFFLINE_MEDIA})


class BackupSchedule(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Every three months")
    MANUAL = "manual", _("When needed (no schedule)")


# How old the last successful run may be before it is overdue: the interval plus a day's grace.
SCHEDULE_ALLOWANCE_DAYS: dict[str, int] = {
    BackupSchedule.DAILY: 2,
    BackupSchedule.WEEKLY: 8,
    BackupSchedule.MONTHLY: 32,
    BackupSchedule.QUARTERLY: 93,
}


class Backup(Register):
    name = models.CharField(_("what is backed up"), max_length=200)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backups",
        verbose_name=_("service it protects"),
    )
    device = models.ForeignKey(
        Device,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backups",
        verbose_name=_("device it protects"),
    )
    share = models.ForeignKey(
        Share,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backups",
        verbose_name=_("share it protects"),
    )
    location = models.CharField(
        _("where the copy is kept"),
        max_length=16,
        choices=BackupLocation.choices,
        default=BackupLocation.SAME_SITE,
    )
    method = models.CharField(_("how (tool or service)"), max_length=200, blank=True)
    generations = models.PositiveSmallIntegerField(
        _("generations kept"),
        null=True,
        blank=True,
        help_text=_("How many older copies are kept (a copy overwritten every night is one)."),
    )
    offline_or_immutable = models.BooleanField(
        _("offline or cannot be changed"),
        default=False,
        help_text=_(
            "Yes when ransomware on the protected system could not reach or rewrite the copy: "
            "a disconnected disk, or storage that refuses changes for a set time."
        ),
    )
    checker = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who checks it"),
    )
    schedule = models.CharField(
        _("schedule"),
        max_length=12,
        choices=BackupSchedule.choices,
        default=BackupSchedule.DAILY,
    )
    last_success_on = models.DateField(_("last successful run"), null=True, blank=True)
    # mamori's own backup row: kept up to date by `mamori backup` and `mamori restore`.
    managed = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(managed=True),
                name="continuity_one_mamori_backup_per_org",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        linked = [x for x in (self.service_id, self.device_id, self.share_id) if x]
        if len(linked) > 1:
            raise ValidationError(
                _("Choose one service, device or share (add one backup for each of them).")
            )

    @property
    def protects(self) -> Service | Device | Share | None:
        return self.service or self.device or self.share

    @property
    def is_separated(self) -> bool:
        return self.offline_or_immutable or self.location in SEPARATED_LOCATIONS

    def overdue_since(self, today: date) -> date | None:
        """The day the next run was due, when it is late (None: on time or no schedule)."""
        allowance = SCHEDULE_ALLOWANCE_DAYS.get(self.schedule)
        if allowance is None or self.last_success_on is None:
            return None
        due = self.last_success_on + timedelta(days=allowance)
        return due if due < today else None


class RestoreResult(models.TextChoices):
    SUCCESS = "success", _("Restored completely")
    PARTIAL = "partial", _("Restored in part")
    FAILED = "failed", _("Could not restore")


def restore_evidence_path(instance: RestoreTest, filename: str) -> str:
    # The stored name is the content hash: the original name stays in a field, not in the path.
    return f"continuity/{instance.organization_id}/{instance.backup_id}/{instance.evidence_sha256}"


class RestoreTest(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    backup = models.ForeignKey(Backup, on_delete=models.CASCADE, related_name="restore_tests")
    tested_on = models.DateField(_("tested on"))
    restored = models.CharField(_("what was restored"), max_length=300)
    duration_minutes = models.PositiveIntegerField(
        _("how long it took (minutes)"), null=True, blank=True
    )
    result = models.CharField(_("result"), max_length=8, choices=RestoreResult.choices)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    evidence = models.FileField(upload_to=restore_evidence_path, max_length=300, blank=True)
    evidence_name = models.CharField(_("evidence file"), max_length=255, blank=True)
    evidence_size = models.PositiveBigIntegerField(default=0)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    # True for a verification done by `mamori restore` (not typed in by a person).
    automatic = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-tested_on", "-id"]
        indexes = [models.Index(fields=["backup", "result", "tested_on"])]
        verbose_name = _("restore test")
        verbose_name_plural = _("restore tests")

    def __str__(self) -> str:
        return f"{self.backup} {self.tested_on:%Y-%m-%d}"


class CriticalAccountKind(models.TextChoices):
    DOMAIN_REGISTRAR = "domain_registrar", _("Domain registrar")
    MAIL_ADMIN = "mail_admin", _("Mail administration")
    ONLINE_BANKING = "online_banking", _("Online banking")
    CLOUD_ADMIN = "cloud_admin", _("Cloud administration")
    PASSWORD_MANAGER = "password_manager", _("Password manager")
    OTHER = "other", _("Other")


class EscrowPlace(models.TextChoices):
    NONE = "none", _("Not held anywhere else")
    SEALED_SAFE = "sealed_safe", _("Sealed envelope in the safe")
    LAWYER = "lawyer", _("Entrusted to a lawyer or adviser")
    EMERGENCY_ACCESS = "emergency_access", _("Password manager emergency access")
    BANK_PROCEDURE = "bank_procedure", _("The provider's procedure for a representative")
    OTHER = "other", _("Elsewhere (described below)")


# Text that looks like a secret rather than a place: a long token mixing letter cases and
# digits, groups of letters and digits like recovery codes, or "PIN: 1234"-style labels.
_SECRET_TOKEN = re.compile(r"(?<![\w/.@-])(?=\S*[a-z])(?=\S*[A-Z])(?=\S*\d)[!-~]{10,}")
_RECOVERY_CODE = re.compile(r"\b[A-Za-z0-9]{4,}(?:[- ][A-Za-z0-9]{4,}){2,}\b")
_LABELLED_SECRET = re.compile(
    r"(?i)(?:password|passcode|pin|暗証番号|パスワード|リカバリーコード|復旧コード)"
    r"\s*(?:は|:|：|=)\s*[!-~]{4,}"
)


def looks_like_secret(text: str) -> bool:
    """Does this look like a password, PIN or recovery code (which mamori must never hold)?"""
    if not text:
        return False
    for match in _RECOVERY_CODE.finditer(text):
        if any(c.isdigit() for c in match.group(0)):
            return True
    for match in _SECRET_TOKEN.finditer(text):
        token = match.group(0)
        # A product name ("Microsoft365") switches from letters to digits once; a password
        # has a symbol or switches several times ("xK7pQ2mN9vL4").
        switches = sum(
            1 for a, b in zip(token, token[1:], strict=False) if a.isdigit() != b.isdigit()
        )
        if switches >= 3 or not token.isalnum():
            return True
    return bool(_LABELLED_SECRET.search(text))


SECRET_REFUSED = _(
    "This looks like a password, PIN or recovery code. Never store the secret itself in mamori: "
    "write only where it is kept (for example “sealed envelope, safe in the office”)."
)


class CriticalAccount(Register):
    name = models.CharField(_("critical account"), max_length=200)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=CriticalAccountKind.choices,
        default=CriticalAccountKind.OTHER,
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("service"),
    )
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("account"),
    )
    administrator = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("administrator"),
    )
    deputy = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("deputy administrator"),
    )
    escrow = models.CharField(
        _("where the master password or recovery codes are held"),
        max_length=20,
        choices=EscrowPlace.choices,
        default=EscrowPlace.NONE,
    )
    escrow_details = models.CharField(
        _("details of where they are held"),
        max_length=300,
        blank=True,
        help_text=_(
            "Only where and with whom, e.g. “sealed envelope in the office safe, key with the "
            "general manager”. Never the password, PIN or recovery codes themselves."
        ),
    )
    last_access_test_on = models.DateField(
        _("last test that the deputy can get in"), null=True, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("critical account")
        verbose_name_plural = _("critical accounts")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        for name in ("escrow_details", "notes", "name"):
            if looks_like_secret(getattr(self, name, "")):
                errors[name] = SECRET_REFUSED
        if self.escrow == EscrowPlace.OTHER and not self.escrow_details.strip():
            errors["escrow_details"] = _("Say where they are held.")
        if self.deputy_id and self.deputy_id == self.administrator_id:
            errors["deputy"] = _("The deputy must be someone other than the administrator.")
        if errors:
            raise ValidationError(errors)

    @property
    def has_escrow(self) -> bool:
        return self.escrow != EscrowPlace.NONE
