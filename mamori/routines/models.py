"""Recurring checks (定期点検): the chores an organisation repeats, each with an interval, an owner
and the next due date. The daily job turns a chore that comes due into a finding with a dated
action (mamori.routines.rules), so chores share the to-do list, the deadlines calendar and the
overdue logic of every other finding instead of keeping a second scheduler."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mamori.findings.guidance import HANDBOOK_REF
from mamori.inventory.models import Person
from mamori.orgs.models import Organization


class ChoreKind(models.TextChoices):
    RESTORE_TEST = "restore_test", _("Backup restore test")
    ESCROW_TEST = "escrow_test", _("Deputy and escrow test")
    ACCESS_REVIEW = "access_review", _("Access review (leavers and administrator rights)")
    QR_STICKER = "qr_sticker", _("QR-code sticker inspection at the shop")
    CONTACT_REVIEW = "contact_review", _("Re-verify the emergency contacts")
    SUPPLIER_AUDIT = "supplier_audit", _("Supplier audit")
    POLICY_REVIEW = "policy_review", _("Security policy review")
    TRAINING = "training", _("Security training")
    BCP_REVIEW = "bcp_review", _("Business continuity plan review")
    OTHER = "other", _("Other check")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Chore(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=ChoreKind.choices)
    # Blank for a default chore: the page then shows the kind's name in the reader's language.
    title = models.CharField(_("title"), max_length=200, blank=True)
    interval_months = models.PositiveSmallIntegerField(_("every (months)"), default=0)
    interval_days = models.PositiveSmallIntegerField(_("every (days)"), default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner (member)"),
    )
    owner_person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner (person)"),
    )
    next_due = models.DateField(_("next due"))
    paused = models.BooleanField(_("paused"), default=False)
    last_done_on = models.DateField(_("last done"), null=True, blank=True)
    last_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last done by"),
    )
    last_done_note = models.CharField(_("result"), max_length=500, blank=True)
    # The handbook section or MIC case the chore comes from (shown on the page).
    source = models.CharField(_("source"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["next_due", "pk"]
        indexes = [models.Index(fields=["organization", "paused", "next_due"])]
        verbose_name = _("recurring check")
        verbose_name_plural = _("recurring checks")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or str(self.get_kind_display())

    def interval_after(self, day: date) -> date:
        """The due date one interval after `day`."""
        return add_months(day, self.interval_months) + timedelta(days=self.interval_days)

    @property
    def source_label(self) -> str:
        """The citation in the reader's language: 「ハンドブック 第7章 §7.5」 on a Japanese page,
        "Handbook chapter 7 §7.5" on an English one."""
        language = get_language() or "ja"
        match = HANDBOOK_REF.match(self.source)
        if match and language.startswith("en"):
            return f"Handbook chapter {match['chapter']} §{match['section']}"
        return self.source

    @property
    def is_overdue(self) -> bool:
        return not self.paused and self.next_due < timezone.localdate()

    @property
    def owner_label(self) -> str:
        if self.owner is not None:
            return self.owner.get_full_name() or self.owner.email or self.owner.username
        if self.owner_person is not None:
            return self.owner_person.name
        return ""


class RoutineSetup(models.Model):
    """Marks that an organisation received the default chores once, so a chore the organisation
    removed on purpose is not created again."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="routine_setup"
    )
    defaults_added_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"routine setup of {self.organization}"
